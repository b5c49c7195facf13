#pragma once
// The legacy client tracker's tests and its series' tests draw the same clients: client number
// `n` as a distinct IPv4 address in 10.0.0.0/8, seen at TLS 1.0 or 1.1.
#include <array>
#include <cstdint>

#include "config/address_prefix.h"
#include "config/tls_version.h"

namespace tlsfloor::metrics {

inline constexpr std::uint16_t kTls10 = config::wire::kTls1_0;
inline constexpr std::uint16_t kTls11 = config::wire::kTls1_1;

inline config::AddressPrefix client(std::uint32_t n) {
  const std::uint32_t address = 0x0a000000u + n;  // 10.0.0.n
  return config::ipv4_address(std::array<std::uint8_t, 4>{
      static_cast<std::uint8_t>(address >> 24), static_cast<std::uint8_t>(address >> 16),
      static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)});
}

}  // namespace tlsfloor::metrics
