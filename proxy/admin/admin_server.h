#pragma once
// The admin listener: HTTP/1.1 (Boost.Beast) on its own port, for /metrics, /healthz and the
// JSON views. Runs on the control thread, never on a worker's.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/endpoint.h"
#include "proxy/admin/admin_access.h"
#include "proxy/admin/admin_routes.h"

namespace tlsfloor::admin {

/// Answers one request; called on the control thread.
using AdminHandler = std::function<AdminResponse(const AdminRequest& request)>;

/// Every answer carries X-Content-Type-Options: nosniff and Cache-Control: no-store (its JSON
/// names clients; no proxy or browser cache should keep it).
class AdminServer : public std::enable_shared_from_this<AdminServer> {
 public:
  using tcp = boost::asio::ip::tcp;
  /// Binds `listen`; throws std::system_error naming the address when it cannot.
  AdminServer(boost::asio::io_context& context, const config::Endpoint& listen,
              AdminHandler handler);
  void start();
  /// Stops accepting and closes idle keep-alive sessions. Control thread only.
  void close();
  std::uint16_t port() const { return port_; }

 private:
  static boost::asio::awaitable<void> accept_loop(std::shared_ptr<AdminServer> self);
  static boost::asio::awaitable<void> session(std::shared_ptr<AdminServer> self,
                                              tcp::socket socket);
  tcp::acceptor acceptor_;
  AdminHandler handler_;
  std::uint16_t port_ = 0;
  bool closed_ = false;
};

}  // namespace tlsfloor::admin
