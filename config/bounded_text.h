#pragma once
// Text that came from a client (SNI, ALPN names, fingerprints, cipher names) is kept at a bounded
// length wherever tlsfloor stores it: one cap, one rule.
#include <cstddef>
#include <string>
#include <string_view>

namespace tlsfloor::config {

/// The most bytes of one client-supplied value that tlsfloor keeps (a DNS name is at most 253).
inline constexpr std::size_t kMaxClientText = 255;

/// `text` with ASCII letters in lower case: host names (SNI, exception and admin names, Host
/// headers) compare without case, and only ASCII ever differs in case in them.
std::string ascii_lowercase(std::string_view text);

/// Whether `text` is a syntactically valid host name: dot-separated labels of 1 to 63 ASCII
/// letters, digits, '-' and '_' (seen in real DNS names), neither starting nor ending with '-',
/// 253 characters at most, an optional trailing dot. Only such a name is ever passed on from a
/// client's SNI to an upstream (the PROXY protocol's AUTHORITY): anything else, CR and LF
/// included, could be read as something else by whoever reads it there.
bool is_host_name(std::string_view text);

/// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
/// sequence: a cut inside one would leave invalid UTF-8 for the JSON and metric labels after it.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes = kMaxClientText);

}  // namespace tlsfloor::config
