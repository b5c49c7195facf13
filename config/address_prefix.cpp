#include "config/address_prefix.h"

#include <arpa/inet.h>

#include <charconv>

namespace tlsfloor::config {
namespace {

// Whether the bits of `bytes` from `length` on are all zero.
bool host_bits_clear(const std::array<std::uint8_t, 16>& bytes, unsigned length, unsigned total) {
  for (unsigned bit = length; bit < total; ++bit) {
    if ((bytes[bit / 8] >> (7 - bit % 8)) & 1) return false;
  }
  return true;
}

}  // namespace

std::optional<AddressPrefix> parse_address_prefix(std::string_view text, std::string* error) {
  const auto fail = [&](const char* why) -> std::optional<AddressPrefix> {
    if (error != nullptr) *error = why;
    return std::nullopt;
  };
  const std::size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  AddressPrefix prefix;
  prefix.text = std::string(text);
  if (inet_pton(AF_INET, address.c_str(), prefix.bytes.data()) == 1) {
    prefix.ipv6 = false;
  } else if (inet_pton(AF_INET6, address.c_str(), prefix.bytes.data()) == 1) {
    prefix.ipv6 = true;
  } else {
    return fail("not an IP address");
  }
  const unsigned total = prefix.ipv6 ? 128 : 32;
  unsigned length = total;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        length > total) {
      return fail(prefix.ipv6 ? "the prefix length must be 0 to 128"
                              : "the prefix length must be 0 to 32");
    }
  }
  if (!host_bits_clear(prefix.bytes, length, total)) {
    return fail("host bits are set after the prefix length (write the network address)");
  }
  prefix.length = static_cast<std::uint8_t>(length);
  return prefix;
}

bool contains(const AddressPrefix& prefix, const std::array<std::uint8_t, 16>& address, bool ipv6) {
  if (prefix.ipv6 != ipv6) return false;
  const unsigned full_bytes = prefix.length / 8;
  for (unsigned i = 0; i < full_bytes; ++i) {
    if (address[i] != prefix.bytes[i]) return false;
  }
  const unsigned rest = prefix.length % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (address[full_bytes] & mask) == prefix.bytes[full_bytes];
}

}  // namespace tlsfloor::config
