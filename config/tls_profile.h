#pragma once
// Named, published TLS policies (tls.profile): the versions, TLS 1.0-1.2 suites and key-exchange
// groups each sets, as far as this TLS library can apply them, with what it leaves out and why.
// Data only; the parser applies a profile before the keys written beside it, so those override
// it key by key, and `tlsfloor --check` prints what each route's profile came to.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/tls_version.h"

namespace tlsfloor::config {

struct TlsProfile {
  std::string_view name;  // as written in tls.profile: "mozilla-intermediate"
  /// The published document and version it follows, for --check and the README.
  std::string_view source;
  TlsVersion min_version = TlsVersion::tls1_2;
  TlsVersion max_version = TlsVersion::tls1_3;
  /// tls.ciphers, in BoringSSL's names and the policy's order (tlsfloor keeps the server's).
  std::string_view ciphers;
  /// tls.groups, in the policy's order.
  std::span<const std::uint16_t> groups;
  /// What the policy asks that BoringSSL cannot do, and how the profile differs for it; said by
  /// --check, so that nobody believes a listener offers what it cannot.
  std::string_view left_out;
};

/// Every profile, in the order the README lists them.
std::span<const TlsProfile> tls_profiles();

/// The profile named `name` (exactly as written), or nullptr.
const TlsProfile* find_tls_profile(std::string_view name);

/// What `tlsfloor --check` says of every listener and route with a tls.profile: the profile and
/// its source, the versions, suites and groups in force (a key written beside the profile is
/// marked "(set here)"), and what the profile leaves out. Lines, in configuration order.
std::vector<std::string> describe_profiles(const Config& config);

}  // namespace tlsfloor::config
