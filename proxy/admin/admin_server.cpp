#include "proxy/admin/admin_server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <optional>
#include <system_error>

#include "proxy/net/bound_acceptor.h"
#include "proxy/net/spawn.h"

namespace tlsfloor::admin {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

AdminServer::AdminServer(asio::io_context& context, const config::Endpoint& listen,
                         AdminHandler handler, AdminLimits limits, AdminObserver observer)
    : acceptor_(net::bind_acceptor(context,
                                   tcp::endpoint(asio::ip::make_address(listen.host), listen.port),
                                   /*reuse_port=*/false, "admin", listen.to_string())),
      handler_(std::move(handler)),
      limits_(limits),
      observer_(std::move(observer)) {
  port_ = acceptor_.local_endpoint().port();
}

void AdminServer::start() {
  asio::co_spawn(acceptor_.get_executor(), accept_loop(shared_from_this()),
                 net::log_escaped_exception("admin accept loop"));
}

void AdminServer::close() {
  closed_ = true;
  error_code ec;
  acceptor_.close(ec);
  for (Session& session : sessions_) {
    if (session.idle) session.socket->close(ec);
  }
}

void AdminServer::report_connections() const {
  if (observer_.connections) observer_.connections(sessions_.size());
}

bool AdminServer::make_room() {
  if (sessions_.size() < limits_.max_connections) return true;
  Session* oldest = nullptr;
  for (Session& session : sessions_) {
    if (session.idle && (oldest == nullptr || session.idle_since < oldest->idle_since)) {
      oldest = &session;
    }
  }
  if (oldest == nullptr) return false;
  // Its coroutine sees the read fail, ends and leaves the list; the newcomer counts meanwhile.
  error_code ec;
  oldest->socket->close(ec);
  oldest->idle = false;  // not chosen twice
  if (observer_.over_cap) observer_.over_cap("evicted");
  return true;
}

asio::awaitable<void> AdminServer::accept_loop(std::shared_ptr<AdminServer> self) {
  for (;;) {
    error_code ec;
    tcp::socket socket(self->acceptor_.get_executor());
    co_await self->acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (self->closed_) co_return;
    if (ec) {
      // Out of descriptors, most likely; the listener's own backoff is not worth copying for
      // an endpoint scraped every few seconds: wait a little and go on.
      asio::steady_timer pause(self->acceptor_.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (!self->make_room()) {
      // Every connection is in the middle of a request: a reset, at once, keeps the
      // descriptor and the memory bound.
      socket.set_option(tcp::socket::linger(true, 0), ec);
      socket.close(ec);
      if (self->observer_.over_cap) self->observer_.over_cap("refused");
      continue;
    }
    asio::co_spawn(self->acceptor_.get_executor(), session(self, std::move(socket)),
                   net::log_escaped_exception("admin session"));
  }
}

asio::awaitable<void> AdminServer::session(std::shared_ptr<AdminServer> self, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  self->sessions_.push_back({&stream.socket(), true, std::chrono::steady_clock::now()});
  // Listed for exactly as long as the stream lives, however the coroutine ends.
  struct Listed {
    AdminServer& server;
    std::list<Session>::iterator entry;
    ~Listed() {
      server.sessions_.erase(entry);
      server.report_connections();
    }
  } listed{*self, std::prev(self->sessions_.end())};
  const auto entry = listed.entry;
  self->report_connections();
  const AdminLimits& limits = self->limits_;
  beast::flat_buffer buffer(limits.max_header_bytes + limits.max_body_bytes);
  bool first = true;
  for (;;) {
    error_code ec;
    // A connection that says nothing, or sends its request slowly, must not hold its place.
    stream.expires_after(first ? limits.request_timeout : limits.idle_timeout);
    first = false;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    entry->idle = true;
    entry->idle_since = std::chrono::steady_clock::now();
    co_await http::async_read_header(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
    entry->idle = false;
    if (!ec && !parser.is_done()) {
      stream.expires_after(limits.request_timeout);
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) break;
    const auto& request = parser.get();
    const auto header = [&](http::field field) -> std::optional<std::string_view> {
      const auto found = request.find(field);
      if (found == request.end()) return std::nullopt;
      return std::string_view(found->value());
    };
    const AdminResponse answer =
        self->handler_({std::string_view(request.method_string()),
                        std::string_view(request.target()), header(http::field::host),
                        header(http::field::origin), header(http::field::authorization)});
    http::response<http::string_body> response(static_cast<http::status>(answer.status),
                                               request.version());
    response.set(http::field::server, "tlsfloor");
    response.set(http::field::content_type, answer.content_type);
    response.set("X-Content-Type-Options", "nosniff");
    response.set(http::field::cache_control, "no-store");
    if (!answer.allow.empty()) response.set(http::field::allow, answer.allow);
    for (const auto& [name, value] : answer.headers) response.set(name, value);
    response.keep_alive(request.keep_alive() && !self->closed_);
    response.body() = answer.body;
    response.prepare_payload();
    // A client that does not read its answer is cut off like one that does not send.
    stream.expires_after(limits.request_timeout);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !response.keep_alive()) break;
  }
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace tlsfloor::admin
