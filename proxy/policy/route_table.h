#pragma once
// Which route of a listener serves a client, from the SNI it sent. Built once per configuration;
// a lookup is one hash probe for the exact name and at most one per label for wildcards, so a
// listener with a thousand routes decides as fast as one with none.
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

}  // namespace tlsfloor::policy
