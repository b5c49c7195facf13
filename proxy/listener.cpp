#include "proxy/listener.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <system_error>

#include "proxy/connection.h"
#include "proxy/spawn.h"

namespace tlsfloor::proxy {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// Out of descriptors (EMFILE/ENFILE) or memory: the pending connection stays in the backlog,
// so retrying at once would spin. Back off, doubling up to a second.
constexpr auto kFirstBackoff = std::chrono::milliseconds(5);
constexpr auto kMaxBackoff = std::chrono::milliseconds(1000);

void check(const error_code& ec, const std::string& listener, const std::string& address,
           const char* step) {
  if (ec) {
    throw std::system_error(ec, "listener " + listener + ": cannot " + step + " " + address);
  }
}

}  // namespace

Listener::Listener(std::shared_ptr<const ListenerRuntime> runtime,
                   const std::vector<Worker*>& workers)
    : name_(runtime->config.name), runtime_(runtime) {
  const auto& listen = runtime->config.listen;
  const std::string address = listen.to_string();
  tcp::endpoint endpoint(asio::ip::make_address(listen.host), listen.port);
  for (Worker* worker : workers) {
    auto entry = std::make_unique<Acceptor>(Acceptor{worker, tcp::acceptor(worker->context())});
    tcp::acceptor& acceptor = entry->acceptor;
    error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    check(ec, name_, address, "open a socket for");
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    acceptor.set_option(ReusePort(true), ec);
    check(ec, name_, address, "set SO_REUSEPORT on");
    acceptor.bind(endpoint, ec);
    check(ec, name_, address, "bind to");
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    check(ec, name_, address, "listen on");
    acceptor.non_blocking(true, ec);
    // With port 0 the first bind picks the port; the other workers join that same port.
    endpoint = acceptor.local_endpoint();
    acceptors_.push_back(std::move(entry));
  }
  local_endpoint_ = endpoint;
}

void Listener::start() {
  for (auto& acceptor : acceptors_) {
    asio::co_spawn(acceptor->worker->context(), accept_loop(shared_from_this(), *acceptor),
                   log_escaped_exception("accept loop"));
  }
}

void Listener::close() {
  for (auto& entry : acceptors_) {
    // Acceptors belong to their worker's thread.
    asio::post(entry->worker->context(), [self = shared_from_this(), &entry = *entry] {
      error_code ec;
      entry.acceptor.close(ec);
    });
  }
}

asio::awaitable<void> Listener::accept_loop(std::shared_ptr<Listener> self, Acceptor& entry) {
  auto backoff = kFirstBackoff;
  asio::steady_timer retry(entry.worker->context());
  for (;;) {
    error_code ec;
    tcp::socket socket(entry.worker->context());
    co_await entry.acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (!entry.acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
    auto runtime = self->runtime();
    if (ec) {
      runtime->metrics->count_accept_error();
      spdlog::warn("listener {}: accept failed: {} (retrying in {} ms)", self->name_, ec.message(),
                   backoff.count());
      retry.expires_after(backoff);
      co_await retry.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    backoff = kFirstBackoff;
    std::make_shared<Connection>(std::move(socket), std::move(runtime), *entry.worker)->start();
  }
}

}  // namespace tlsfloor::proxy
