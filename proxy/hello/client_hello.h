#pragma once
// Reading a TLS ClientHello into plain facts. Pure: no SSL*, no sockets, so it is unit-tested
// and fuzzed on raw bytes. The input is the handshake message body (what BoringSSL's early
// callback hands over in SSL_CLIENT_HELLO::client_hello), without record or handshake headers.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tlsfloor::hello {

/// TLS extension types (IANA registry) that tlsfloor reads from a ClientHello.
namespace extension_type {
inline constexpr std::uint16_t kServerName = 0;
inline constexpr std::uint16_t kSupportedGroups = 10;
inline constexpr std::uint16_t kEcPointFormats = 11;
inline constexpr std::uint16_t kSignatureAlgorithms = 13;
inline constexpr std::uint16_t kAlpn = 16;
inline constexpr std::uint16_t kSupportedVersions = 43;
inline constexpr std::uint16_t kKeyShare = 51;
}  // namespace extension_type

/// ALPN names kept of a ClientHello: real clients offer two or three. The rest are only counted,
/// so a hello stuffed with thousands of one-byte names costs no more than a normal one.
inline constexpr std::size_t kMaxAlpnKept = 8;
/// Key shares kept of a ClientHello (their groups only): real clients send one to three, each
/// costing a key generation. The rest are only counted, as ALPN names are.
inline constexpr std::size_t kMaxKeySharesKept = 8;
/// The longest SNI host name accepted (RFC 6066 and DNS: 255 bytes; BoringSSL refuses longer
/// ones too, but only after the early callback has run).
inline constexpr std::size_t kMaxServerNameBytes = 255;

/// Facts from one ClientHello. Lists keep the client's order and include GREASE values
/// (fingerprints need both); use is_grease() to skip them.
struct ClientHello {
  std::uint16_t legacy_version = 0;  // the hello's `client_version` field
  std::vector<std::uint16_t> cipher_suites;
  std::vector<std::uint8_t> compression_methods;
  std::vector<std::uint16_t> extensions;  // extension types, in order
  bool has_supported_versions = false;
  std::vector<std::uint16_t> supported_versions;  // extension 43, in order
  std::string server_name;                        // SNI host_name (ext 0); empty when absent
  std::vector<std::string> alpn;                  // ext 16, in order: the first kMaxAlpnKept
  std::size_t alpn_offered = 0;                   // ext 16: how many names it holds in all
  std::vector<std::uint16_t> supported_groups;    // ext 10
  /// Ext 51 (TLS 1.3): the group of each key share, in order, GREASE left out (no fingerprint
  /// reads key shares): the first kMaxKeySharesKept.
  std::vector<std::uint16_t> key_share_groups;
  std::size_t key_shares_offered = 0;  // ext 51: how many non-GREASE key shares it holds in all
  std::vector<std::uint8_t> ec_point_formats;       // ext 11
  std::vector<std::uint16_t> signature_algorithms;  // ext 13
};

/// Parses a ClientHello body. Returns nullopt when any length runs past its container, a
/// required field is missing, an extension appears twice, an SNI host name is longer than
/// kMaxServerNameBytes, or bytes trail the message: a malformed hello is never half-read. What
/// it keeps is bounded by the hello's size, its ALPN names by kMaxAlpnKept and its key shares by
/// kMaxKeySharesKept. A key share's framing is checked, not its key: that is the library's.
std::optional<ClientHello> parse_client_hello(std::span<const std::uint8_t> body);

/// RFC 8701 GREASE values (0x0a0a, 0x1a1a, ... 0xfafa).
bool is_grease(std::uint16_t value);

/// The highest version the client offers, as a wire code. With supported_versions: its largest
/// known TLS value (GREASE, drafts and unknown codes ignored; 0 if none is left). Without it:
/// the legacy version field, capped at TLS 1.2 because TLS 1.3 can only be offered through
/// supported_versions (RFC 8446 4.2.1).
std::uint16_t highest_offered_version(const ClientHello& hello);

/// Whether the client can verify an ECDSA certificate whose key is on curve `group` (a TLS
/// group id: 23 for P-256, 24 for P-384) and signs with `tls13_scheme` in TLS 1.3 (0x0403 for
/// P-256, 0x0503 for P-384). In TLS 1.3 (`tls13`: the version that will be negotiated) it must
/// offer that scheme. Below, it must offer an ECDHE_ECDSA suite, an ECDSA signature algorithm
/// if it sends the extension (without it, RFC 5246 lets ECDSA suites default to SHA-1; TLS 1.0
/// and 1.1 have none) and the key's curve if it lists groups.
bool can_verify_ecdsa(const ClientHello& hello, bool tls13, std::uint16_t group,
                      std::uint16_t tls13_scheme);

/// Every version the client offers, in its order: supported_versions without GREASE when the
/// extension is present, else just the legacy version field.
std::vector<std::uint16_t> offered_versions(const ClientHello& hello);

}  // namespace tlsfloor::hello
