#pragma once
// Key-exchange groups (TLS "supported groups", RFC 8446 4.2.7 and the IANA registry) as every
// view names them: the log, the metrics, the report and the configuration. A shared value type,
// so that the policy and the report need nothing of the TLS library to judge what a client
// offers (proxy/tls/ knows which of these the library can negotiate).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tlsfloor::config {

/// Code points tlsfloor has a use for beyond naming them.
namespace group {
inline constexpr std::uint16_t kP224 = 0x0015;    // secp224r1
inline constexpr std::uint16_t kP256 = 0x0017;    // secp256r1
inline constexpr std::uint16_t kP384 = 0x0018;    // secp384r1
inline constexpr std::uint16_t kP521 = 0x0019;    // secp521r1
inline constexpr std::uint16_t kX25519 = 0x001d;  // x25519
inline constexpr std::uint16_t kX448 = 0x001e;
inline constexpr std::uint16_t kSecP256r1MLKEM768 = 0x11eb;
inline constexpr std::uint16_t kX25519MLKEM768 = 0x11ec;
inline constexpr std::uint16_t kSecP384r1MLKEM1024 = 0x11ed;
inline constexpr std::uint16_t kCecpq2 = 0x4138;  // X25519 with HRSS, Google's 2019 experiment
inline constexpr std::uint16_t kX25519Kyber768Draft00 = 0x6399;
inline constexpr std::uint16_t kSecP256r1Kyber768Draft00 = 0x639a;
}  // namespace group

/// The groups BoringSSL offers when none are configured, in its order: tls.groups' default, so
/// that an upgrade changes nothing a client is offered.
inline constexpr std::uint16_t kDefaultGroups[] = {group::kX25519, group::kP256, group::kP384};

/// The name every view gives `code`: "X25519", "P-256" (the NIST curves as BoringSSL and
/// OpenSSL's configuration name them), "X25519MLKEM768", "ffdhe2048", the IANA name for the rest
/// of the registry; "0x11ee" (four lowercase hex digits) for a code it does not know, so that a
/// new group shows as itself rather than as "unknown". GREASE values are hex too.
std::string group_name(std::uint16_t code);

/// The code `text` names: any name group_name() gives (case-insensitive), the IANA and OpenSSL
/// aliases of the NIST curves (secp256r1, prime256v1) and "0x" with four hex digits. nullopt
/// for anything else.
std::optional<std::uint16_t> parse_group(std::string_view text);

/// Whether `code` is a post-quantum key exchange: ML-KEM alone or in a hybrid with a classical
/// group (X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024), the Kyber drafts browsers
/// shipped first (X25519Kyber768Draft00, SecP256r1Kyber768Draft00) and CECPQ2.
bool is_post_quantum(std::uint16_t code);

/// Whether `code` is a TLS 1.3 key exchange only: the post-quantum groups and the brainpool
/// curves registered for TLS 1.3. Others also serve ECDHE or DHE suites in TLS 1.2 and below.
bool is_tls13_only(std::uint16_t code);

/// Whether any of `codes` is post-quantum.
bool offers_post_quantum(std::span<const std::uint16_t> codes);

/// Whether a client offering the groups `offered` (any order, GREASE included or not) shares one
/// with `groups`. O(offered x groups) without allocating; `groups` holds a handful.
bool shares_group(std::span<const std::uint16_t> offered, std::span<const std::uint16_t> groups);

/// The group a server that prefers `server` (in its order) agrees on with a client offering
/// `offered`: the first of `server` the client offers; 0 when none is. What BoringSSL does with
/// the server's preference (tlsfloor always sets it); in TLS 1.3 a client that sent no key
/// share for it is asked for one (HelloRetryRequest) and ends with the same group.
std::uint16_t preferred_group(std::span<const std::uint16_t> offered,
                              std::span<const std::uint16_t> server);

/// `codes` by name, joined with ':' ("X25519:P-256"): how tls.groups and the report print a list.
std::string group_list_text(std::span<const std::uint16_t> codes);

/// A ':'-separated list of group names (a YAML list is joined the same way), in order. nullopt
/// with `error` naming the first entry parse_group() does not know, an empty entry or a group
/// named twice.
std::optional<std::vector<std::uint16_t>> parse_group_list(std::string_view text,
                                                           std::string& error);

}  // namespace tlsfloor::config
