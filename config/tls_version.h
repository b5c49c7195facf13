#pragma once
// TLS protocol versions as configured and as seen on the wire.
#include <cstdint>
#include <optional>
#include <string_view>

namespace tlsfloor::config {

/// The TLS versions tlsfloor can be configured with; the values are the wire codes.
enum class TlsVersion : std::uint16_t {
  tls1_0 = 0x0301,
  tls1_1 = 0x0302,
  tls1_2 = 0x0303,
  tls1_3 = 0x0304,
};

/// Parses the configuration spelling `TLS1.0` .. `TLS1.3` (exactly; anything else is nullopt).
std::optional<TlsVersion> parse_tls_version(std::string_view text);

/// The configuration and metric-label spelling: `TLS1.0` .. `TLS1.3`.
std::string_view to_string(TlsVersion version);

/// Maps a wire code to a version tlsfloor knows; nullopt for SSL 3.0, drafts, GREASE and others.
std::optional<TlsVersion> tls_version_from_wire(std::uint16_t wire);

/// Label for any wire code: `TLS1.0` .. `TLS1.3`, `SSL3.0` for 0x0300, `unknown` otherwise
/// (including 0, which callers use for "nothing could be read").
std::string_view wire_version_label(std::uint16_t wire);

}  // namespace tlsfloor::config
