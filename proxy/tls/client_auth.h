#pragma once
// Client certificates (client_auth): the trust a listener or route checks them against (its CA
// bundle, its CRLs, the verification depth and the allow list), loaded once per configuration,
// and the verdict on one chain. A CRL change reloads the configuration (certificate_reload), so
// a running ClientAuthority never changes: connections keep the one they started with.
//
// Hostile chains are bounded twice: BoringSSL refuses a Certificate message over
// kMaxCertificateMessage bytes before parsing it (set per connection, SSL_set_max_cert_list),
// and verify() refuses more than kMaxPresentedCertificates certificates before building a
// chain, so what a client can make tlsfloor parse and hold is at most 16 KiB of DER.
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/client_certificate_result.h"
#include "config/config.h"
#include "proxy/tls/boringssl.h"
#include "proxy/tls/client_certificate.h"

namespace tlsfloor::tls {

/// The largest Certificate message a client may send: BoringSSL's floor for any handshake
/// message (it never goes below 16 KiB), and room for a leaf and three RSA-4096 intermediates.
inline constexpr std::size_t kMaxCertificateMessage = 16 * 1024;
/// The most certificates a client may present: the leaf, config's largest verify_depth (8)
/// intermediates and a root.
inline constexpr std::size_t kMaxPresentedCertificates = 10;

/// The verdict on a client's chain.
struct ClientVerification {
  config::ClientCertificateResult result = config::ClientCertificateResult::invalid;
  /// The alert to refuse with when not verified (certificate_expired, certificate_revoked,
  /// unknown_ca, bad_certificate, access_denied); 0 when verified.
  std::uint8_t alert = 0;
  /// The leaf's facts, when it parses.
  std::optional<ClientCertificateFacts> facts;
  /// Why, in the library's words, for the debug log; empty when verified.
  std::string detail;
  bool verified() const { return result == config::ClientCertificateResult::verified; }
};

class ClientAuthority {
 public:
  /// Loads ca_file (at least one certificate) and crl_file (each CRL must be signed by a CA of
  /// ca_file); problems go to `errors` at the file's position, and null is returned.
  static std::shared_ptr<const ClientAuthority> load(const config::ClientAuthConfig& config,
                                                     std::vector<config::ConfigError>& errors);

  /// A full handshake's chain (leaf first, as the client sent it) at `now`: within the caps,
  /// chains to a CA of ca_file with at most verify_depth intermediates, in date, usable for
  /// client authentication (extendedKeyUsage), not revoked (the leaf, when crl_file is set: a
  /// missing or stale CRL of its issuer is untrusted), and matched by the allow list if there
  /// is one.
  ClientVerification verify(const STACK_OF(CRYPTO_BUFFER) * chain, std::time_t now) const;
  /// At a resumption, the chain verified at the full handshake that issued the session: the
  /// leaf still in date, and not revoked by the CRLs in force now. No signature is verified
  /// again (that would cost what resumption saves); the allow list, the CAs and the mode are
  /// in the session's scope (session_binding.h), so a change of them never resumes.
  ClientVerification recheck(const STACK_OF(CRYPTO_BUFFER) * chain, std::time_t now) const;

  const config::ClientAuthConfig& config() const { return config_; }
  /// What sessions are bound to: the mode, the CAs' contents, the depth and the allow list.
  /// Not the CRLs: revocation is rechecked at every resumption instead.
  const std::string& identity() const { return identity_; }
  /// The CAs' names for the CertificateRequest (a new stack the caller owns, for
  /// SSL_set0_client_CAs), so that clients holding several certificates pick the right one.
  STACK_OF(CRYPTO_BUFFER) * ca_names() const;

 private:
  ClientVerification refuse(config::ClientCertificateResult result, std::uint8_t alert,
                            std::string detail,
                            std::optional<ClientCertificateFacts> facts = std::nullopt) const;
  bool allowed(const ClientCertificateFacts& facts) const;
  // The verdict of the CRLs on a leaf at `now`, when crl_file is set.
  std::optional<ClientVerification> revocation(X509* leaf, std::time_t now) const;

  config::ClientAuthConfig config_;
  bssl::UniquePtr<X509_STORE> store_;
  std::vector<bssl::UniquePtr<CRYPTO_BUFFER>> ca_names_;
  std::vector<bssl::UniquePtr<X509_CRL>> crls_;
  std::string identity_;
};

/// The TLS alert names tlsfloor refuses client certificates with, for logs ("unknown_ca").
const char* alert_name(std::uint8_t alert);

}  // namespace tlsfloor::tls
