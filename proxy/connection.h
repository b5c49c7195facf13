#pragma once
// One client connection: TLS handshake (BoringSSL driven directly on the socket), the policy
// decision in the early callback, the upstream connect, then two relays until both directions
// are done. Runs entirely on its worker's thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "proxy/handshake_record.h"
#include "proxy/listener_runtime.h"
#include "proxy/policy.h"
#include "proxy/socket_bio.h"
#include "proxy/tls_context.h"
#include "proxy/worker.h"

namespace tlsfloor::proxy {

class Connection final : public std::enable_shared_from_this<Connection>,
                         private ClientHelloHandler {
 public:
  using tcp = boost::asio::ip::tcp;
  using Clock = std::chrono::steady_clock;

  Connection(tcp::socket client, std::shared_ptr<const ListenerRuntime> runtime, Worker& worker);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  /// Starts the connection's coroutines; they keep it alive until both directions are done.
  void start();
  /// Closes both sides now: pending waits fail and every coroutine unwinds.
  void abort();

 private:
  // What the watchdog does when the deadline passes, by phase.
  enum class Phase { handshake, connect, relay, linger, done };

  enum ssl_select_cert_result_t on_client_hello(const SSL_CLIENT_HELLO& hello) override;

  static boost::asio::awaitable<void> run(std::shared_ptr<Connection> self);
  static boost::asio::awaitable<void> watchdog(std::shared_ptr<Connection> self);
  static boost::asio::awaitable<void> relay_up(std::shared_ptr<Connection> self);
  static boost::asio::awaitable<void> relay_down(std::shared_ptr<Connection> self);

  boost::asio::awaitable<bool> handshake();
  boost::asio::awaitable<bool> connect_upstream();
  boost::asio::awaitable<bool> client_to_upstream();
  boost::asio::awaitable<bool> upstream_to_client();
  boost::asio::awaitable<void> send_close_notify();
  // on_reject http: reads the request head and answers with the configured refusal.
  boost::asio::awaitable<void> answer_http_refusal();
  bool refuses_with_http() const;
  boost::asio::awaitable<void> linger_and_close();
  // Waits for the client socket. Plain functions returning Asio's awaitable, not coroutines:
  // Asio recycles one coroutine frame per thread, so a helper coroutine awaiting an operation
  // (two frames at once) would cost a malloc per wait.
  boost::asio::awaitable<void> wait_client(tcp::socket::wait_type what,
                                           boost::system::error_code& ec);
  // As BoringSSL asks after an SSL_* call returned `ssl_error` (wants_io() must be true).
  boost::asio::awaitable<void> wait_as_ssl_asks(int ssl_error, boost::system::error_code& ec);
  static bool wants_io(int ssl_error) {
    return ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE;
  }
  // A wait ended with the socket ready, not with an error or an abort.
  bool waited(const boost::system::error_code& ec) const { return !ec && !aborted_; }

  void enter_phase(Phase phase, std::chrono::milliseconds timeout);
  void touch() { deadline_ = Clock::now() + runtime_->config.timeouts.idle; }
  void record_handshake(bool completed);
  // Logs why BoringSSL failed (at debug level only) and clears its error queue.
  void log_tls_failure(const char* what) const;
  void relay_finished(bool clean);
  void shutdown_client_send();
  // Nothing left to decrypt without reading the socket again.
  bool client_input_drained() const {
    return SSL_has_pending(ssl_.get()) == 0 && transport_.buffered() == 0;
  }

  tcp::socket client_;
  tcp::socket upstream_;
  std::shared_ptr<const ListenerRuntime> runtime_;
  Worker& worker_;
  SocketBio transport_;  // declared before ssl_: the SSL's BIO refers to it
  bssl::UniquePtr<SSL> ssl_;
  boost::asio::steady_timer timer_;
  std::optional<tcp::resolver> resolver_;
  Clock::time_point accepted_at_;
  Clock::time_point deadline_;
  Phase phase_ = Phase::handshake;

  // Learned in the early callback.
  bool hello_seen_ = false;
  std::uint16_t highest_offered_ = 0;
  Decision decision_;
  // Kept only when the per-client table or the handshake log will record this handshake.
  std::unique_ptr<HelloFacts> hello_facts_;

  int relays_running_ = 0;
  bool aborted_ = false;
};

}  // namespace tlsfloor::proxy
