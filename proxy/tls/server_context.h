#pragma once
// The SSL_CTX every connection of a listener is made from, and the hook through which the
// connection decides on its ClientHello in BoringSSL's early callback.
#include <string_view>

#include "config/config.h"
#include "proxy/tls/boringssl.h"

namespace tlsfloor::tls {

/// Whoever owns an SSL* (set as its app data with SSL_set_app_data) and decides on its
/// ClientHello in BoringSSL's early callback, before any version or certificate is chosen.
class ClientHelloHandler {
 public:
  /// Decides on the hello. May throw: the dispatcher catches everything at the boundary with
  /// libssl (an exception must never unwind through BoringSSL's frames), fails that one
  /// handshake and calls on_client_hello_error().
  virtual enum ssl_select_cert_result_t on_client_hello(const SSL_CLIENT_HELLO& hello) = 0;
  /// on_client_hello() threw: count it. Must not throw.
  virtual void on_client_hello_error(const char* what) noexcept = 0;
  /// The ALPN protocols this connection offers, in wire format (length-prefixed names, in
  /// preference order); empty for none. Asked after on_client_hello(), which chose them.
  virtual std::string_view alpn_protocols() const noexcept = 0;

 protected:
  ~ClientHelloHandler() = default;
};

/// A server SSL_CTX for a listener: versions TLS1.0..the highest max_version of its routes (each
/// connection's floor and ceiling are applied in the early callback, which goes to the SSL's
/// ClientHelloHandler), the listener's tls.ciphers in the server's order of preference (null
/// when the list does not parse: the runtime's build reports why), its tls.groups in that order,
/// session tickets (keys installed
/// by the caller: TicketKeyRing), no client certificates.
bssl::UniquePtr<SSL_CTX> make_server_context(const config::ListenerConfig& listener);

}  // namespace tlsfloor::tls
