#pragma once
// A listener's sockets: one acceptor per worker bound to the same address with SO_REUSEPORT,
// so the kernel spreads new connections across workers without a shared accept lock.
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <memory>
#include <vector>

#include "proxy/limits/admission.h"
#include "proxy/net/executor.h"
#include "proxy/net/worker.h"
#include "proxy/runtime/listener_runtime.h"

namespace tlsfloor::net {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  using tcp = boost::asio::ip::tcp;

  /// Opens and binds one acceptor per worker. Throws std::system_error naming the listener
  /// and address when it cannot (address in use, permission denied, ...). `exclusive` first
  /// checks that no other process holds the address (see ensure_address_free()). Admitted
  /// clients count against `descriptors`, the process's descriptor budget.
  Listener(std::shared_ptr<const runtime::ListenerRuntime> runtime,
           const std::vector<Worker*>& workers, bool exclusive,
           std::shared_ptr<limits::DescriptorBudget> descriptors);

  /// Starts accepting on every worker.
  void start();
  /// Stops accepting; open connections are not touched. Connections the kernel has already
  /// queued on the sockets are accepted first and served (closing a listening socket resets
  /// them). Safe from any thread.
  void close();
  /// New connections go to the acceptors [first, first + count) only (in the order of the
  /// workers given to the constructor); connections already queued on the others are still
  /// accepted there. False when the listener is closed, or (logged) when the kernel refuses.
  /// The thread that calls close().
  bool steer(unsigned first, unsigned count);

  /// The bound address (the real port when the config asked for port 0).
  tcp::endpoint local_endpoint() const { return local_endpoint_; }
  /// The listener's name in the configuration in force (a reload may rename it).
  std::string name() const { return runtime()->config.name; }

  /// The snapshot new connections start with.
  std::shared_ptr<const runtime::ListenerRuntime> runtime() const { return runtime_.load(); }
  /// Replaces it (a reload): connections accepted from now on use `runtime`; open ones keep
  /// theirs. Safe from any thread.
  void set_runtime(std::shared_ptr<const runtime::ListenerRuntime> runtime) {
    runtime_.store(std::move(runtime));
  }

 private:
  struct Acceptor {
    Worker* worker;
    tcp::acceptor acceptor;
  };
  static Awaitable<void> accept_loop(std::shared_ptr<Listener> self, Acceptor& acceptor);
  // Starts a connection for an accepted client, or closes it at once (with a reset, counted)
  // when the descriptor reserve or one of the listener's limits refuses it.
  void serve(Socket socket, const tcp::endpoint& peer,
             std::shared_ptr<const runtime::ListenerRuntime> runtime, Worker& worker);

  std::atomic<std::shared_ptr<const runtime::ListenerRuntime>> runtime_;
  // The limits' counts: kept across reloads, shared with the connections holding slots.
  const std::shared_ptr<limits::Admission> admission_ = std::make_shared<limits::Admission>();
  // The process's: every listener's clients count against one descriptor limit.
  const std::shared_ptr<limits::DescriptorBudget> descriptors_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  tcp::endpoint local_endpoint_;
  // Set by close(), before the worker threads close the sockets: steer() leaves them alone.
  bool closed_ = false;
};

}  // namespace tlsfloor::net
