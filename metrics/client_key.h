#pragma once
// Who a client is, for per-client accounting: its source address masked to a configurable
// prefix, so that a /24 or a /64 can be counted as one client.
#include <boost/asio/ip/address.hpp>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace tlsfloor::metrics {

/// A source address already masked to its prefix, plus the prefix length. Compact (18 bytes,
/// no heap) so that per-client tables stay small, and totally ordered so that they can be
/// kept in ordered containers and printed deterministically.
struct ClientKey {
  enum class Family : std::uint8_t { ipv4, ipv6 };

  /// Network byte order. An IPv4 address uses the first 4 bytes; the rest stay zero so that
  /// equal keys are equal byte for byte.
  std::array<std::uint8_t, 16> bytes{};
  Family family = Family::ipv4;
  /// Prefix length in bits: at most 32 for IPv4, 128 for IPv6.
  std::uint8_t prefix = 32;

  friend auto operator<=>(const ClientKey&, const ClientKey&) = default;
};

/// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4
/// peer) as the IPv4 address it stands for; any other address as it is. One client is one
/// address whichever socket it came in on: for its key, its exceptions and its log lines.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address);

/// The key of `address` with the host bits beyond the prefix cleared. IPv4-mapped IPv6
/// addresses (::ffff:a.b.c.d, what a dual-stack socket reports for IPv4 peers) are keyed as
/// the IPv4 address, so one client is one key whichever socket it came in on. A prefix longer
/// than the family allows is clamped to full length. An IPv6 scope id is not part of the key.
ClientKey make_client_key(const boost::asio::ip::address& address, unsigned ipv4_prefix,
                          unsigned ipv6_prefix);

/// The metric-label spelling: the bare address for a full-length prefix ("192.0.2.10",
/// "2001:db8::1"), else CIDR notation ("192.0.2.0/24", "2001:db8::/64").
std::string to_string(const ClientKey& key);

}  // namespace tlsfloor::metrics

/// Hashing consistent with ClientKey's equality.
template <>
struct std::hash<tlsfloor::metrics::ClientKey> {
  std::size_t operator()(const tlsfloor::metrics::ClientKey& key) const noexcept;
};
