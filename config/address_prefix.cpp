#include "config/address_prefix.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace tlsfloor::config {
namespace {

// Clears every bit of `bytes` from bit `length` on.
void clear_after(std::array<std::uint8_t, 16>& bytes, unsigned length) {
  for (unsigned i = 0; i < bytes.size(); ++i) {
    const unsigned first_bit = i * 8;
    if (length >= first_bit + 8) continue;
    const unsigned kept = length > first_bit ? length - first_bit : 0;
    bytes[i] &= static_cast<std::uint8_t>(0xff00u >> kept);
  }
}

// splitmix64's finaliser: spreads every input bit over the whole word.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// inet_pton of either family, as written (no unmapping).
std::optional<AddressPrefix> parse_literal(const std::string& text) {
  // inet_pton reads a C string: "192.0.2.1\0junk" would pass as 192.0.2.1 (the PROXY header
  // fuzzer found it in a v1 line; a log line or a YAML "\0" escape would pass the same way).
  if (text.find('\0') != std::string::npos) return std::nullopt;
  AddressPrefix address;
  if (inet_pton(AF_INET, text.c_str(), address.bytes.data()) == 1) {
    address.family = AddressPrefix::Family::ipv4;
    address.length = 32;
    return address;
  }
  if (inet_pton(AF_INET6, text.c_str(), address.bytes.data()) == 1) {
    address.family = AddressPrefix::Family::ipv6;
    address.length = 128;
    return address;
  }
  return std::nullopt;
}

}  // namespace

std::optional<AddressPrefix> parse_address_prefix(std::string_view text, std::string* error) {
  const auto fail = [&](const char* why) -> std::optional<AddressPrefix> {
    if (error != nullptr) *error = why;
    return std::nullopt;
  };
  const std::size_t slash = text.find('/');
  std::optional<AddressPrefix> prefix = parse_literal(std::string(text.substr(0, slash)));
  if (!prefix) return fail("not an IP address");
  const unsigned total = prefix->full_length();
  unsigned length = total;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        length > total) {
      return fail(prefix->is_ipv6() ? "the prefix length must be 0 to 128"
                                    : "the prefix length must be 0 to 32");
    }
  }
  if (masked(*prefix, length, length) !=
      AddressPrefix{prefix->bytes, prefix->family, static_cast<std::uint8_t>(length)}) {
    return fail("host bits are set after the prefix length (write the network address)");
  }
  prefix->length = static_cast<std::uint8_t>(length);
  return prefix;
}

std::optional<AddressPrefix> parse_address(std::string_view text) {
  const std::optional<AddressPrefix> address = parse_literal(std::string(text));
  if (!address || !address->is_ipv6()) return address;
  return ipv6_address(std::span<const std::uint8_t, 16>(address->bytes));
}

AddressPrefix ipv4_address(std::span<const std::uint8_t, 4> bytes) {
  AddressPrefix address;
  std::copy(bytes.begin(), bytes.end(), address.bytes.begin());
  address.family = AddressPrefix::Family::ipv4;
  address.length = 32;
  return address;
}

AddressPrefix ipv6_address(std::span<const std::uint8_t, 16> bytes) {
  static constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(std::begin(kMappedPrefix), std::end(kMappedPrefix), bytes.begin())) {
    return ipv4_address(bytes.subspan<12, 4>());
  }
  AddressPrefix address;
  std::copy(bytes.begin(), bytes.end(), address.bytes.begin());
  address.family = AddressPrefix::Family::ipv6;
  address.length = 128;
  return address;
}

AddressPrefix masked(const AddressPrefix& address, unsigned ipv4_length, unsigned ipv6_length) {
  AddressPrefix result = address;
  const unsigned wanted = address.is_ipv6() ? ipv6_length : ipv4_length;
  result.length = static_cast<std::uint8_t>(std::min<unsigned>(wanted, address.length));
  clear_after(result.bytes, result.length);
  return result;
}

bool contains(const AddressPrefix& prefix, const AddressPrefix& address) {
  if (prefix.family != address.family || address.length < prefix.length) return false;
  return masked(address, prefix.length, prefix.length).bytes == prefix.bytes;
}

std::string to_string(const AddressPrefix& prefix) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(prefix.is_ipv6() ? AF_INET6 : AF_INET, prefix.bytes.data(), text, sizeof text);
  std::string result = text;
  if (prefix.length < prefix.full_length()) {
    result += '/';
    result += std::to_string(prefix.length);
  }
  return result;
}

}  // namespace tlsfloor::config

std::size_t std::hash<tlsfloor::config::AddressPrefix>::operator()(
    const tlsfloor::config::AddressPrefix& prefix) const noexcept {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::memcpy(&high, prefix.bytes.data(), sizeof high);
  std::memcpy(&low, prefix.bytes.data() + sizeof high, sizeof low);
  const std::uint64_t tag = (static_cast<std::uint64_t>(prefix.family) << 8) | prefix.length;
  using tlsfloor::config::mix;
  return static_cast<std::size_t>(mix(mix(mix(high) ^ low) ^ tag));
}
