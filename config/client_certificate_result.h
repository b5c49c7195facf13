#pragma once
// What checking a client certificate (client_auth) came to: one vocabulary for the TLS layer that
// decides it, the metrics that count it, the handshake log and the report. A shared value type,
// like legacy_decision.h, so that metrics/ needs nothing of proxy/.
#include <array>
#include <optional>
#include <string_view>

namespace tlsfloor::config {

enum class ClientCertificateResult {
  verified,   // chains to a CA of ca_file, not revoked, in date, allowed: let in
  absent,     // none presented: let in under `optional`, refused under `require`
  untrusted,  // no chain to a CA of ca_file, or the CRL needed to check it is missing or stale
  expired,    // outside its validity period (at the full handshake; past notAfter at a resumption)
  revoked,    // listed in crl_file (at the full handshake, or at a resumption)
  not_allowed,  // verified, but matched by no entry of the allow list
  invalid,      // unparsable, wrong purpose, bad signature, or over the chain caps
};
inline constexpr std::array<ClientCertificateResult, 7> kClientCertificateResults = {
    ClientCertificateResult::verified,  ClientCertificateResult::absent,
    ClientCertificateResult::untrusted, ClientCertificateResult::expired,
    ClientCertificateResult::revoked,   ClientCertificateResult::not_allowed,
    ClientCertificateResult::invalid};

/// The metric-label and log spelling: verified, absent, untrusted, expired, revoked, not_allowed,
/// invalid.
std::string_view to_string(ClientCertificateResult result);
/// The inverse of to_string(); nullopt for any other text.
std::optional<ClientCertificateResult> parse_client_certificate_result(std::string_view text);

}  // namespace tlsfloor::config
