#include "config/name_checks.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <string>

namespace tlsfloor::config {

// Label values and log keys: the characters Prometheus and log processors never need escaped.
bool is_valid_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

// What is wrong with a route's server name (lower case, trailing dot removed), or "" when it is a
// host name or "*." and a domain.
std::string route_name_problem(std::string_view name) {
  const std::string_view host = name.starts_with("*.") ? name.substr(2) : name;
  if (host.empty()) return "expected a host name or *.domain";
  if (host.size() > 253) return "longer than a host name can be (253 characters)";
  if (host.find('*') != std::string_view::npos) {
    return "a wildcard is only allowed as the whole first label (*.example.com)";
  }
  in6_addr ipv6{};
  in_addr ipv4{};
  const std::string text(host);
  if (::inet_pton(AF_INET, text.c_str(), &ipv4) == 1 ||
      ::inet_pton(AF_INET6, text.c_str(), &ipv6) == 1) {
    return "an IP address is never sent as SNI (clients that connect by address get the "
           "default route)";
  }
  const bool valid_characters = std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
  if (!valid_characters || host.starts_with('.') || host.find("..") != std::string_view::npos ||
      host.ends_with('.')) {
    return "expected a host name (letters, digits, '-' and '_' in dot-separated labels)";
  }
  return "";
}

// The shape of a JA4 TLS fingerprint: a 10-character prefix and two 12-digit hex hashes.
bool looks_like_ja4(std::string_view text) {
  if (text.size() != 36 || text[10] != '_' || text[23] != '_') return false;
  const auto hex = [](std::string_view part) {
    return part.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  };
  return text.substr(0, 10).find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") ==
             std::string_view::npos &&
         hex(text.substr(11, 12)) && hex(text.substr(24, 12));
}

}  // namespace tlsfloor::config
