#pragma once
// host:port pairs as written in the configuration.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tlsfloor::config {

/// An address to listen on or connect to. `host` is an IPv4 or IPv6 literal (without brackets)
/// or, for upstreams only, a DNS name resolved at connect time.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;

  /// `1.2.3.4:80`, `[::1]:8443`, `backend.local:8080`.
  std::string to_string() const;
  bool host_is_ip_literal() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

/// Parses `host:port` / `[v6]:port`. Port 0 is allowed (the kernel picks one; tests use it).
/// On failure returns nullopt and, if `error` is given, says what is wrong in a few words.
std::optional<Endpoint> parse_endpoint(std::string_view text, std::string* error = nullptr);

}  // namespace tlsfloor::config
