// The upstream side of a connection: connecting (the endpoint, or the name resolved), the PROXY
// protocol header, tlsfloor's own TLS handshake with the upstream, and the reads and writes the
// relays make towards it, over TCP or TLS.
#include <spdlog/spdlog.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>

#include "config/bounded_text.h"
#include "proxy/net/connection.h"
#include "proxy/proxy_protocol/proxy_header_writer.h"
#include "proxy/tls/ssl_error.h"
#include "proxy/tls/upstream_tls.h"

namespace tlsfloor::net {
namespace asio = boost::asio;
using asio::redirect_error;
using boost::system::error_code;

Awaitable<bool> Connection::connect_upstream() {
  const auto& upstream = *upstream_target_->config;
  enter_phase(Phase::connect, upstream.connect_timeout);
  error_code ec;
  if (upstream_target_->endpoint) {
    co_await upstream_.async_connect(*upstream_target_->endpoint,
                                     redirect_error(use_awaitable, ec));
  } else {
    resolver_.emplace(upstream_.get_executor());
    const auto endpoints = co_await resolver_->async_resolve(upstream.address.host,
                                                             std::to_string(upstream.address.port),
                                                             redirect_error(use_awaitable, ec));
    if (!ec) co_await asio::async_connect(upstream_, endpoints, redirect_error(use_awaitable, ec));
    resolver_.reset();
  }
  if (ec || aborted_ || !upstream_.is_open()) {
    spdlog::warn("listener {}: cannot connect to upstream {}: {}", runtime_->config.name,
                 upstream.address.to_string(), ec ? ec.message() : "timed out");
    co_return false;
  }
  upstream_.set_option(tcp::no_delay(true), ec);
  upstream_.non_blocking(true, ec);
  if (upstream.proxy_protocol != config::UpstreamProxyProtocol::none &&
      !co_await send_proxy_header()) {
    spdlog::warn("listener {}: cannot send the PROXY header to upstream {}", runtime_->config.name,
                 upstream.address.to_string());
    co_return false;
  }
  // The PROXY header goes first, in the clear, as HAProxy's send-proxy with ssl does.
  if (upstream_target_->tls && !co_await upstream_handshake()) co_return false;
  co_return true;
}

Awaitable<bool> Connection::upstream_handshake() {
  const auto& upstream = *upstream_target_->config;
  upstream_tls_ = std::make_unique<UpstreamTlsSide>(upstream_.native_handle(), worker_->buffers());
  upstream_tls_->ssl = upstream_target_->tls->new_connection(
      upstream.address, *upstream_target_->sessions, negotiated_alpn());
  bssl::UniquePtr<BIO> bio = upstream_tls_->transport.make_bio();
  if (!upstream_tls_->ssl || !bio) {
    spdlog::error("listener {}: cannot set up TLS to upstream {}: {}", runtime_->config.name,
                  upstream.address.to_string(), tls::take_ssl_error());
    route_->metrics->count_upstream_handshake_failure(0, "protocol_error");
    co_return false;
  }
  SSL* ssl = upstream_tls_->ssl.get();
  SSL_set_bio(ssl, bio.get(), bio.get());
  bio.release();
  const SslOutcome outcome = co_await complete_ssl(Side::upstream, SslOp::handshake);
  if (outcome.done()) {
    const auto version = static_cast<std::uint16_t>(SSL_version(ssl));
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    route_->metrics->count_upstream_handshake(version, SSL_session_reused(ssl) == 1,
                                              SSL_CIPHER_get_protocol_id(cipher),
                                              SSL_CIPHER_standard_name(cipher));
    if (pending_end_) {
      pending_end_->upstream_version = version;
      pending_end_->upstream_cipher = SSL_CIPHER_standard_name(SSL_get_current_cipher(ssl));
    }
    co_return true;
  }
  const std::string_view reason = tls::upstream_failure_reason(
      outcome.error, SSL_get_verify_result(ssl), ERR_peek_error(), upstream_timed_out_);
  // Once the upstream's ServerHello is read, the session being made knows the version (a
  // refused certificate comes after it); before that there is none to name.
  const SSL_SESSION* session = SSL_get_session(ssl);
  route_->metrics->count_upstream_handshake_failure(
      session != nullptr ? SSL_SESSION_get_protocol_version(session) : 0, reason);
  spdlog::warn("listener {}: TLS handshake with upstream {} failed: {} ({})", runtime_->config.name,
               upstream.address.to_string(), reason,
               reason == "certificate_untrusted" || reason == "certificate_name_mismatch" ||
                       reason == "certificate_expired" || reason == "certificate_invalid"
                   ? X509_verify_cert_error_string(SSL_get_verify_result(ssl))
                   : tls::take_ssl_error());
  ERR_clear_error();
  co_return false;
}

Awaitable<bool> Connection::send_proxy_header() {
  proxy_protocol::OutgoingHeader header;
  header.source = address_.address;
  header.source_port = address_.peer.port();
  if (conveyed_destination_) {
    header.destination = conveyed_destination_->first;
    header.destination_port = conveyed_destination_->second;
  } else {
    error_code ec;
    const tcp::endpoint local = client_.local_endpoint(ec);
    header.destination = client_address(local).address;
    header.destination_port = local.port();
  }
  const auto version = upstream_target_->config->proxy_protocol;
  if (version == config::UpstreamProxyProtocol::v2) {
    SSL* ssl = ssl_.get();
    header.alpn = negotiated_alpn();
    // The client's SNI, only when it is a host name: its bytes are the client's to choose.
    if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        name != nullptr && config::is_host_name(name)) {
      header.authority = name;
    }
    header.tls_version = SSL_get_version(ssl);
    header.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
    if (served_ != nullptr) {
      header.sig_alg = served_->signature_algorithm;
      header.key_alg = served_->key_algorithm;
    }
    header.tlsfloor_facts = upstream_facts_;
    if (client_certificate_ && client_certificate_->verified()) {
      header.certificate_in_connection = client_certificate_->presented_here;
      header.certificate_in_session = true;
      if (client_certificate_->facts) {
        header.client_common_name = client_certificate_->facts->common_name;
      }
      header.certificate_tlv = upstream_target_->config->client_certificate_tlv;
      const STACK_OF(CRYPTO_BUFFER)* chain = SSL_get0_peer_certificates(ssl);
      if (header.certificate_tlv != 0 && chain != nullptr && sk_CRYPTO_BUFFER_num(chain) > 0) {
        const CRYPTO_BUFFER* leaf = sk_CRYPTO_BUFFER_value(chain, 0);
        header.certificate_der.assign(reinterpret_cast<const char*>(CRYPTO_BUFFER_data(leaf)),
                                      CRYPTO_BUFFER_len(leaf));
      }
    }
  }
  const std::string bytes = version == config::UpstreamProxyProtocol::v1
                                ? proxy_protocol::encode_v1(header)
                                : proxy_protocol::encode_v2(header);
  error_code ec;
  co_await asio::async_write(upstream_, asio::buffer(bytes), redirect_error(use_awaitable, ec));
  co_return !ec && !aborted_;
}

