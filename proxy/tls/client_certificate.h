#pragma once
// What tlsfloor keeps of a client's certificate: the facts every view names it by (handshake
// log, per-client table, metrics, the upstream's PROXY header). Read from the DER bytes the
// client sent, so every field is bounded, whatever the certificate holds.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tlsfloor::tls {

/// The longest subject or issuer kept (RFC 2253 text); a longer one is cut, and then matches no
/// configured subject.
inline constexpr std::size_t kMaxCertificateNameText = 1024;
/// Subject alternative names kept per certificate (the first ones), each at most 255 bytes.
inline constexpr std::size_t kMaxSubjectAltNames = 16;

struct ClientCertificateFacts {
  std::string subject;      // RFC 2253, most specific first: "CN=partner-a,O=Example"
  std::string issuer;       // likewise
  std::string common_name;  // the subject's CN (the last one); empty without one
  std::string serial;       // upper-case hex, as the certificate metrics write serials
  std::string sha256;       // SHA-256 of the DER, 64 lower-case hex digits
  std::chrono::system_clock::time_point not_before{};
  std::chrono::system_clock::time_point not_after{};
  /// SHA-256 of the DER SubjectPublicKeyInfo: what allow.spki_sha256 pins.
  std::array<std::uint8_t, 32> spki_sha256{};
  /// DNS names, e-mail addresses, URIs and IP addresses (as text), in the certificate's order.
  std::vector<std::string> subject_alt_names;
};

/// The facts of one DER certificate; nullopt when it does not parse as X.509.
std::optional<ClientCertificateFacts> client_certificate_facts(std::span<const std::uint8_t> der);

}  // namespace tlsfloor::tls
