#pragma once
// The SSL_CTX every connection of a listener is made from, and the hook through which the
// connection decides on its ClientHello in BoringSSL's early callback.
#include <cstdint>
#include <string_view>

#include "config/config.h"
#include "proxy/tls/boringssl.h"
#include "proxy/tls/client_auth.h"

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
  /// The client's certificate chain has arrived (a full handshake of a connection that
  /// request_client_certificate() asked): ssl_verify_ok to go on, or ssl_verify_invalid with
  /// `alert` set to refuse. May throw, like on_client_hello(): that handshake then fails.
  virtual enum ssl_verify_result_t on_client_certificate(std::uint8_t* alert) = 0;

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

/// From the early callback: asks this connection's client for a certificate, naming
/// `authority`'s CAs, with a Certificate message of at most kMaxCertificateMessage bytes; its
/// chain goes to the handler's on_client_certificate(). Under `require`, a client that sends
/// none is refused by the library (certificate_required in TLS 1.3, handshake_failure before).
/// False when BoringSSL refuses.
bool request_client_certificate(SSL* ssl, const ClientAuthority& authority);

}  // namespace tlsfloor::tls