Awaitable<std::size_t> Connection::write_upstream(const std::uint8_t* data, std::size_t size,
                                                  error_code& ec) {
  if (upstream_tls_) return write_upstream_tls(data, size, ec);
  return asio::async_write(upstream_, asio::buffer(data, size), redirect_error(use_awaitable, ec));
}

Awaitable<std::size_t> Connection::write_upstream_tls(const std::uint8_t* data, std::size_t size,
                                                      error_code& ec) {
  // SSL_write does not keep `data`; it is retried with the same arguments until it is done.
  const SslOutcome outcome = co_await complete_ssl(
      Side::upstream, SslOp::write, const_cast<std::uint8_t*>(data), static_cast<int>(size));
  if (outcome.done()) co_return size;
  log_tls_failure("TLS error writing to the upstream");
  ec = asio::error::connection_reset;
  co_return 0;
}

std::size_t Connection::read_upstream(std::uint8_t* data, std::size_t size, error_code& ec) {
  if (!upstream_tls_) return upstream_.read_some(asio::buffer(data, size), ec);
  upstream_read_wants_write_ = false;
  const SslOutcome outcome = call_ssl(Side::upstream, SslOp::read, data, static_cast<int>(size));
  ec = {};
  if (outcome.done()) return static_cast<std::size_t>(outcome.value);
  switch (outcome.error) {
    case SSL_ERROR_WANT_WRITE:
      upstream_read_wants_write_ = true;  // say, a key update's answer waits for room
      [[fallthrough]];
    case SSL_ERROR_WANT_READ:
      ec = asio::error::would_block;
      break;
    case SSL_ERROR_ZERO_RETURN:
      ec = asio::error::eof;  // close_notify
      break;
    default:
      // Also an end without close_notify: the upstream's data may have been cut short, so the
      // client is not told it is complete (no close_notify; the connection is aborted).
      log_tls_failure("TLS error reading from the upstream");
      ec = asio::error::connection_reset;
      break;
  }
  return 0;
}

Awaitable<void> Connection::end_upstream_send() {
  if (upstream_tls_) {
    const SslOutcome outcome = co_await complete_ssl(Side::upstream, SslOp::shutdown);
    if (!outcome.done()) ERR_clear_error();
  }
  error_code ec;
  upstream_.shutdown(Socket::shutdown_send, ec);
}

void Connection::reset_upstream() {
  error_code ec;
  // SO_LINGER with a zero timeout: close() sends RST instead of FIN.
  upstream_.set_option(Socket::linger(true, 0), ec);
  close_upstream();
}

void Connection::close_upstream() {
  if (upstream_tls_) upstream_tls_->transport.detach();
  error_code ec;
  upstream_.close(ec);
}

}  // namespace tlsfloor::net
