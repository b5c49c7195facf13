#include "proxy/net/listener.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>

#include <linux/filter.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <optional>
#include <system_error>
#include <variant>

#include "proxy/net/bound_acceptor.h"
#include "proxy/net/connection.h"
#include "proxy/net/spawn.h"
#include "proxy/proxy_protocol/proxy_header.h"

namespace tlsfloor::net {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Out of descriptors (EMFILE/ENFILE) or memory: the pending connection stays in the backlog,
// so retrying at once would spin. Back off, doubling up to a second.
constexpr auto kFirstBackoff = std::chrono::milliseconds(5);
constexpr auto kMaxBackoff = std::chrono::milliseconds(1000);

}  // namespace

Listener::Listener(std::shared_ptr<const runtime::ListenerRuntime> runtime,
                   const std::vector<Worker*>& workers, bool exclusive,
                   std::shared_ptr<limits::DescriptorBudget> descriptors)
    : runtime_(runtime), descriptors_(std::move(descriptors)) {
  const std::string owner = "listener " + runtime->config.name;
  const auto& listen = runtime->config.listen;
  const std::string address = listen.to_string();
  tcp::endpoint endpoint(asio::ip::make_address(listen.host), listen.port);
  if (exclusive) ensure_address_free(endpoint, owner, address);
  for (Worker* worker : workers) {
    acceptors_.push_back(std::make_unique<Acceptor>(Acceptor{
        worker, bind_acceptor(worker->context(), endpoint, /*reuse_port=*/true, owner, address)}));
    // With port 0 the first bind picks the port; the other workers join that same port.
    endpoint = acceptors_.back()->acceptor.local_endpoint();
  }
  local_endpoint_ = endpoint;
}

void Listener::start() {
  for (auto& acceptor : acceptors_) {
    asio::co_spawn(acceptor->worker->context(), accept_loop(shared_from_this(), *acceptor),
                   log_escaped_exception("accept loop"));
  }
}

bool Listener::steer(unsigned first, unsigned count) {
  if (closed_ || acceptors_.empty() || count == 0) return false;
  // Classic BPF, run by the kernel for each new connection on the port's SO_REUSEPORT group: the
  // index of the socket to queue it on, in the order the sockets joined the group (this
  // listener's acceptors, in order). The connection's hash spreads clients over the range. One
  // program serves the whole group, whichever socket it is attached through.
  sock_filter code[] = {
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, static_cast<__u32>(SKF_AD_OFF + SKF_AD_RXHASH)},
      {BPF_ALU | BPF_MOD | BPF_K, 0, 0, count},
      {BPF_ALU | BPF_ADD | BPF_K, 0, 0, first},
      {BPF_RET | BPF_A, 0, 0, 0},
  };
  sock_fprog program{static_cast<unsigned short>(std::size(code)), code};
  const int fd = acceptors_.front()->acceptor.native_handle();
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof program) != 0) {
    spdlog::warn("listener {}: cannot steer new connections: {}", name(), std::strerror(errno));
    return false;
  }
  return true;
}

void Listener::close() {
  closed_ = true;
  for (auto& entry : acceptors_) {
    // Acceptors belong to their worker's thread.
    asio::post(entry->worker->context(), [self = shared_from_this(), &entry = *entry] {
      // Take what the kernel has queued first: those clients saw their connection accepted,
      // and closing the socket would reset them (the acceptor is non-blocking: this stops at
      // the first EAGAIN, or any error).
      const auto runtime = self->runtime();
      // At most a full backlog: clients still arriving must not hold the worker here forever.
      for (int queued = 0; queued < asio::socket_base::max_listen_connections; ++queued) {
        error_code ec;
        Socket socket(entry.worker->context());
        tcp::endpoint peer;
        entry.acceptor.accept(socket, peer, ec);
        if (ec) break;
        self->serve(std::move(socket), peer, runtime, *entry.worker);
      }
      error_code ec;
      entry.acceptor.close(ec);
    });
  }
}

Awaitable<void> Listener::accept_loop(std::shared_ptr<Listener> self, Acceptor& entry) {
  auto backoff = kFirstBackoff;
  Timer retry(entry.worker->context());
  for (;;) {
    error_code ec;
    Socket socket(entry.worker->context());
    // accept() reports the peer's address itself: no getpeername() per connection.
    tcp::endpoint peer;
    co_await entry.acceptor.async_accept(socket, peer, asio::redirect_error(use_awaitable, ec));
    if (!entry.acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
    auto runtime = self->runtime();
    if (ec) {
      runtime->metrics->count_accept_error();
      spdlog::warn("listener {}: accept failed: {} (retrying in {} ms)", self->name(), ec.message(),
                   backoff.count());
      retry.expires_after(backoff);
      co_await retry.async_wait(asio::redirect_error(use_awaitable, ec));
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    backoff = kFirstBackoff;
    self->serve(std::move(socket), peer, std::move(runtime), *entry.worker);
  }
}

void Listener::serve(Socket socket, const tcp::endpoint& peer,
                     std::shared_ptr<const runtime::ListenerRuntime> runtime, Worker& worker) {
  const ClientAddress client = client_address(peer);
  std::optional<config::Limit> refused;
  limits::AdmissionSlot slot;
  if (static_cast<unsigned long>(socket.native_handle()) >= runtime->descriptors.first_refused) {
    refused = config::Limit::descriptors;
  } else {
    const config::LimitsConfig& limits = runtime->config.limits;
    const config::AddressPrefix source =
        config::masked(client.address, limits.source_ipv4_prefix, limits.source_ipv6_prefix);
    // A balancer's connection names its client in its PROXY header: its source slot waits.
    const auto& proxy_protocol = runtime->config.proxy_protocol;
    const bool balancer =
        proxy_protocol && proxy_protocol::is_trusted(*proxy_protocol, client.address);
    auto admitted = admission_->admit(runtime->config.limits, balancer ? nullptr : &source,
                                      descriptors_, runtime->descriptors.first_refused);
    if (auto* limit = std::get_if<config::Limit>(&admitted)) {
      refused = *limit;
    } else {
      slot = std::move(std::get<limits::AdmissionSlot>(admitted));
    }
  }
  if (refused) {
    runtime->metrics->count_limit_rejection(*refused);
    // A reset, not a FIN: the client learns at once, and no TIME_WAIT is left behind here.
    error_code ec;
    socket.set_option(Socket::linger(true, 0), ec);
    socket.close(ec);
    return;
  }
  std::make_shared<Connection>(std::move(socket), client, std::move(runtime), worker,
                               std::move(slot))
      ->start();
}

}  // namespace tlsfloor::net
