#include "config/tls_version.h"

namespace tlsfloor::config {

std::optional<TlsVersion> parse_tls_version(std::string_view text) {
  // Exact spellings only: a case-insensitive or "1.2"-style match would make a config that
  // another tool (or a later tlsfloor) reads differently.
  if (text == "TLS1.0") return TlsVersion::tls1_0;
  if (text == "TLS1.1") return TlsVersion::tls1_1;
  if (text == "TLS1.2") return TlsVersion::tls1_2;
  if (text == "TLS1.3") return TlsVersion::tls1_3;
  return std::nullopt;
}

std::string_view to_string(TlsVersion version) {
  // Goes through the wire label so an out-of-range enum value (a cast from a wire code) still
  // yields a stable metric label instead of undefined output.
  return wire_version_label(static_cast<std::uint16_t>(version));
}

std::optional<TlsVersion> tls_version_from_wire(std::uint16_t wire) {
  switch (wire) {
    case 0x0301:
      return TlsVersion::tls1_0;
    case 0x0302:
      return TlsVersion::tls1_1;
    case 0x0303:
      return TlsVersion::tls1_2;
    case 0x0304:
      return TlsVersion::tls1_3;
    default:
      return std::nullopt;
  }
}

std::string_view wire_version_label(std::uint16_t wire) {
  switch (wire) {
    case 0x0300:
      return "SSL3.0";
    case 0x0301:
      return "TLS1.0";
    case 0x0302:
      return "TLS1.1";
    case 0x0303:
      return "TLS1.2";
    case 0x0304:
      return "TLS1.3";
    default:
      // A fixed label (not the hex code) keeps metric cardinality bounded against GREASE and
      // arbitrary values sent by clients.
      return "unknown";
  }
}

std::uint16_t normalised_wire_version(std::uint16_t wire) {
  return wire >= wire::kSsl3_0 && wire <= wire::kTls1_3 ? wire : 0;
}

std::size_t wire_version_index(std::uint16_t wire) {
  const std::uint16_t known = normalised_wire_version(wire);
  return known == 0 ? 0 : known - wire::kSsl3_0 + 1;
}

std::optional<std::uint16_t> wire_version_from_label(std::string_view label) {
  if (label == "unknown") return 0;
  for (std::uint16_t wire = wire::kSsl3_0; wire <= wire::kTls1_3; ++wire) {
    if (wire_version_label(wire) == label) return wire;
  }
  return std::nullopt;
}

}  // namespace tlsfloor::config
