#pragma once
// Client networks as written in exception lists: "192.0.2.10", "10.20.0.0/16", "2001:db8::/48".
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tlsfloor::config {

struct AddressPrefix {
  std::array<std::uint8_t, 16> bytes{};  // network byte order; IPv4 uses the first 4
  bool ipv6 = false;
  std::uint8_t length = 32;  // prefix length in bits
  std::string text;          // as written, for messages and JSON
  friend bool operator==(const AddressPrefix&, const AddressPrefix&) = default;
};

/// Parses an address (a full-length prefix) or CIDR. nullopt with a reason in `error` for
/// anything else, including a prefix with host bits set ("10.20.0.1/16"): the writer meant
/// either the network or the host, and guessing wrong would exempt the wrong clients.
std::optional<AddressPrefix> parse_address_prefix(std::string_view text, std::string* error);

/// Whether `address` (same byte layout; IPv4-mapped IPv6 must already be unmapped by the caller)
/// lies inside `prefix`.
bool contains(const AddressPrefix& prefix, const std::array<std::uint8_t, 16>& address, bool ipv6);

}  // namespace tlsfloor::config
