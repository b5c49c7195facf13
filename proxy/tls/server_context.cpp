#include "proxy/tls/server_context.h"

#include <algorithm>
#include <cstdint>
#include <exception>

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

// The first of the connection's protocols (its route's, in the server's order) that the client
// offers. None in common, or none configured: the handshake goes on without ALPN.
int select_alpn(SSL* ssl, const std::uint8_t** out, std::uint8_t* out_length,
                const std::uint8_t* offered, unsigned offered_length, void*) {
  const auto* handler = static_cast<const ClientHelloHandler*>(SSL_get_app_data(ssl));
  if (handler == nullptr) return SSL_TLSEXT_ERR_NOACK;
  const std::string_view ours = handler->alpn_protocols();
  if (ours.empty()) return SSL_TLSEXT_ERR_NOACK;
  std::uint8_t* selected = nullptr;
  const int result = SSL_select_next_proto(
      &selected, out_length, reinterpret_cast<const std::uint8_t*>(ours.data()),
      static_cast<unsigned>(ours.size()), offered, offered_length);
  if (result != OPENSSL_NPN_NEGOTIATED) return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
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

}  // namespace tlsfloor::tls
