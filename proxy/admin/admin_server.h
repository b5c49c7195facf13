#pragma once
// The admin listener: HTTP/1.1 (Boost.Beast) on its own port, for /metrics, /healthz and the
// JSON views. Runs on the control thread, never on a worker's.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>

#include "config/endpoint.h"
#include "proxy/admin/admin_access.h"
#include "proxy/admin/admin_routes.h"

namespace tlsfloor::admin {

/// Answers one request; called on the control thread.
using AdminHandler = std::function<AdminResponse(const AdminRequest& request)>;

/// What the admin port lets its clients hold, whatever they send: at most `max_connections`
/// connections, each holding at most one request of `max_header_bytes` + `max_body_bytes`
/// (about 12 KiB with the defaults), idle for at most `idle_timeout` between requests and
/// `request_timeout` to send one. A connection over the cap takes the place of the one idle
/// the longest; when none is idle it is closed at once (with a reset).
struct AdminLimits {
  unsigned max_connections = 32;
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
  std::size_t max_header_bytes = 8 * 1024;
  /// No admin endpoint reads a body (POST /reload takes none); a little is tolerated.
  std::size_t max_body_bytes = 4 * 1024;
};

/// Where the admin server reports its connections (set from the control thread only).
struct AdminObserver {
  std::function<void(std::size_t open)> connections;
  /// A connection closed because the cap was reached: `evicted` (an idle one made room) or
  /// `refused` (none was idle).
  std::function<void(std::string_view how)> over_cap;
};

/// Every answer carries X-Content-Type-Options: nosniff and Cache-Control: no-store (its JSON
/// names clients; no proxy or browser cache should keep it).
class AdminServer : public std::enable_shared_from_this<AdminServer> {
 public:
  using tcp = boost::asio::ip::tcp;
  /// Binds `listen`; throws std::system_error naming the address when it cannot.
  AdminServer(boost::asio::io_context& context, const config::Endpoint& listen,
              AdminHandler handler, AdminLimits limits = {}, AdminObserver observer = {});
  void start();
  /// Stops accepting and closes idle keep-alive sessions. Control thread only.
  void close();
  std::uint16_t port() const { return port_; }
  /// Connections open now (control thread).
  std::size_t connections() const { return sessions_.size(); }

 private:
  // One open connection; owned by its coroutine, listed here while it runs.
  struct Session {
    tcp::socket* socket = nullptr;
    bool idle = true;  // waiting for (the start of) a request
    std::chrono::steady_clock::time_point idle_since{};
  };
  static boost::asio::awaitable<void> accept_loop(std::shared_ptr<AdminServer> self);
  static boost::asio::awaitable<void> session(std::shared_ptr<AdminServer> self,
                                              tcp::socket socket);
  // Room for one more connection: true at once under the cap, or after closing the session
  // idle the longest; false when every session is busy.
  bool make_room();
  void report_connections() const;

  tcp::acceptor acceptor_;
  AdminHandler handler_;
  AdminLimits limits_;
  AdminObserver observer_;
  std::list<Session> sessions_;
  std::uint16_t port_ = 0;
  bool closed_ = false;
};

}  // namespace tlsfloor::admin
