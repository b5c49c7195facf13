#include "proxy/net/connection.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>

#include <array>
#include <cerrno>

#include "proxy/hello/client_hello.h"
#include "proxy/net/spawn.h"
#include "proxy/policy/http_refusal.h"
#include "proxy/proxy_protocol/proxy_header.h"
#include "proxy/tls/handshake_failure.h"
#include "proxy/tls/key_exchange_groups.h"
#include "proxy/tls/session_binding.h"
#include "proxy/tls/ssl_error.h"

namespace tlsfloor::net {
namespace asio = boost::asio;
using asio::redirect_error;
using boost::system::error_code;

namespace {

// After a refused or failed handshake the client may still be sending. Closing a socket with
// unread data makes the kernel send a reset, which can destroy the alert we just sent before
// the client reads it; so read and drop for a short while first (a "lingering close").
constexpr auto kLingerTimeout = std::chrono::seconds(2);

// The ALPN offer of a refusal answered over HTTP, in wire format: the answer is HTTP/1.1.
constexpr std::string_view kHttp1Alpn{"\x08http/1.1", 9};

// Arguments are evaluated even when a level is off: check first, so refused clients and
// scanners cost no getpeername() and no string building in production.
bool debug_enabled() { return spdlog::should_log(spdlog::level::debug); }

// Re-registers an open socket's descriptor with `to`'s reactor. Nothing may be pending on it.
// False when that fails: the descriptor is then closed (and must be forgotten by its SSL).
bool move_socket(Socket& socket, Worker& to) {
  if (!socket.is_open()) return true;
  error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  // Asio keeps this in its own state, not only on the descriptor: without it, a read that
  // would block polls until data comes, stalling the whole worker.
  const bool non_blocking = socket.non_blocking();
  const Socket::native_handle_type fd = socket.release(ec);
  if (!ec) {
    Socket moved(to.context());
    moved.assign(protocol, fd, ec);
    if (!ec) moved.non_blocking(non_blocking, ec);
    if (!ec) {
      socket = std::move(moved);
      return true;
    }
    ::close(fd);
  }
  spdlog::error("cannot hand a connection over to a relay worker: {}", ec.message());
  socket.close(ec);
  return false;
}

std::string peer_of(const ClientAddress& client) {
  const std::string address = config::to_string(client.address);
  const std::string port = std::to_string(client.peer.port());
  return client.address.is_ipv6() ? "[" + address + "]:" + port : address + ":" + port;
}

}  // namespace

Connection::Connection(Socket client, const ClientAddress& address,
                       std::shared_ptr<const runtime::ListenerRuntime> runtime, Worker& worker,
                       limits::AdmissionSlot slot)
    : client_(std::move(client)),
      address_(address),
      upstream_(client_.get_executor()),
      runtime_(std::move(runtime)),
      worker_(&worker),
      slot_(std::move(slot)),
      route_(&runtime_->default_route()),
      transport_(client_.native_handle(), worker.buffers()),
      timer_(client_.get_executor()),
      accepted_at_(Clock::now()) {
  worker_->track(*this);
  runtime_->metrics->connection_opened();
}

Connection::~Connection() {
  runtime_->metrics->connection_closed();
  worker_->untrack(*this);
}

void Connection::start() {
  error_code ec;
  // BoringSSL reads and writes the descriptor itself; both Asio's view and the descriptor are
  // non-blocking so neither ever parks the worker thread.
  client_.non_blocking(true, ec);
  client_.set_option(tcp::no_delay(true), ec);
  ssl_.reset(SSL_new(runtime_->ssl_ctx.get()));
  bssl::UniquePtr<BIO> bio = transport_.make_bio();
  if (!ssl_ || !bio) {
    spdlog::error("listener {}: cannot set up TLS for a connection: {}", runtime_->config.name,
                  tls::take_ssl_error());
    return;  // the socket closes with the last reference
  }
  SSL_set_bio(ssl_.get(), bio.get(), bio.get());  // one reference, for both directions
  bio.release();
  SSL_set_app_data(ssl_.get(), static_cast<tls::ClientHelloHandler*>(this));
  SSL_set_accept_state(ssl_.get());
  // Free the handshake-only configuration (certificates, cipher preferences) once the
  // handshake is done: a long-lived connection should not keep it.
  SSL_set_shed_handshake_config(ssl_.get(), 1);

  // The listener's handshake timeout until the client names its route.
  enter_phase(Phase::handshake, route_->settings->timeouts.handshake);
  auto self = shared_from_this();
  asio::co_spawn(client_.get_executor(), watchdog(self), log_escaped_exception("watchdog"));
  asio::co_spawn(client_.get_executor(), run(std::move(self)), log_escaped_exception("connection"));
}

void Connection::abort() {
  if (aborted_) return;
  aborted_ = true;
  error_code ec;
  // Shut down rather than close: the descriptor number stays ours until the destructor, so
  // BoringSSL (which holds the raw fd) can never touch a descriptor reused by someone else.
  client_.cancel(ec);
  client_.shutdown(Socket::shutdown_both, ec);
  // The upstream gets a reset, not a FIN: a connection cut short must not look complete.
  reset_upstream();
  if (resolver_) resolver_->cancel();
  if (signing_) signing_->posted.cancel();
}

enum ssl_select_cert_result_t Connection::on_client_hello(const SSL_CLIENT_HELLO& hello) {
  hello_seen_ = true;
  const auto parsed = hello::parse_client_hello({hello.client_hello, hello.client_hello_len});
  if (!parsed) {
    // BoringSSL accepted the framing but the contents are malformed: refuse, count as failed.
    if (debug_enabled()) {
      spdlog::debug("listener {}: malformed ClientHello from {}", runtime_->config.name,
                    peer_of(address_));
    }
    failure_ = "malformed_hello";
    return ssl_select_cert_error;
  }
  highest_offered_ = hello::highest_offered_version(*parsed);
  pq_offered_ = hello::offers_post_quantum(*parsed);
  route_ = &runtime_->route_for(parsed->server_name);
  if (route_ != &runtime_->default_route()) {
    // The route's own handshake timeout, from accept; its own ceiling.
    deadline_ = config::saturating_add(accepted_at_, route_->settings->timeouts.handshake);
    timer_.cancel();
  }
  if (SSL_set_max_proto_version(hello.ssl,
                                static_cast<uint16_t>(route_->settings->tls.max_version)) != 1) {
    return ssl_select_cert_error;
  }
  decision_ = judge_hello(*runtime_, *route_, *parsed, address_, observed_);
  // An `http` refusal completes the handshake so that the client can read why it is refused,
  // but only through the route's own floor suites, and only for a client that can read an
  // HTTP/1.1 answer: a readable refusal is never a weak handshake. Everyone else refused gets
  // an alert. BoringSSL cannot speak SSL 3.0, so such a client gets the alert too.
  answers_refusal_ = decision_.reject && refuses_with_http() && !decision_.below_ciphers &&
                     !decision_.below_groups && highest_offered_ >= TLS1_VERSION &&
                     policy::reads_http1(parsed->alpn, parsed->alpn_offered);
  // BoringSSL freezes the version range after this callback returns, so this floor applies to
  // this connection's negotiation; for a client refused by the version floor it is above
  // everything the client offers, and BoringSSL answers with a protocol_version alert.
  if (SSL_set_min_proto_version(hello.ssl,
                                answers_refusal_ ? TLS1_VERSION : decision_.min_version) != 1) {
    return ssl_select_cert_error;
  }
  // Only a legacy client let in, or a route whose floor differs from its listener's, gets a
  // list of its own (parsed here: rare, and a few microseconds against the handshake's cost).
  // Refused clients get the floor's: one refused by the cipher floor fails on it
  // (handshake_failure, no certificate sent).
  if (const char* ciphers = route_->ciphers_for(decision_);
      ciphers != nullptr && SSL_set_strict_cipher_list(hello.ssl, ciphers) != 1) {
    return ssl_select_cert_error;
  }
  // The groups are chosen as the suites are; a client the key-exchange floor refuses is ended
  // here with handshake_failure (no certificate sent): given only the floor's groups it could
  // still agree on a static-RSA suite of the floor.
  if (decision_.reject && !answers_refusal_ && decision_.refused_by == policy::Floor::groups) {
    failure_ = "no_shared_group";
    return ssl_select_cert_error;
  }
  if (const char* groups = route_->groups_for(decision_);
      groups != nullptr && SSL_set1_curves_list(hello.ssl, groups) != 1) {
    return ssl_select_cert_error;
  }
  if (decision_.reject && !answers_refusal_) return ssl_select_cert_success;
  // The protocols offered: the route's, or for a refusal answered over HTTP only http/1.1.
  alpn_offer_ = answers_refusal_ ? std::string_view(kHttp1Alpn) : route_->alpn_protocols;
  if (answers_refusal_) SSL_set_options(hello.ssl, SSL_OP_NO_TICKET);  // nothing to come back to
  // RSA or ECDSA: the cheap ECDSA signature for clients that can verify it.
  const bool tls13 = highest_offered_ >= TLS1_3_VERSION &&
                     route_->settings->tls.max_version >= config::TlsVersion::tls1_3;
  served_ =
      &runtime_->certificate_for(*route_, parsed->server_name, [&](const tls::CertifiedKey& key) {
        return hello::can_verify_ecdsa(*parsed, tls13, key.ecdsa_group, key.ecdsa_scheme);
      });
  // Sessions resume only where they were issued: this listener and route, this policy and the
  // way it admitted the client, its client_auth, this certificate (see tls/session_binding.h).
  if (!tls::bind_session(hello.ssl, tls::session_context(route_->session_scope_for(decision_),
                                                         served_->fingerprint))) {
    return ssl_select_cert_error;
  }
  // After the floors have decided: a refused client is never asked for its certificate, nor is
  // one refused with an HTTP answer.
  if (route_->client_auth && !answers_refusal_) {
    client_certificate_ = std::make_unique<ClientCertificateOutcome>();
    if (!tls::request_client_certificate(hello.ssl, *route_->client_auth)) {
      return ssl_select_cert_error;
    }
  }
  // An RSA signature (about 0.8 ms) goes to the signing pool; ECDSA's (about 0.09 ms) costs
  // less than the hop to another thread and back.
  // A key the key server holds signs there, whatever its type.
  const bool sign_elsewhere = served_->held_by_keyserver() || (worker_->signing_pool() != nullptr &&
                                                               served_->key_type == EVP_PKEY_RSA);
  if (sign_elsewhere &&
      SSL_set_ex_data(hello.ssl, tls::signer_index(), static_cast<tls::AsyncSigner*>(this)) != 1) {
    return ssl_select_cert_error;
  }
  if (!tls::CertificateSet::install(hello.ssl, *served_,
                                    sign_elsewhere ? tls::async_key_method() : nullptr)) {
    spdlog::error("listener {}: cannot install the certificate: {}", runtime_->config.name,
                  tls::take_ssl_error());
    return ssl_select_cert_error;
  }
  return ssl_select_cert_success;
}

enum ssl_verify_result_t Connection::on_client_certificate(std::uint8_t* alert) {
  ClientCertificateOutcome& outcome = *client_certificate_;
  tls::ClientVerification verification =
      route_->client_auth->verify(SSL_get0_peer_certificates(ssl_.get()),
                                  std::chrono::system_clock::to_time_t(runtime_->clock()));
  outcome.decided = true;
  outcome.presented_here = true;
  outcome.result = verification.result;
  outcome.facts = std::move(verification.facts);
  if (verification.verified()) return ssl_verify_ok;
  outcome.refused = true;
  failure_ = tls::kClientCertificateFailure;
  *alert = verification.alert;
  if (debug_enabled()) {
    spdlog::debug("listener {}: client certificate of {} refused ({}, {}): {}",
                  runtime_->config.name, peer_of(address_), to_string(verification.result),
                  tls::alert_name(verification.alert), verification.detail);
  }
  return ssl_verify_invalid;
}

bool Connection::settle_client_certificate() {
  ClientCertificateOutcome& outcome = *client_certificate_;
  if (outcome.decided) return !outcome.refused;  // a full handshake: its callback decided
  const STACK_OF(CRYPTO_BUFFER)* chain = SSL_get0_peer_certificates(ssl_.get());
  const bool presented = chain != nullptr && sk_CRYPTO_BUFFER_num(chain) > 0;
  outcome.decided = true;
  if (!presented) {
    // No certificate in this connection or its session: let in under optional only (under
    // require the library refuses such a handshake; a session without one cannot resume under
    // require, its scope names the mode).
    outcome.result = config::ClientCertificateResult::absent;
    outcome.refused = route_->client_auth->config().mode == config::ClientAuthMode::require;
  } else {
    tls::ClientVerification verification = route_->client_auth->recheck(
        chain, std::chrono::system_clock::to_time_t(runtime_->clock()));
    outcome.result = verification.result;
    outcome.facts = std::move(verification.facts);
    if (!verification.verified()) {
      outcome.refused = true;
      // The library completed the resumption; the client learns why it is refused all the same.
      SSL_send_fatal_alert(ssl_.get(), verification.alert);
      if (debug_enabled()) {
        spdlog::debug("listener {}: resumed session of {} refused ({}): {}", runtime_->config.name,
                      peer_of(address_), to_string(verification.result), verification.detail);
      }
    }
  }
  if (outcome.refused) {
    failure_ = tls::kClientCertificateFailure;
    ERR_clear_error();
  }
  return !outcome.refused;
}

void Connection::on_client_hello_error(const char* what) noexcept {
  // The handshake fails (BoringSSL sends an internal_error alert) and is counted as failed;
  // this counter says why. Logging may throw too (allocation): swallow that, not the process.
  runtime_->metrics->count_client_hello_error();
  observed_.reset();
  try {
    failure_ = "internal_error";
    spdlog::error("listener {}: handling a ClientHello failed: {}", runtime_->config.name, what);
  } catch (...) {
  }
}

Awaitable<void> Connection::run(std::shared_ptr<Connection> self) {
  Connection& c = *self;
  if (c.runtime_->config.proxy_protocol && !co_await c.read_proxy_header()) {
    c.abort();  // a reset: nothing of this connection reaches the TLS stack or the upstream
    c.enter_phase(Phase::done, {});
    co_return;
  }
  bool completed = co_await c.handshake();
  if (completed && c.client_certificate_) completed = c.settle_client_certificate();
  c.record_handshake(completed);
  if (!completed) {
    co_await c.linger_and_close();
    co_return;
  }
  if (c.decision_.reject) {
    // Completed although refused: on_reject http. The upstream is never contacted.
    co_await c.answer_http_refusal();
    co_await c.send_close_notify();
    co_await c.linger_and_close();
    co_return;
  }
  const bool connected = co_await c.connect_upstream();
  if (c.pending_end_) c.account_observed(*c.pending_end_);
  if (!connected) {
    c.route_->metrics->count_upstream_connect_failure();
    // A listener that speaks HTTP to the clients it refuses tells an HTTP/1 client this too.
    if (c.refuses_with_http() && c.speaks_http1() && !c.aborted_) {
      c.enter_phase(Phase::linger,
                    std::chrono::duration_cast<std::chrono::milliseconds>(kLingerTimeout));
      co_await c.answer_http(policy::http_bad_gateway_response());
    }
    // Tell the client we are done (close_notify, then FIN) rather than just vanishing.
    co_await c.send_close_notify();
    co_await c.linger_and_close();
    co_return;
  }
  if (Worker* relays = c.worker_->relay_worker(); relays != nullptr && !c.aborted_) {
    // A handshake thread: the watchdog, the only other coroutine of this connection, wakes
    // now and hands it over once this one has ended.
    c.moving_to_ = relays;
    c.enter_phase(Phase::moving, {});
    co_return;
  }
  start_relays(std::move(self));
}

void Connection::start_relays(std::shared_ptr<Connection> self) {
  Connection& c = *self;
  c.enter_phase(Phase::relay, c.route_->settings->timeouts.idle);
  c.relays_running_ = 2;
  const auto executor = c.client_.get_executor();
  if (c.moving_to_ != nullptr) {
    c.moving_to_ = nullptr;
    asio::co_spawn(executor, watchdog(self), log_escaped_exception("watchdog"));
  }
  asio::co_spawn(executor, relay_up(self), log_escaped_exception("relay"));
  asio::co_spawn(executor, relay_down(std::move(self)), log_escaped_exception("relay"));
}

void Connection::hand_over(std::shared_ptr<Connection> self) {
  Connection& c = *self;
  Worker& to = *c.moving_to_;
  // Counted by the relay worker before this one lets go: a drain always sees it somewhere.
  to.expect_arrival();
  c.worker_->untrack(c);
  // The same descriptors, now waited on by the relay worker's reactor. Nothing is pending on
  // them (the handshake and the connect are over), and the timer's wait has just ended.
  const bool moved = move_socket(c.client_, to) && move_socket(c.upstream_, to);
  if (!moved) {
    // A descriptor was closed: no SSL may reach its number again.
    c.transport_.detach();
    if (c.upstream_tls_) c.upstream_tls_->transport.detach();
  }
  c.timer_ = Timer(to.context());
  c.resolver_.reset();  // its work is done, and it belongs to this thread's context
  // Bytes read ahead (a request that came with the client's Finished) stay with the
  // connection; the buffers holding them go back to the relay worker's pool.
  c.transport_.use_pool(to.buffers());
  if (c.upstream_tls_) c.upstream_tls_->transport.use_pool(to.buffers());
  c.worker_ = &to;
  c.runtime_->metrics->count_hand_over();
  asio::post(to.context(), [self = std::move(self), moved]() mutable {
    // Aborted when a socket could not move (its relay fails at once and the connection
    // closes), or when the drain timeout passed meanwhile.
    if (!self->worker_->arrived(*self) || !moved) self->abort();
    start_relays(std::move(self));
  });
}

Awaitable<void> Connection::watchdog(std::shared_ptr<Connection> self) {
  Connection& c = *self;
  while (c.phase_ != Phase::done) {
    c.timer_.expires_at(c.deadline_);
    error_code ec;
    co_await c.timer_.async_wait(redirect_error(use_awaitable, ec));
    if (c.phase_ == Phase::done) break;
    if (c.phase_ == Phase::moving) {
      // run() has ended: nothing else of this connection is left on this thread.
      hand_over(std::move(self));
      co_return;
    }
    // Woken early: a new phase, or activity moved the deadline. Re-arm.
    if (Clock::now() < c.deadline_) continue;
    switch (c.phase_) {
      case Phase::handshake:
        c.timed_out_ = true;
        if (debug_enabled()) {
          spdlog::debug("listener {}: handshake timeout for {}", c.runtime_->config.name,
                        peer_of(c.address_));
        }
        c.abort();
        break;
      case Phase::connect:
        c.upstream_timed_out_ = true;
        c.close_upstream();
        if (c.resolver_) c.resolver_->cancel();
        break;
      case Phase::relay:
        if (debug_enabled()) {
          spdlog::debug("listener {}: idle timeout for {}", c.runtime_->config.name,
                        peer_of(c.address_));
        }
        c.abort();
        break;
      case Phase::moving:  // handed over before any deadline (enter_phase() sets none)
      case Phase::linger:
      case Phase::done:
        c.abort();
        break;
    }
    // Fired once for this phase; the next phase sets a new deadline.
    c.deadline_ = Clock::time_point::max();
  }
}

void Connection::enter_phase(Phase phase, std::chrono::milliseconds timeout) {
  phase_ = phase;
  deadline_ = phase == Phase::done || phase == Phase::moving
                  ? Clock::time_point::max()
                  : config::saturating_add(Clock::now(), timeout);
  timer_.cancel();  // the watchdog wakes, re-arms for the new deadline or exits when done
}

Awaitable<void> Connection::wait_client(Socket::wait_type what, error_code& ec) {
  return client_.async_wait(what, redirect_error(use_awaitable, ec));
}

Awaitable<void> Connection::wait_as_ssl_asks(Side side, const SslOutcome& outcome, error_code& ec) {
  const auto what = outcome.error == SSL_ERROR_WANT_WRITE ? Socket::wait_write : Socket::wait_read;
  if (side == Side::client) return wait_client(what, ec);
  return upstream_.async_wait(what, redirect_error(use_awaitable, ec));
}

Connection::SslOutcome Connection::call_ssl(Side side, SslOp op, void* data, int size) {
  SSL* ssl = side == Side::client ? ssl_.get() : upstream_tls_->ssl.get();
  ERR_clear_error();
  SslOutcome outcome;
  // SSL_shutdown succeeds at 0 (close_notify sent, the peer's not yet read); the rest above 0.
  int succeeds_from = 1;
  switch (op) {
    case SslOp::handshake:
      outcome.value = SSL_do_handshake(ssl);
      break;
    case SslOp::read:
      outcome.value = SSL_read(ssl, data, size);
      break;
    case SslOp::write:
      outcome.value = SSL_write(ssl, data, size);
      break;
    case SslOp::shutdown:
      outcome.value = SSL_shutdown(ssl);
      succeeds_from = 0;
      break;
  }
  if (outcome.value < succeeds_from) outcome.error = SSL_get_error(ssl, outcome.value);
  return outcome;
}

Awaitable<Connection::SslOutcome> Connection::complete_ssl(Side side, SslOp op, void* data,
                                                           int size) {
  for (;;) {
    const SslOutcome outcome = call_ssl(side, op, data, size);
    if (outcome.error == SSL_ERROR_WANT_PRIVATE_KEY_OPERATION) {  // the signing pool's turn
      if (!co_await signature_made()) co_return SslOutcome{-1, SSL_ERROR_SYSCALL};
      continue;
    }
    // After close_notify is out, a shutdown that wants to read would be reading (and dropping)
    // the client's data while waiting for its close_notify: stop there instead.
    const bool waits =
        op == SslOp::shutdown ? outcome.error == SSL_ERROR_WANT_WRITE : outcome.wants_io();
    if (!waits) co_return outcome;
    error_code ec;
    co_await wait_as_ssl_asks(side, outcome, ec);
    if (!waited(ec)) co_return SslOutcome{-1, SSL_ERROR_SYSCALL};
  }
}

Awaitable<bool> Connection::read_proxy_header() {
  const config::ProxyProtocolConfig& config = *runtime_->config.proxy_protocol;
  metrics::ListenerMetrics& metrics = *runtime_->metrics;
  const bool trusted = proxy_protocol::is_trusted(config, address_.address);
  // A balancer's header must be complete within its timeout; the TLS handshake's own timeout
  // starts after it. A direct client is on its handshake timeout from the start.
  enter_phase(Phase::handshake, trusted ? config.timeout : route_->settings->timeouts.handshake);
  // Read, not peeked: every wake-up then consumes at least one byte or sees the end of the
  // stream, so a header cut short by a FIN fails at once and the reads a connection can cause
  // are bounded by the header's size. What follows the header (the ClientHello's start) is
  // handed to the TLS transport.
  std::array<std::uint8_t, proxy_protocol::kMaxHeader> received{};
  std::size_t have = 0;
  for (;;) {
    error_code ec;
    co_await wait_client(Socket::wait_read, ec);
    if (!waited(ec)) {
      if (trusted && timed_out_) metrics.count_proxy_protocol_error("timeout");
      co_return false;
    }
    const ssize_t n =
        ::recv(client_.native_handle(), received.data() + have, received.size() - have, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    if (!trusted) {
      // A direct client: served as usual, unless it claims to speak for someone else. (Its
      // end of stream, if that is what this is, is the TLS handshake's to find.)
      if (n > 0 && proxy_protocol::starts_a_header(received[0])) {
        metrics.count_proxy_protocol_error("untrusted");
        co_return false;
      }
      if (n > 0) transport_.preload(received.data(), static_cast<std::size_t>(n));
      break;
    }
    if (n <= 0) {
      // Closed (or reset) before a header, or in the middle of one.
      metrics.count_proxy_protocol_error(have == 0 ? "missing" : "truncated");
      co_return false;
    }
    have += static_cast<std::size_t>(n);
    const auto parsed = proxy_protocol::parse_proxy_header({received.data(), have});
    if (!parsed.header) {
      if (parsed.error == proxy_protocol::ProxyHeaderError::incomplete && have < received.size()) {
        continue;
      }
      const auto error = parsed.error == proxy_protocol::ProxyHeaderError::incomplete
                             ? proxy_protocol::ProxyHeaderError::oversized
                             : parsed.error;
      metrics.count_proxy_protocol_error(proxy_protocol::to_string(error));
      if (debug_enabled()) {
        spdlog::debug("listener {}: PROXY header from {} refused: {}", runtime_->config.name,
                      peer_of(address_), parsed.detail);
      }
      co_return false;
    }
    const proxy_protocol::ProxyHeader& header = *parsed.header;
    transport_.preload(received.data() + header.length, have - header.length);
    if (!header.local) {
      conveyed_destination_.emplace(header.destination, header.destination_port);
      address_.balancer = peer_of(address_);
      address_.vpce_id = header.aws_vpce_id;
      address_.address = header.source;
      address_.peer = tcp::endpoint(
          header.source.is_ipv6() ? asio::ip::address(asio::ip::address_v6(header.source.bytes))
                                  : asio::ip::address(asio::ip::address_v4(
                                        {header.source.bytes[0], header.source.bytes[1],
                                         header.source.bytes[2], header.source.bytes[3]})),
          header.source_port);
    }
    // The client is known now: its handshake counts against its own per-source limit.
    const config::LimitsConfig& limits = runtime_->config.limits;
    const config::AddressPrefix source =
        config::masked(address_.address, limits.source_ipv4_prefix, limits.source_ipv6_prefix);
    if (!slot_.take_source(limits, source)) {
      metrics.count_limit_rejection(config::Limit::handshakes_per_source);
      co_return false;
    }
    enter_phase(Phase::handshake, route_->settings->timeouts.handshake);
    break;
  }
  co_return true;
}

bool Connection::start_signature(std::uint16_t algorithm, const std::uint8_t* input,
                                 std::size_t length) {
  if (served_->held_by_keyserver()) {
    return ask_key_server(keyserver_protocol::Operation::sign, algorithm, input, length);
  }
  if (!signing_) signing_ = std::make_unique<PendingSignature>(client_.get_executor());
  signing_->signature.reset();
  tls::SignatureJob job;
  job.key.reset(served_->key.get());
  EVP_PKEY_up_ref(job.key.get());
  job.algorithm = algorithm;
  job.input.assign(input, input + length);
  // The queued job holds no reference: a handshake that times out waiting ends at once, and
  // the pool skips its signature.
  job.requester = weak_from_this();
  // Runs on a pool thread: hands the signature (and the reference it took) to the worker's
  // thread, keeping none, so the connection is never destroyed off its worker.
  job.done = [requester = weak_from_this()](std::vector<std::uint8_t> signature) {
    std::shared_ptr<Connection> self = requester.lock();
    if (!self) return;
    const auto executor = self->client_.get_executor();
    asio::post(executor, [self = std::move(self), signature = std::move(signature)]() mutable {
      if (!self->signing_) return;  // the handshake already ended (timed out)
      self->signing_->signature = std::move(signature);
      self->signing_->posted.cancel();
    });
  };
  worker_->signing_pool()->submit(std::move(job));
  return true;
}

const std::vector<std::uint8_t>* Connection::finished_signature() const {
  return signing_ && signing_->signature ? &*signing_->signature : nullptr;
}

Awaitable<bool> Connection::signature_made() {
  // Posted back on this thread: checked before each wait, so a post that came first is seen.
  while (signing_ && !signing_->signature && !aborted_) {
    error_code ec;
    co_await signing_->posted.async_wait(redirect_error(use_awaitable, ec));
  }
  co_return signing_ && signing_->signature && !aborted_;
}

Awaitable<bool> Connection::handshake() {
  const SslOutcome outcome = co_await complete_ssl(Side::client, SslOp::handshake);
  signing_.reset();  // a handshake signs once
  if (!outcome.done()) {
    // A client that sent no certificate under `require` (the library refused it), or one whose
    // Certificate message was over the cap: what the error queue says, before it is cleared.
    if (client_certificate_ && !client_certificate_->decided) {
      const std::uint32_t error = ERR_peek_error();
      const int reason = ERR_GET_LIB(error) == ERR_LIB_SSL ? ERR_GET_REASON(error) : 0;
      if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE ||
          reason == SSL_R_EXCESSIVE_MESSAGE_SIZE) {
        client_certificate_->decided = true;
        client_certificate_->refused = true;
        client_certificate_->result = reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE
                                          ? config::ClientCertificateResult::absent
                                          : config::ClientCertificateResult::invalid;
        failure_ = tls::kClientCertificateFailure;
      }
    }
    // Named before the error queue is cleared; the early callback may have named it already.
    if (failure_.empty()) {
      failure_ = timed_out_ ? "timeout"
                 : aborted_ ? "aborted"
                            : tls::handshake_failure_reason(outcome.error, ERR_peek_error());
    }
    log_tls_failure("handshake failed");
  }
  co_return outcome.done();
}

void Connection::log_tls_failure(const char* what) const {
  if (debug_enabled()) {
    spdlog::debug("listener {}: {} with {}: {}", runtime_->config.name, what, peer_of(address_),
                  tls::take_ssl_error());
  }
  // This thread's BoringSSL error queue is shared by all its connections: never leave a
  // failure behind for the next SSL_get_error() to misread.
  ERR_clear_error();
}

void Connection::record_handshake(bool completed) {
  slot_.end_handshake();
  // The route is known since the ClientHello; its upstream only now, from the ALPN negotiated.
  if (completed) upstream_target_ = &route_->upstream_for(negotiated_alpn());
  metrics::RouteMetrics& metrics = *route_->metrics;
  const bool resumed = completed && SSL_session_reused(ssl_.get()) == 1;
  if (completed && !resumed) worker_->count_full_handshake();
  // Refused for its client certificate: counted as refused, never as let in.
  const bool certificate_refused = client_certificate_ && client_certificate_->refused;
  if (client_certificate_ && client_certificate_->decided) {
    metrics.count_client_certificate(client_certificate_->result);
    if (client_certificate_->verified() && client_certificate_->facts) {
      const tls::ClientCertificateFacts& facts = *client_certificate_->facts;
      runtime_->metrics->client_certificates().record(
          {facts.subject, facts.serial, facts.not_after, std::chrono::system_clock::now()});
    }
  }
  if (certificate_refused) {
    metrics.count_handshake(highest_offered_, metrics::HandshakeOutcome::rejected);
  } else if (completed && !decision_.reject) {
    metrics.count_handshake(static_cast<std::uint16_t>(SSL_version(ssl_.get())),
                            metrics::HandshakeOutcome::accepted);
    metrics.observe_handshake_duration(
        std::chrono::duration<double>(Clock::now() - accepted_at_).count());
    if (resumed) metrics.count_resumed_handshake();
  } else if (decision_.reject) {
    metrics.count_handshake(highest_offered_, metrics::HandshakeOutcome::rejected);
  } else {
    metrics.count_handshake(hello_seen_ ? highest_offered_ : 0, metrics::HandshakeOutcome::failed);
  }
  // Every completed handshake's suite, a refusal answered over HTTP's included: what was
  // negotiated on the wire is what a scanner sees.
  if (completed) {
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_.get());
    metrics.count_negotiated_cipher(static_cast<std::uint16_t>(SSL_version(ssl_.get())),
                                    SSL_CIPHER_get_protocol_id(cipher),
                                    SSL_CIPHER_standard_name(cipher));
    metrics.count_key_exchange(tls::group_label_code(SSL_get_curve_id(ssl_.get())), pq_offered_);
  } else {
    metrics.count_handshake_failure(failure_);
  }
  if (observed_ && upstream_target_ != nullptr &&
      upstream_target_->config->proxy_protocol == config::UpstreamProxyProtocol::v2) {
    upstream_facts_ = "ja4=" + observed_->hello.ja4 + ";decision=" +
                      (decision_.legacy ? std::string(to_string(decision_.legacy_decision))
                                        : std::string("allowed"));
  }
  if (observed_) {
    HandshakeEnd end;
    end.highest_offered = highest_offered_;
    end.decision = decision_;
    end.completed = completed;
    end.resumed = resumed;
    end.failure = failure_;
    if (client_certificate_ && client_certificate_->decided) {
      end.client_certificate = client_certificate_.get();
    }
    if (completed) {
      end.negotiated_version = static_cast<std::uint16_t>(SSL_version(ssl_.get()));
      end.cipher = SSL_CIPHER_standard_name(SSL_get_current_cipher(ssl_.get()));
      end.group = SSL_get_curve_id(ssl_.get());
      end.alpn_selected = negotiated_alpn();
    }
    // The certificate a client was shown: in a full handshake that completed, or that failed
    // after the server's first flight (more than one alert record) went out.
    constexpr std::uint32_t kAlertRecord = 7;
    const bool shown = completed ? !resumed : transport_.written() > kAlertRecord;
    if (served_ != nullptr && shown) end.certificate = served_->key_algorithm;
    if (upstream_target_ != nullptr && upstream_target_->tls && !decision_.reject) {
      pending_end_ = std::make_unique<HandshakeEnd>(end);  // until the upstream's handshake
    } else {
      account_observed(end);
    }
  }
}

