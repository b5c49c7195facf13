#pragma once
// A listener's certificates: read from their files, checked (parsable, key matching) once at
// load, and chosen per connection by SNI. Loading is kept apart from the SSL_CTX that uses them.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/config_parser.h"
#include "proxy/tls/boringssl.h"

namespace tlsfloor::tls {

/// A certificate chain with its private key, ready to hand to a connection.
struct CertifiedKey {
  std::vector<bssl::UniquePtr<CRYPTO_BUFFER>> chain;  // leaf first
  bssl::UniquePtr<X509> leaf;                         // for host name matching
  bssl::UniquePtr<EVP_PKEY> key;
  /// As the PROXY protocol's SSL TLVs name them: the leaf's signature algorithm
  /// ("ecdsa-with-SHA256", "RSA-SHA256") and its key ("EC256", "RSA2048").
  std::string signature_algorithm;
  std::string key_algorithm;
  /// What the certificate metrics name it by: the leaf's CN, else its first DNS name; its
  /// serial number in hex; when it expires, and when tlsfloor read it.
  std::string subject;
  std::string serial;
  std::chrono::system_clock::time_point not_after{};
  std::chrono::system_clock::time_point loaded_at{};
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
  /// The first certificate whose leaf matches `server_name`; null when none does (or no name).
  const CertifiedKey* matching(std::string_view server_name) const;
  const CertifiedKey& first() const { return keys_.front(); }
  const std::vector<CertifiedKey>& keys() const { return keys_; }
  /// Installs the chosen chain and key on a connection (from the early callback).
  bool apply(SSL* ssl, std::string_view server_name) const {
    return install(ssl, select(server_name));
  }
  /// Installs `key` on a connection (from the early callback).
  static bool install(SSL* ssl, const CertifiedKey& key);
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<CertifiedKey> keys_;
};

/// For a configuration with errors: its certificates (and upstream TLS files) are still loaded
/// and their problems added, all sorted by position, so that one run (start, --check, reload)
/// lists every problem.
void add_certificate_errors(config::ParseResult& parsed);

}  // namespace tlsfloor::tls
