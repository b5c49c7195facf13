#pragma once
// An address masked to a prefix: the one type for "which addresses". It names client networks in
// exception lists ("10.20.0.0/16"), who a client is in per-client tables and reports (its source
// address masked to legacy_clients' prefix, so a /24 can be one client), and a single address
// (a full-length prefix). Compact (18 bytes, no heap), totally ordered and hashable, so tables of
// clients stay small and print deterministically.
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tlsfloor::config {

struct AddressPrefix {
  enum class Family : std::uint8_t { ipv4, ipv6 };

  /// Network byte order. IPv4 uses the first 4 bytes; the bits after `length` are zero, so equal
  /// prefixes are equal byte for byte.
  std::array<std::uint8_t, 16> bytes{};
  Family family = Family::ipv4;
  /// Prefix length in bits: at most 32 for IPv4, 128 for IPv6.
  std::uint8_t length = 32;

  bool is_ipv6() const { return family == Family::ipv6; }
  /// The family's full length in bits (32 or 128).
  unsigned full_length() const { return is_ipv6() ? 128 : 32; }
  /// The address bytes that matter: 4 for IPv4, 16 for IPv6.
  std::span<const std::uint8_t> address_bytes() const {
    return {bytes.data(), is_ipv6() ? std::size_t{16} : std::size_t{4}};
  }

  friend auto operator<=>(const AddressPrefix&, const AddressPrefix&) = default;
};

/// Parses an address (a full-length prefix) or CIDR as written in a configuration. nullopt with
/// a reason in `error` for anything else, including a prefix with host bits set
/// ("10.20.0.1/16"): the writer meant either the network or the host, and guessing wrong would
/// exempt the wrong clients. Written as is: "::ffff:10.0.0.1" stays an IPv6 prefix.
std::optional<AddressPrefix> parse_address_prefix(std::string_view text, std::string* error);

/// One address as a peer reports it ("192.0.2.1", "2001:db8::1"), unmapped (see
/// ipv6_address()); nullopt for anything else, a CIDR or a scope id included.
std::optional<AddressPrefix> parse_address(std::string_view text);

/// A full-length IPv4 address from its 4 bytes.
AddressPrefix ipv4_address(std::span<const std::uint8_t, 4> bytes);
/// A full-length IPv6 address from its 16 bytes. An IPv4-mapped address (::ffff:a.b.c.d, what a
/// dual-stack socket reports for an IPv4 peer) becomes the IPv4 address it stands for: one
/// client is one address whichever socket it came in on, for its key, exceptions and log lines.
AddressPrefix ipv6_address(std::span<const std::uint8_t, 16> bytes);

/// `address` narrowed to `ipv4_length` or `ipv6_length` bits by its family, the bits after it
/// cleared. A length beyond the current one leaves the prefix as it is.
AddressPrefix masked(const AddressPrefix& address, unsigned ipv4_length, unsigned ipv6_length);

/// Whether `prefix` contains `address` (of the same family; families never match each other).
bool contains(const AddressPrefix& prefix, const AddressPrefix& address);

/// The bare address for a full-length prefix ("192.0.2.10", "2001:db8::1"), else CIDR notation
/// ("192.0.2.0/24", "2001:db8::/64"): the metric-label, log and JSON spelling.
std::string to_string(const AddressPrefix& prefix);

}  // namespace tlsfloor::config

/// Hashing consistent with AddressPrefix's equality.
template <>
struct std::hash<tlsfloor::config::AddressPrefix> {
  std::size_t operator()(const tlsfloor::config::AddressPrefix& prefix) const noexcept;
};
