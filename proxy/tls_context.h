#pragma once
// A listener's TLS server side: its certificates, loaded and checked once, and the SSL_CTX
// every connection of the listener is made from.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/config_parser.h"
#include "proxy/boringssl.h"

namespace tlsfloor::proxy {

/// A certificate chain with its private key, ready to hand to a connection.
struct CertifiedKey {
  std::vector<bssl::UniquePtr<CRYPTO_BUFFER>> chain;  // leaf first
  bssl::UniquePtr<X509> leaf;                         // for host name matching
  bssl::UniquePtr<EVP_PKEY> key;
};

/// The certificates of one listener. Chooses by SNI: the first whose leaf matches the name
/// (wildcards per RFC 6125), else the first one listed.
class CertificateSet {
 public:
  /// Loads and checks every certificate; problems are appended to `errors` (file:line:column
  /// of the config entry) and the set is then unusable.
  static CertificateSet load(const std::vector<config::CertificateConfig>& certificates,
                             std::vector<config::ConfigError>& errors);

  const CertifiedKey& select(std::string_view server_name) const;
  /// Installs the chosen chain and key on a connection (from the early callback).
  bool apply(SSL* ssl, std::string_view server_name) const;
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<CertifiedKey> keys_;
};

/// Whoever owns an SSL* (set as its app data with SSL_set_app_data) and decides on its
/// ClientHello in BoringSSL's early callback, before any version or certificate is chosen.
class ClientHelloHandler {
 public:
  virtual enum ssl_select_cert_result_t on_client_hello(const SSL_CLIENT_HELLO& hello) = 0;

 protected:
  ~ClientHelloHandler() = default;
};

/// A server SSL_CTX for a listener: versions TLS1.0..max_version (the floor is applied per
/// connection in the early callback, which goes to the SSL's ClientHelloHandler), session
/// tickets with in-memory keys rotated by BoringSSL, no client certificates.
bssl::UniquePtr<SSL_CTX> make_server_context(const config::ListenerConfig& listener);

/// The oldest error on this thread's BoringSSL error queue, as text, and clears the queue.
std::string take_ssl_error();

/// For a configuration with errors: its certificates are still loaded and their problems added,
/// all sorted by position, so that one run (start, --check, reload) lists every problem.
void add_certificate_errors(config::ParseResult& parsed);

}  // namespace tlsfloor::proxy
