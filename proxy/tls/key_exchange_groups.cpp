#include "proxy/tls/key_exchange_groups.h"

#include <algorithm>

#include "config/named_group.h"
#include "proxy/tls/boringssl.h"

namespace tlsfloor::tls {
namespace {

std::vector<std::uint16_t> ask_the_library() {
  std::vector<std::uint16_t> groups;
  // The library names exactly the groups it implements; the four everyone uses lead.
  for (const std::uint16_t code :
       {config::group::kX25519, config::group::kP256, config::group::kP384, config::group::kP521}) {
    if (SSL_get_curve_name(code) != nullptr) groups.push_back(code);
  }
  for (std::uint32_t code = 1; code <= 0xffff; ++code) {
    const auto group = static_cast<std::uint16_t>(code);
    if (SSL_get_curve_name(group) != nullptr &&
        std::find(groups.begin(), groups.end(), group) == groups.end()) {
      groups.push_back(group);
    }
  }
  return groups;
}

}  // namespace

std::span<const std::uint16_t> library_groups() {
  static const std::vector<std::uint16_t> groups = ask_the_library();
  return groups;
}

std::optional<std::string> groups_problem(std::span<const std::uint16_t> groups,
                                          config::TlsVersion lowest, config::TlsVersion highest) {
  const auto known = library_groups();
  for (const std::uint16_t group : groups) {
    if (std::find(known.begin(), known.end(), group) == known.end()) {
      return "groups: " + config::group_name(group) +
             " cannot be negotiated by this TLS library (it has " + config::group_list_text(known) +
             ")";
    }
  }
  if (lowest < config::TlsVersion::tls1_3 &&
      std::all_of(groups.begin(), groups.end(), config::is_tls13_only)) {
    return "groups leave " + std::string(config::to_string(lowest)) +
           " and up to TLS1.2 without a group (CECPQ2 is for TLS 1.3 only; add X25519 or P-256)";
  }
  (void)highest;
  return std::nullopt;
}

std::uint16_t group_label_code(std::uint16_t group) {
  const auto known = library_groups();
  if (group == 0 || std::find(known.begin(), known.end(), group) != known.end()) return group;
  return 0xffff;
}

std::string library_group_list(std::span<const std::uint16_t> groups) {
  std::string text;
  for (const std::uint16_t group : groups) {
    const char* name = SSL_get_curve_name(group);
    if (name == nullptr) continue;
    if (!text.empty()) text += ':';
    text += name;
  }
  return text;
}

std::vector<std::uint16_t> compatibility_groups(std::span<const std::uint16_t> floor) {
  std::vector<std::uint16_t> groups(floor.begin(), floor.end());
  for (const std::uint16_t group : library_groups()) {
    if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
  }
  return groups;
}

}  // namespace tlsfloor::tls
