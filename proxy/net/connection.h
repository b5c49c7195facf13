#pragma once
// One client connection: TLS handshake (BoringSSL driven directly on the socket), the policy
// decision in the early callback, the upstream connect, then two relays until both directions
// are done. Runs on one thread at a time: its worker's, or a handshake thread's until it is
// established and a relay worker's from then on (see hand_over()). The upstream side (connect,
// PROXY header, upstream TLS, its reads and writes) is defined in connection_upstream.cpp.
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "config/duration.h"
#include "proxy/limits/admission.h"
#include "proxy/net/executor.h"
#include "proxy/net/handshake_accounting.h"
#include "proxy/net/socket_bio.h"
#include "proxy/net/worker.h"
#include "proxy/policy/policy.h"
#include "proxy/runtime/listener_runtime.h"
#include "proxy/tls/server_context.h"

namespace tlsfloor::net {

class Connection final : public std::enable_shared_from_this<Connection>,
                         private tls::ClientHelloHandler,
                         private tls::AsyncSigner {
 public:
  using tcp = boost::asio::ip::tcp;
  using Clock = std::chrono::steady_clock;

  /// `slot` holds the connection's share of its listener's limits: the handshake part is given
  /// back when the handshake ends, the rest when the connection closes.
  Connection(Socket client, const ClientAddress& address,
             std::shared_ptr<const runtime::ListenerRuntime> runtime, Worker& worker,
             limits::AdmissionSlot slot);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  /// Starts the connection's coroutines; they keep it alive until both directions are done.
  /// They run on `worker`'s thread, or up to the relays when `worker` hands its established
  /// connections to relay workers (Worker::relay_worker()).
  void start();
  /// Closes both sides now: pending waits fail and every coroutine unwinds.
  void abort();

 private:
  // What the watchdog does when the deadline passes, by phase.
  // `moving`: on its way to a relay worker (the watchdog hands it over).
  enum class Phase { handshake, connect, moving, relay, linger, done };

  enum ssl_select_cert_result_t on_client_hello(const SSL_CLIENT_HELLO& hello) override;
  void on_client_hello_error(const char* what) noexcept override;
  std::string_view alpn_protocols() const noexcept override { return alpn_offer_; }
  // client_auth: the chain of a full handshake, verified against the route's CAs.
  enum ssl_verify_result_t on_client_certificate(std::uint8_t* alert) override;
  // client_auth, once the handshake has completed: a resumed session's certificate is checked
  // again (expiry, the CRLs in force now), and refused with its alert; a client that presented
  // none is `absent`. False when refused.
  bool settle_client_certificate();

  // The served key's signature, made by the worker's SigningPool (RSA keys): the handshake
  // waits in signature_made() while this worker relays its other connections.
  bool start_signature(std::uint16_t algorithm, const std::uint8_t* input,
                       std::size_t length) override;
  const std::vector<std::uint8_t>* finished_signature() const override;
  EVP_PKEY* private_key() const override { return served_->key.get(); }
  // A key the key server holds: its signatures and decryptions are asked of the worker's key
  // server connection (connection_keyserver.cpp), and the handshake waits as for the pool.
  bool start_decryption(const std::uint8_t* input, std::size_t length) override;
  bool ask_key_server(keyserver_protocol::Operation operation, std::uint16_t algorithm,
                      const std::uint8_t* input, std::size_t length);
  // False when the connection was aborted (the handshake timed out) first.
  Awaitable<bool> signature_made();

  static Awaitable<void> run(std::shared_ptr<Connection> self);
  static Awaitable<void> watchdog(std::shared_ptr<Connection> self);
  // On a handshake thread, once the connection is established: its sockets, timer and buffers
  // move to moving_to_, whose thread runs the relays from then on. Called by the watchdog,
  // the last of the connection's coroutines on this thread, with the last reference held here.
  static void hand_over(std::shared_ptr<Connection> self);
  // The idle phase, the watchdog and the two relays, on the connection's (new) worker.
  static void start_relays(std::shared_ptr<Connection> self);
  static Awaitable<void> relay_up(std::shared_ptr<Connection> self);
  static Awaitable<void> relay_down(std::shared_ptr<Connection> self);

  // On a PROXY protocol listener, before TLS: reads a trusted balancer's header (the client's
  // address replaces the balancer's), or makes sure an untrusted client sends none. False (the
  // connection is to be closed, counted) when the header is wrong, missing or late.
  Awaitable<bool> read_proxy_header();
  Awaitable<bool> handshake();
  Awaitable<bool> connect_upstream();
  // upstream.tls: tlsfloor's own handshake with the upstream, counted by outcome. False when
  // it failed (the reason is counted and logged).
  Awaitable<bool> upstream_handshake();
  // The PROXY protocol header for the upstream (upstream.proxy_protocol), written before any
  // client byte. False when it cannot be written.
  Awaitable<bool> send_proxy_header();
  Awaitable<bool> client_to_upstream();
  Awaitable<bool> upstream_to_client();
  // The upstream side of the relays, over TCP or (upstream.tls) TLS. Plain functions where
  // they can be (see wait_client()): the plain path costs one branch and no extra frame.
  Awaitable<std::size_t> write_upstream(const std::uint8_t* data, std::size_t size,
                                        boost::system::error_code& ec);
  Awaitable<std::size_t> write_upstream_tls(const std::uint8_t* data, std::size_t size,
                                            boost::system::error_code& ec);
  // Reads what is there without waiting: would_block when nothing is, eof after the
  // upstream's clean end (a FIN; with TLS, close_notify).
  std::size_t read_upstream(std::uint8_t* data, std::size_t size, boost::system::error_code& ec);
  // The client said close_notify: the upstream gets its end (close_notify with TLS, and FIN).
  Awaitable<void> end_upstream_send();
  // Nothing left to decrypt from the upstream without reading its socket again (always true
  // over TCP).
  bool upstream_input_drained() const {
    return !upstream_tls_ || nothing_to_read(upstream_tls_->ssl.get(), upstream_tls_->transport);
  }
  Awaitable<void> send_close_notify();
  // Reads the request head (16 KiB at most) and writes `response`, over the client's TLS.
  Awaitable<void> answer_http(std::string response);
  // on_reject http: the configured refusal.
  Awaitable<void> answer_http_refusal();
  bool refuses_with_http() const;
  // The client negotiated no ALPN, or HTTP/1: it can read an HTTP/1.1 answer of tlsfloor's.
  bool speaks_http1() const;
  // The ALPN protocol the client's handshake selected; empty when none was (or before).
  std::string_view negotiated_alpn() const;
  Awaitable<void> linger_and_close();

  // The SSL_* calls a connection makes, and the one place their results are read. Each is made
  // on one side's SSL: the client's (tlsfloor is the server) or, with upstream.tls, the
  // upstream's (tlsfloor is the client).
  enum class Side { client, upstream };
  enum class SslOp { handshake, read, write, shutdown };
  struct SslOutcome {
    int value = 0;               // what the call returned
    int error = SSL_ERROR_NONE;  // SSL_get_error() when it did not succeed
    bool done() const { return error == SSL_ERROR_NONE; }
    bool wants_io() const { return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE; }
  };
  // One call, with this thread's error queue (shared by all its connections) cleared first so
  // SSL_get_error() reads this call's result and nothing left behind by another connection.
  SslOutcome call_ssl(Side side, SslOp op, void* data = nullptr, int size = 0);
  // Repeats a call until it succeeds or fails, waiting for the socket as BoringSSL asks; an
  // abort or timeout ends it with error SSL_ERROR_SYSCALL. A coroutine of its own (one more
  // frame), so only for once-per-connection calls; the relays call call_ssl() and
  // wait_as_ssl_asks() inline.
  Awaitable<SslOutcome> complete_ssl(Side side, SslOp op, void* data = nullptr, int size = 0);
  // Waits for the client socket. Plain functions returning Asio's awaitable, not coroutines:
  // Asio recycles one coroutine frame per thread, so a helper coroutine awaiting an operation
  // (two frames at once) would cost a malloc per wait.
  Awaitable<void> wait_client(Socket::wait_type what, boost::system::error_code& ec);
  // As BoringSSL asks after a call on `side` that wants_io().
  Awaitable<void> wait_as_ssl_asks(Side side, const SslOutcome& outcome,
                                   boost::system::error_code& ec);
  // A wait ended with the socket ready, not with an error or an abort.
  bool waited(const boost::system::error_code& ec) const { return !ec && !aborted_; }

  void enter_phase(Phase phase, std::chrono::milliseconds timeout);
  void touch() {
    deadline_ = config::saturating_add(Clock::now(), route_->settings->timeouts.idle);
  }
  void record_handshake(bool completed);
  // The handshake's row in the per-client table and its log line; with upstream.tls, held back
  // (pending_end_) until the upstream's own handshake has ended, so the line can say what the
  // upstream negotiated.
  void account_observed(const HandshakeEnd& end);
  // Logs why BoringSSL failed (at debug level only) and clears its error queue.
  void log_tls_failure(const char* what) const;
  void relay_finished(bool clean);
  void shutdown_client_send();
  // Closes the upstream with a reset: the client's data ended without close_notify.
  void reset_upstream();
  // Closes the upstream socket; its SSL, if any, can no longer reach the descriptor number.
  void close_upstream();
  // Nothing left to decrypt without reading the socket again.
  bool client_input_drained() const { return nothing_to_read(ssl_.get(), transport_); }
  // No decrypted bytes waiting in `ssl` and none read ahead by `transport`: the next bytes must
  // come from the socket, so wait for it. Not SSL_has_pending(): that is also true while
  // BoringSSL holds the first piece of a record, and waiting is then the only way forward
  // (taking it as data to read made a record arriving in pieces spin the worker).
  static bool nothing_to_read(const SSL* ssl, const SocketBio& transport) {
    return SSL_pending(ssl) == 0 && transport.buffered() == 0;
  }

  Socket client_;
  ClientAddress address_;  // the balancer's, until its PROXY header names the client
  Socket upstream_;
  // With upstream.tls, once the upstream's TCP connection is up (a pointer: plain upstreams,
  // the common case, pay 8 bytes per connection for it).
  struct UpstreamTlsSide {
    UpstreamTlsSide(int fd, BufferPool& pool) : transport(fd, pool) {}
    SocketBio transport;  // before ssl: the SSL's BIO refers to it
    bssl::UniquePtr<SSL> ssl;
  };
  std::unique_ptr<UpstreamTlsSide> upstream_tls_;
  bool upstream_read_wants_write_ = false;  // its last SSL_read wants the socket writable
  bool upstream_timed_out_ = false;         // the connect phase's deadline passed
  std::shared_ptr<const runtime::ListenerRuntime> runtime_;
  Worker* worker_;  // the thread the connection runs on; changes once, at a hand-over
  // While a handshake thread hands the established connection over: the relay worker it goes to.
  Worker* moving_to_ = nullptr;
  limits::AdmissionSlot slot_;
  // The listener's default route until the ClientHello names another; in runtime_.
  const runtime::RouteRuntime* route_;
  // Which of route_'s upstreams this connection goes to, by the ALPN its handshake negotiated
  // (upstream_by_alpn); set when the handshake has completed.
  const runtime::UpstreamRuntime* upstream_target_ = nullptr;
  SocketBio transport_;  // declared before ssl_: the SSL's BIO refers to it
  bssl::UniquePtr<SSL> ssl_;
  Timer timer_;
  std::optional<Resolver> resolver_;
  Clock::time_point accepted_at_;
  Clock::time_point deadline_;
  Phase phase_ = Phase::handshake;

  // Learned in the early callback.
  bool hello_seen_ = false;
  std::uint16_t highest_offered_ = 0;
  bool pq_offered_ = false;  // the hello offers a post-quantum group (for the key-exchange metric)
  policy::Decision decision_;
  // A refused client whose handshake completes for an HTTP answer (on_reject: http).
  bool answers_refusal_ = false;
  // The ALPN protocols this connection selects from (wire format): its route's, http/1.1 only
  // for a refusal answered over HTTP, none before the hello.
  std::string_view alpn_offer_;
  // Why the handshake did not complete (tls/handshake_failure.h); empty while it has not failed.
  std::string failure_;
  // Kept only when the per-client table or the handshake log will record this handshake.
  std::unique_ptr<ObservedHandshake> observed_;
  std::unique_ptr<HandshakeEnd> pending_end_;
  // The certificate installed in the early callback (for the upstream's PROXY v2 SSL TLVs).
  const tls::CertifiedKey* served_ = nullptr;
  // With client_auth (asked for in the early callback): what the client's certificate came to.
  std::unique_ptr<ClientCertificateOutcome> client_certificate_;
  // While the pool or the key server makes the handshake's signature (only then: 8 bytes
  // otherwise).
  struct PendingSignature {
    explicit PendingSignature(const Socket::executor_type& executor)
        : posted(executor, Clock::time_point::max()) {}
    Timer posted;  // cancelled when the signature is posted back
    std::optional<std::vector<std::uint8_t>> signature;
  };
  std::unique_ptr<PendingSignature> signing_;
  // What the upstream's PROXY v2 header says of tlsfloor's judgement ("ja4=...;decision=...").
  std::string upstream_facts_;
  // The address the client connected to, when a balancer's PROXY header said it.
  std::optional<std::pair<config::AddressPrefix, std::uint16_t>> conveyed_destination_;

  int relays_running_ = 0;
  bool aborted_ = false;
  bool timed_out_ = false;  // the handshake phase's deadline passed (the watchdog aborted)
};

}  // namespace tlsfloor::net
