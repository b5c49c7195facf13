#pragma once
// A listener's certificates: read from their files, checked (parsable, key matching) once at
// load, and chosen per connection by SNI. Loading is kept apart from the SSL_CTX that uses them.
#include <array>
#include <chrono>
#include <cstdint>
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
  /// The private key; null when the key server holds it (`keyserver: true`): tlsfloor never
  /// reads that key, and asks the key server for its signatures.
  bssl::UniquePtr<EVP_PKEY> key;
  /// The type of the leaf's public key (EVP_PKEY_RSA, EVP_PKEY_EC), with or without `key`.
  int key_type = EVP_PKEY_NONE;
  /// SHA-256 of the leaf's SubjectPublicKeyInfo (DER): how the key server names the key.
  std::array<std::uint8_t, 32> key_id{};
  bool held_by_keyserver() const { return !key; }
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
  /// SHA-256 of the leaf's DER: what sessions served this certificate are bound to.
  std::array<std::uint8_t, 32> fingerprint{};
  /// For an ECDSA key: its curve as a TLS group (23: P-256, 24: P-384, 25: P-521) and the TLS
  /// 1.3 signature scheme it signs with (0x0403, 0x0503, 0x0603); 0 for other keys.
  std::uint16_t ecdsa_group = 0;
  std::uint16_t ecdsa_scheme = 0;
  bool ecdsa() const { return ecdsa_group != 0; }
};

/// The certificates of one listener (or route), chosen per connection by SNI and by what the
/// client can verify, so that RSA and ECDSA certificates for the same names can be listed side
/// by side: modern clients get the cheap ECDSA signature, old ones an RSA certificate they can
/// check. `accepts(key)` says whether the client can verify an ECDSA key (RSA is always taken
/// to be verifiable).
class CertificateSet {
 public:
  /// Loads and checks every certificate; problems are appended to `errors` (file:line:column
  /// of the config entry) and the set is then unusable.
  static CertificateSet load(const std::vector<config::CertificateConfig>& certificates,
                             std::vector<config::ConfigError>& errors);

  /// Among the certificates whose leaf matches `server_name` (wildcards per RFC 6125): the
  /// first ECDSA one the client accepts, else the first RSA one, else the first. Null when
  /// none matches (or no name).
  template <typename Accepts>
  const CertifiedKey* matching(std::string_view server_name, Accepts accepts) const {
    if (server_name.empty()) return nullptr;
    const CertifiedKey* fallback = nullptr;
    for (const CertifiedKey& key : keys_) {
      if (!names(key, server_name)) continue;
      if (key.ecdsa() && accepts(key)) return &key;
      if (fallback == nullptr || (fallback->ecdsa() && !key.ecdsa())) fallback = &key;
    }
    return fallback;
  }
  /// matching(), else the default: the first certificate listed, unless it is an ECDSA one the
  /// client does not accept; then the first RSA one listed.
  template <typename Accepts>
  const CertifiedKey& select(std::string_view server_name, Accepts accepts) const {
    if (keys_.size() == 1) return keys_.front();  // the answer either way: no name check
    if (const CertifiedKey* key = matching(server_name, accepts)) return *key;
    return fallback(accepts);
  }
  template <typename Accepts>
  const CertifiedKey& fallback(Accepts accepts) const {
    const CertifiedKey& first = keys_.front();
    if (!first.ecdsa() || accepts(first)) return first;
    for (const CertifiedKey& key : keys_) {
      if (!key.ecdsa()) return key;
    }
    return first;
  }
  const CertifiedKey& first() const { return keys_.front(); }
  const std::vector<CertifiedKey>& keys() const { return keys_; }
  /// Installs `key` on a connection (from the early callback); with `key_method`, the method
  /// signs instead of the key (SigningPool's asynchronous one).
  static bool install(SSL* ssl, const CertifiedKey& key,
                      const SSL_PRIVATE_KEY_METHOD* key_method = nullptr);
  /// Installs `key` on every connection made from `context` (an upstream client certificate).
  static bool install(SSL_CTX* context, const CertifiedKey& key);
  bool empty() const { return keys_.empty(); }

 private:
  static bool names(const CertifiedKey& key, std::string_view server_name);
  std::vector<CertifiedKey> keys_;
};

/// For a configuration with errors: its certificates (and upstream TLS files) are still loaded,
/// its cipher lists parsed, and their problems added, all sorted by position, so that one run
/// (start, --check, reload) lists every problem.
void add_certificate_errors(config::ParseResult& parsed);

}  // namespace tlsfloor::tls