void Connection::account_observed(const HandshakeEnd& end) {
  account_handshake(*runtime_, *route_, std::move(*observed_), end);
  observed_.reset();
  pending_end_.reset();
}

Awaitable<void> Connection::relay_up(std::shared_ptr<Connection> self) {
  self->relay_finished(co_await self->client_to_upstream());
}

Awaitable<void> Connection::relay_down(std::shared_ptr<Connection> self) {
  self->relay_finished(co_await self->upstream_to_client());
}

void Connection::relay_finished(bool clean) {
  --relays_running_;
  if (!clean) abort();  // one direction broke: the other cannot be trusted to finish
  if (relays_running_ == 0) enter_phase(Phase::done, {});
}

Awaitable<bool> Connection::client_to_upstream() {
  for (;;) {
    // Hold no buffer while the client is quiet; bytes may already be buffered, though.
    if (client_input_drained()) {
      error_code ec;
      co_await wait_client(Socket::wait_read, ec);
      if (!waited(ec)) co_return false;
    }
    BufferLease buffer = worker_->buffers().take();
    for (;;) {
      const SslOutcome outcome =
          call_ssl(Side::client, SslOp::read, buffer.data(), static_cast<int>(kRelayChunkSize));
      if (outcome.done()) {
        const int read = outcome.value;
        touch();
        error_code ec;
        co_await write_upstream(buffer.data(), static_cast<std::size_t>(read), ec);
        if (ec || aborted_) co_return false;
        route_->metrics->count_bytes(metrics::Direction::client_to_upstream,
                                     static_cast<std::uint64_t>(read));
        // Nothing buffered: wait instead of reading on to EAGAIN. The wait re-arms epoll,
        // which reports at once what may still sit in the socket, so this saves a syscall
        // per message without ever missing data.
        if (client_input_drained()) break;
        continue;
      }
      if (outcome.error == SSL_ERROR_WANT_READ) break;  // give the buffer back while waiting
      if (outcome.error == SSL_ERROR_ZERO_RETURN) {
        // close_notify: the client is done sending, and said so. Pass the half-close on.
        co_await end_upstream_send();
        co_return !aborted_;
      }
      if (outcome.error == SSL_ERROR_SYSCALL) {
        // The stream ended without close_notify (a bare FIN or a reset): what the client sent
        // may have been cut short by anyone on the path. A FIN would let the upstream take a
        // truncated request for a complete one, so it gets a reset instead.
        route_->metrics->count_client_truncation();
        co_return false;  // the connection is aborted, and abort() resets the upstream
      }
      if (outcome.error != SSL_ERROR_WANT_WRITE) {
        log_tls_failure("TLS error");
        co_return false;
      }
      error_code ec;
      co_await wait_as_ssl_asks(Side::client, outcome, ec);
      if (!waited(ec)) co_return false;
    }
  }
}

