#include "metrics/client_key.h"

#include <algorithm>
#include <cstring>

namespace tlsfloor::metrics {
namespace {

namespace ip = boost::asio::ip;

// Clears every bit after the first `prefix` bits of the first `length` bytes.
void mask(std::array<std::uint8_t, 16>& bytes, std::size_t length, unsigned prefix) {
  for (std::size_t i = 0; i < length; ++i) {
    const unsigned first_bit = static_cast<unsigned>(i) * 8;
    if (prefix >= first_bit + 8) continue;
    const unsigned kept = prefix > first_bit ? prefix - first_bit : 0;
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

}  // namespace

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

ClientKey make_client_key(const ip::address& mapped, unsigned ipv4_prefix, unsigned ipv6_prefix) {
  ClientKey key;
  const ip::address address = unmapped(mapped);
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), key.bytes.begin());
    key.family = ClientKey::Family::ipv4;
    key.prefix = static_cast<std::uint8_t>(std::min(ipv4_prefix, 32u));
    mask(key.bytes, 4, key.prefix);
  } else {
    const auto bytes = address.to_v6().to_bytes();
    std::copy(bytes.begin(), bytes.end(), key.bytes.begin());
    key.family = ClientKey::Family::ipv6;
    key.prefix = static_cast<std::uint8_t>(std::min(ipv6_prefix, 128u));
    mask(key.bytes, 16, key.prefix);
  }
  return key;
}

std::string to_string(const ClientKey& key) {
  std::string text;
  unsigned full_length = 0;
  if (key.family == ClientKey::Family::ipv4) {
    ip::address_v4::bytes_type bytes;
    std::copy_n(key.bytes.begin(), bytes.size(), bytes.begin());
    text = ip::address_v4(bytes).to_string();
    full_length = 32;
  } else {
    text = ip::address_v6(key.bytes).to_string();
    full_length = 128;
  }
  if (key.prefix < full_length) {
    text += '/';
    text += std::to_string(key.prefix);
  }
  return text;
}

}  // namespace tlsfloor::metrics

std::size_t std::hash<tlsfloor::metrics::ClientKey>::operator()(
    const tlsfloor::metrics::ClientKey& key) const noexcept {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  std::memcpy(&high, key.bytes.data(), sizeof high);
  std::memcpy(&low, key.bytes.data() + sizeof high, sizeof low);
  const std::uint64_t tag = (static_cast<std::uint64_t>(key.family) << 8) | key.prefix;
  using tlsfloor::metrics::mix;
  return static_cast<std::size_t>(mix(mix(mix(high) ^ low) ^ tag));
}
