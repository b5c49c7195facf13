#include "proxy/policy/route_table.h"

#include <algorithm>
#include <array>

namespace tlsfloor::policy {
namespace {

// The longest host name DNS allows; a longer SNI can match no configured name.
constexpr std::size_t kMaxHostName = 253;

// Clients that connect by address send none, but some send the address anyway: "192.0.2.1"
// (no top-level domain is all digits) or an IPv6 literal.
bool is_ip_literal(std::string_view name) {
  if (name.find(':') != std::string_view::npos) return true;
  const std::size_t dot = name.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  return !last.empty() &&
         std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

RouteTable::RouteTable(const std::vector<config::RouteConfig>& routes) {
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const auto index = static_cast<std::uint32_t>(i + 1);
    // Names arrive lower case, without a trailing dot, each claimed once (the parser checks).
    for (const std::string& name : routes[i].server_names) {
      if (name.starts_with("*.")) {
        wildcard_.emplace(name.substr(2), index);
      } else {
        exact_.emplace(name, index);
      }
    }
  }
}

std::size_t RouteTable::match(std::string_view server_name) const {
  if (server_name.ends_with('.')) server_name.remove_suffix(1);
  if (server_name.empty() || server_name.size() > kMaxHostName) return kDefault;
  if (exact_.empty() && wildcard_.empty()) return kDefault;
  // Lower case on the stack: no allocation per handshake.
  std::array<char, kMaxHostName> buffer{};
  std::transform(server_name.begin(), server_name.end(), buffer.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  const std::string_view name(buffer.data(), server_name.size());
  if (is_ip_literal(name)) return kDefault;
  if (const auto exact = exact_.find(name); exact != exact_.end()) return exact->second;
  // Drop one label at a time from the left: the first suffix found is the longest wildcard.
  for (std::size_t dot = name.find('.'); dot != std::string_view::npos;
       dot = name.find('.', dot + 1)) {
    if (const auto wildcard = wildcard_.find(name.substr(dot + 1)); wildcard != wildcard_.end()) {
      return wildcard->second;
    }
  }
  return kDefault;
}

std::size_t upstream_for_alpn(const std::vector<config::AlpnUpstream>& by_alpn,
                              std::string_view negotiated) {
  if (negotiated.empty()) return kFallbackUpstream;
  for (std::size_t i = 0; i < by_alpn.size(); ++i) {
    if (by_alpn[i].protocol == negotiated) return i + 1;
  }
  return kFallbackUpstream;
}

}  // namespace tlsfloor::policy