Awaitable<bool> Connection::upstream_to_client() {
  for (;;) {
    error_code ec;
    if (upstream_input_drained()) {
      const auto what = upstream_read_wants_write_ ? Socket::wait_write : Socket::wait_read;
      co_await upstream_.async_wait(what, redirect_error(use_awaitable, ec));
      if (ec || aborted_) co_return false;
    }
    BufferLease buffer = worker_->buffers().take();
    for (;;) {
      const std::size_t read = read_upstream(buffer.data(), kRelayChunkSize, ec);
      if (ec == asio::error::would_block) break;  // give the buffer back while waiting
      if (ec == asio::error::eof) {
        // The upstream is done sending: close_notify, then FIN, and keep reading the client.
        co_await send_close_notify();
        shutdown_client_send();
        co_return !aborted_;
      }
      if (ec) co_return false;
      touch();
      // Inline, not a helper coroutine: see wait_client(). Without
      // SSL_MODE_ENABLE_PARTIAL_WRITE, SSL_write takes everything or nothing; after WANT_WRITE
      // it is retried with the same arguments.
      for (;;) {
        const SslOutcome outcome =
            call_ssl(Side::client, SslOp::write, buffer.data(), static_cast<int>(read));
        if (outcome.done()) break;
        if (!outcome.wants_io()) co_return false;
        co_await wait_as_ssl_asks(Side::client, outcome, ec);
        if (!waited(ec)) co_return false;
      }
      route_->metrics->count_bytes(metrics::Direction::upstream_to_client, read);
      // A short read means the socket is (almost certainly) drained: wait rather than read on
      // to EAGAIN; as above, the re-armed wait reports anything that arrived meanwhile. Over
      // TLS, decrypted or buffered bytes are read first: no socket event would announce them.
      if (read < kRelayChunkSize && upstream_input_drained()) break;
    }
  }
}

