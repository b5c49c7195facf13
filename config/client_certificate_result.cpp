#include "config/client_certificate_result.h"

namespace tlsfloor::config {

std::string_view to_string(ClientCertificateResult result) {
  switch (result) {
    case ClientCertificateResult::verified:
      return "verified";
    case ClientCertificateResult::absent:
      return "absent";
    case ClientCertificateResult::untrusted:
      return "untrusted";
    case ClientCertificateResult::expired:
      return "expired";
    case ClientCertificateResult::revoked:
      return "revoked";
    case ClientCertificateResult::not_allowed:
      return "not_allowed";
    case ClientCertificateResult::invalid:
      return "invalid";
  }
  return "invalid";
}

std::optional<ClientCertificateResult> parse_client_certificate_result(std::string_view text) {
  for (const ClientCertificateResult result : kClientCertificateResults) {
    if (to_string(result) == text) return result;
  }
  return std::nullopt;
}

}  // namespace tlsfloor::config
