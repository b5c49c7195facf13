#include "proxy/policy/exceptions.h"

#include <algorithm>
#include <cctype>

namespace tlsfloor::policy {
namespace {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool address_matches(const std::vector<config::AddressPrefix>& prefixes,
                     const config::AddressPrefix& address) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const config::AddressPrefix& prefix) {
    return config::contains(prefix, address);
  });
}

}  // namespace

bool server_name_matches(std::string_view pattern, std::string_view name) {
  if (name.empty()) return false;
  if (!pattern.starts_with("*.")) return equal_ignoring_case(pattern, name);
  const std::string_view domain = pattern.substr(1);  // ".example.com"
  if (name.size() <= domain.size()) return false;
  const std::string_view label = name.substr(0, name.size() - domain.size());
  return label.find('.') == std::string_view::npos &&
         equal_ignoring_case(name.substr(label.size()), domain);
}

std::optional<MatchedException> match_exception(
    const std::vector<config::ExceptionConfig>& exceptions, const ClientIdentity& client,
    config::Timestamp now) {
  for (std::size_t index = 0; index < exceptions.size(); ++index) {
    const config::ExceptionConfig& exception = exceptions[index];
    if (now >= exception.expires) continue;
    if (!exception.clients.empty() && !address_matches(exception.clients, client.address)) continue;
    if (!exception.server_names.empty() &&
        std::none_of(exception.server_names.begin(), exception.server_names.end(),
                     [&](const std::string& pattern) {
                       return server_name_matches(pattern, client.server_name);
                     })) {
      continue;
    }
    if (!exception.ja4.empty() &&
        std::find(exception.ja4.begin(), exception.ja4.end(), client.ja4) == exception.ja4.end()) {
      continue;
    }
    return MatchedException{index, &exception};
  }
  return std::nullopt;
}

}  // namespace tlsfloor::policy