bool Connection::refuses_with_http() const {
  return route_->settings->enforcement.on_reject == config::RejectStyle::http;
}

bool Connection::speaks_http1() const {
  const std::string_view selected = negotiated_alpn();
  return selected.empty() || selected == "http/1.1" || selected == "http/1.0";
}

std::string_view Connection::negotiated_alpn() const {
  const std::uint8_t* alpn = nullptr;
  unsigned length = 0;
  SSL_get0_alpn_selected(ssl_.get(), &alpn, &length);
  return {reinterpret_cast<const char*>(alpn), length};
}

Awaitable<void> Connection::answer_http(std::string response) {
  // Read the request head first: answering before it arrives would make many clients report a
  // connection reset instead of showing the response. Still under the phase's deadline.
  constexpr std::size_t kMaxHead = 16 * 1024;
  std::string received;
  {
    BufferLease buffer = worker_->buffers().take();
    while (!policy::has_request_head(received) && received.size() < kMaxHead) {
      const SslOutcome outcome = co_await complete_ssl(Side::client, SslOp::read, buffer.data(),
                                                       static_cast<int>(kRelayChunkSize));
      if (aborted_) co_return;
      if (!outcome.done()) {
        log_tls_failure("reading the client's request head");
        break;  // the client closed or sent garbage: answer anyway, it may still read
      }
      received.append(reinterpret_cast<const char*>(buffer.data()),
                      static_cast<std::size_t>(outcome.value));
    }
  }
  co_await complete_ssl(Side::client, SslOp::write, response.data(),
                        static_cast<int>(response.size()));
}

