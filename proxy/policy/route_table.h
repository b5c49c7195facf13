#pragma once
// Which route of a listener serves a client, from the SNI it sent. Built once per configuration;
// a lookup is one hash probe for the exact name and at most one per label for wildcards, so a
// listener with a thousand routes decides as fast as one with none. And which of a route's
// upstreams serves it, from the ALPN protocol its handshake negotiated.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"

namespace tlsfloor::policy {

class RouteTable {
 public:
  /// The default route (the listener's own keys); route `i` of the configuration is `i + 1`.
  static constexpr std::size_t kDefault = 0;

  RouteTable() = default;
  explicit RouteTable(const std::vector<config::RouteConfig>& routes);

  /// The route for `server_name` as the client sent it: compared case-insensitively, a trailing
  /// dot ignored; an exact name beats a wildcard, a longer wildcard a shorter one. No SNI, an IP
  /// literal, or no match: kDefault.
  std::size_t match(std::string_view server_name) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };
  using Names = std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>>;
  Names exact_;
  Names wildcard_;  // "*.example.com" is kept as "example.com"
};

/// upstream_for_alpn()'s answer for a route's own `upstream`; entry `i` of its upstream_by_alpn
/// is `i + 1`.
inline constexpr std::size_t kFallbackUpstream = 0;

/// Which upstream of a route serves a connection whose handshake negotiated `negotiated` by ALPN
/// (empty: none was): the entry of `by_alpn` (the route's upstream_by_alpn) for that protocol,
/// compared byte for byte as ALPN names are, else kFallbackUpstream. A map holds a few protocols:
/// a scan is faster than a hash.
std::size_t upstream_for_alpn(const std::vector<config::AlpnUpstream>& by_alpn,
                              std::string_view negotiated);

}  // namespace tlsfloor::policy
