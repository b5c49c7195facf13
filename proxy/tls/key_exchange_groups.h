#pragma once
// Key-exchange groups (tls.groups) as BoringSSL applies them: which groups this build of the
// library can negotiate (Debian's has X25519, P-256, P-384, P-521, P-224 and CECPQ2, and no
// ML-KEM), the group lists connections are given, and what is wrong with a configured list.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"

namespace tlsfloor::tls {

/// Every group the library can negotiate (asked of the library once): X25519, P-256, P-384 and
/// P-521 first, then the others by code point.
std::span<const std::uint16_t> library_groups();

/// What is wrong with `groups` for a route whose clients negotiate `lowest` .. `highest`
/// ("groups: X25519MLKEM768 cannot be negotiated by this TLS library (it has X25519, ...)"), or
/// nullopt when nothing is.
std::optional<std::string> groups_problem(std::span<const std::uint16_t> groups,
                                          config::TlsVersion lowest, config::TlsVersion highest);

/// The code tlsfloor_key_exchange_handshakes_total counts a negotiated `group` under: itself
/// when the library has it, 0 (none) for 0, metrics::kOtherGroup (0xffff) otherwise.
std::uint16_t group_label_code(std::uint16_t group);

/// `groups` in the syntax SSL_set1_curves_list() reads ("X25519:P-256").
std::string library_group_list(std::span<const std::uint16_t> groups);

/// The groups a legacy client let in is given: `floor` in its order, then every other group the
/// library has. Whoever the library can serve is served; nobody else is offered these.
std::vector<std::uint16_t> compatibility_groups(std::span<const std::uint16_t> floor);

}  // namespace tlsfloor::tls