Awaitable<void> Connection::answer_http_refusal() {
  co_await answer_http(policy::http_refusal_response(
      route_->settings->enforcement.http, route_->settings->tls.min_version,
      static_cast<std::uint16_t>(SSL_version(ssl_.get()))));
}

Awaitable<void> Connection::send_close_notify() {
  // Called once per connection: a second successful SSL_shutdown would start reading and
  // discarding the client's data while it waits for the client's close_notify.
  const SslOutcome outcome = co_await complete_ssl(Side::client, SslOp::shutdown);
  if (!outcome.done()) ERR_clear_error();
}

void Connection::shutdown_client_send() {
  error_code ec;
  client_.shutdown(Socket::shutdown_send, ec);
}

Awaitable<void> Connection::linger_and_close() {
  enter_phase(Phase::linger, std::chrono::duration_cast<std::chrono::milliseconds>(kLingerTimeout));
  shutdown_client_send();
  for (;;) {
    error_code ec;
    co_await wait_client(Socket::wait_read, ec);
    if (!waited(ec)) break;
    BufferLease scratch = worker_->buffers().take();
    client_.read_some(asio::buffer(scratch.data(), scratch.size()), ec);
    if (ec && ec != asio::error::would_block) break;  // EOF or reset: the client is gone
  }
  enter_phase(Phase::done, {});
}

}  // namespace tlsfloor::net
