#pragma once
// The shapes of the names a configuration writes (label-safe names, server names, JA4s),
// shared by the configuration's parser and the owner directory's, which must agree on them.
#include <string>
#include <string_view>

namespace tlsfloor::config {

/// Label values and log keys: letters, digits, '_', '.' and '-' (never needing escapes in
/// Prometheus labels or log processors).
bool is_valid_name(std::string_view name);

/// What is wrong with a server name as a route matches it (lower case, no trailing dot), or ""
/// when it is a host name or "*." and a domain.
std::string route_name_problem(std::string_view name);

/// The shape of a JA4 TLS fingerprint: a 10-character prefix and two 12-digit hex hashes.
bool looks_like_ja4(std::string_view text);

}  // namespace tlsfloor::config
