#include "proxy/tls/server_context.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string_view>

#include "proxy/tls/key_exchange_groups.h"

namespace tlsfloor::tls {
namespace {

enum ssl_select_cert_result_t dispatch_client_hello(const SSL_CLIENT_HELLO* hello) noexcept {
  auto* handler = static_cast<ClientHelloHandler*>(SSL_get_app_data(hello->ssl));
  // Every SSL made from these contexts has a handler; one without is a bug, refuse safely.
  if (handler == nullptr) return ssl_select_cert_error;
  try {
    return handler->on_client_hello(*hello);
  } catch (const std::exception& e) {
    handler->on_client_hello_error(e.what());
  } catch (...) {
    handler->on_client_hello_error("a non-standard exception");
  }
  return ssl_select_cert_error;
}

enum ssl_verify_result_t dispatch_client_certificate(SSL* ssl, std::uint8_t* alert) noexcept {
  auto* handler = static_cast<ClientHelloHandler*>(SSL_get_app_data(ssl));
  *alert = SSL_AD_INTERNAL_ERROR;
  if (handler == nullptr) return ssl_verify_invalid;
  try {
    return handler->on_client_certificate(alert);
  } catch (const std::exception& e) {
    handler->on_client_hello_error(e.what());
  } catch (...) {
    handler->on_client_hello_error("a non-standard exception");
  }
  *alert = SSL_AD_INTERNAL_ERROR;
  return ssl_verify_invalid;
}

// Whether `list` (ALPN wire format) holds `protocol`; where, through `at`.
bool find_protocol(std::string_view list, std::string_view protocol, std::size_t& at) {
  for (std::size_t i = 0; i < list.size();) {
    const std::size_t length = static_cast<std::uint8_t>(list[i]);
    if (i + 1 + length > list.size()) return false;
    if (list.substr(i + 1, length) == protocol) {
      at = i + 1;
      return true;
    }
    i += 1 + length;
  }
  return false;
}

// The first of the connection's protocols (its route's, in the server's order) that the client
// offers. None in common, or none configured: the handshake goes on without ALPN. h2 is never
// selected below TLS 1.2 (RFC 9113 section 9.2): the version is negotiated by now.
int select_alpn(SSL* ssl, const std::uint8_t** out, std::uint8_t* out_length,
                const std::uint8_t* offered, unsigned offered_length, void*) {
  const auto* handler = static_cast<const ClientHelloHandler*>(SSL_get_app_data(ssl));
  if (handler == nullptr) return SSL_TLSEXT_ERR_NOACK;
  const std::string_view ours = handler->alpn_protocols();
  const std::string_view theirs(reinterpret_cast<const char*>(offered), offered_length);
  const bool h2_allowed = SSL_version(ssl) >= TLS1_2_VERSION;
  for (std::size_t i = 0; i < ours.size();) {
    const std::size_t length = static_cast<std::uint8_t>(ours[i]);
    const std::string_view protocol = ours.substr(i + 1, length);
    i += 1 + length;
    if (protocol == "h2" && !h2_allowed) continue;
    std::size_t at = 0;
    if (!find_protocol(theirs, protocol, at)) continue;
    // Pointing into the client's list, which BoringSSL copies from when the callback returns.
    *out = offered + at;
    *out_length = static_cast<std::uint8_t>(protocol.size());
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

bssl::UniquePtr<SSL_CTX> make_server_context(const config::ListenerConfig& listener) {
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  if (!ctx) return nullptr;
  // The context admits every version the library speaks up to the ceiling; each connection's
  // floor is set in the early callback, once the client's offer is known.
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
  // The highest ceiling of any route; each connection gets its route's in the early callback.
  config::TlsVersion ceiling = listener.tls.max_version;
  for (const auto& route : listener.routes) ceiling = std::max(ceiling, route.tls.max_version);
  SSL_CTX_set_max_proto_version(ctx.get(), static_cast<uint16_t>(ceiling));
  // The listener's cipher floor (validated by the runtime's build); routes and legacy clients
  // that differ get theirs per connection in the early callback. The server's order decides.
  if (SSL_CTX_set_strict_cipher_list(ctx.get(), listener.tls.ciphers.text.c_str()) != 1) {
    return nullptr;
  }
  SSL_CTX_set_options(ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  // The listener's key-exchange floor, in its order (the server's preference decides groups as
  // it decides suites). A list the library cannot apply is left to the runtime's build to report.
  const auto& groups = listener.tls.groups.codes;
  if (!groups_problem(groups, config::TlsVersion::tls1_3, ceiling) &&
      SSL_CTX_set1_curves_list(ctx.get(), library_group_list(groups).c_str()) != 1) {
    return nullptr;
  }
  SSL_CTX_set_select_certificate_cb(ctx.get(), dispatch_client_hello);
  SSL_CTX_set_alpn_select_cb(ctx.get(), select_alpn, nullptr);
  // SSL_write is retried with the same arguments after WANT_WRITE, but from a pooled buffer
  // whose address may differ between retries.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Resumption: stateless tickets (their keys are installed from the process's
  // TicketKeyRing, which outlives reloads) and a session cache for TLS 1.2 clients that do not
  // do tickets.
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_SERVER);
  static constexpr unsigned char kSessionContext[] = "tlsfloor";
  SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof kSessionContext - 1);
  return ctx;
}

bool request_client_certificate(SSL* ssl, const ClientAuthority& authority) {
  const bool required = authority.config().mode == config::ClientAuthMode::require;
  // Set here, per connection, not on the context: BoringSSL lets every handshake message of a
  // connection that verifies peers grow to max_cert_list, the ClientHello included.
  SSL_set_max_cert_list(ssl, kMaxCertificateMessage);
  SSL_set_custom_verify(ssl, SSL_VERIFY_PEER | (required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                        dispatch_client_certificate);
  STACK_OF(CRYPTO_BUFFER)* names = authority.ca_names();
  if (names == nullptr) return false;
  SSL_set0_client_CAs(ssl, names);
  return true;
}

}  // namespace tlsfloor::tls
