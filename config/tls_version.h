#pragma once
// TLS protocol versions as configured and as seen on the wire.
#include <cstddef>
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

/// The wire codes of the versions tlsfloor can name, for code that works on what clients send.
namespace wire {
inline constexpr std::uint16_t kSsl3_0 = 0x0300;
inline constexpr std::uint16_t kTls1_0 = 0x0301;
inline constexpr std::uint16_t kTls1_1 = 0x0302;
inline constexpr std::uint16_t kTls1_2 = 0x0303;
inline constexpr std::uint16_t kTls1_3 = 0x0304;
}  // namespace wire

/// Parses the configuration spelling `TLS1.0` .. `TLS1.3` (exactly; anything else is nullopt).
std::optional<TlsVersion> parse_tls_version(std::string_view text);

/// The configuration and metric-label spelling: `TLS1.0` .. `TLS1.3`.
std::string_view to_string(TlsVersion version);

/// Maps a wire code to a version tlsfloor knows; nullopt for SSL 3.0, drafts, GREASE and others.
std::optional<TlsVersion> tls_version_from_wire(std::uint16_t wire);

/// Label for any wire code: `TLS1.0` .. `TLS1.3`, `SSL3.0` for 0x0300, `unknown` otherwise
/// (including 0, which callers use for "nothing could be read").
std::string_view wire_version_label(std::uint16_t wire);

/// The one normalisation of wire codes from clients: SSL 3.0 .. TLS 1.3 stay as they are, every
/// other code (drafts, GREASE, the arbitrary legacy_version a hello without supported_versions
/// may claim) becomes 0, "unknown". Keeps anything keyed by version bounded to six values.
std::uint16_t normalised_wire_version(std::uint16_t wire);

/// The number of distinct labels wire_version_label() gives.
inline constexpr std::size_t kWireVersionLabels = 6;
/// A dense index per label, for arrays keyed by version: 0 unknown, 1 SSL3.0, 2 TLS1.0 .. 5 TLS1.3.
std::size_t wire_version_index(std::uint16_t wire);
/// Its inverse: the wire code of an index below kWireVersionLabels (0 for unknown).
constexpr std::uint16_t wire_version_at_index(std::size_t index) {
  return index == 0 ? 0 : static_cast<std::uint16_t>(wire::kSsl3_0 + index - 1);
}

/// The inverse of wire_version_label(): `SSL3.0` .. `TLS1.3`, and `unknown` as 0; nullopt for
/// anything else.
std::optional<std::uint16_t> wire_version_from_label(std::string_view label);

}  // namespace tlsfloor::config
