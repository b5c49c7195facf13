#pragma once
// The PROXY protocol header (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt), as a
// load balancer sends it before the client's first byte: version 1 (one text line) and
// version 2 (binary, with TLVs). Pure and strict: the bytes come from the network, so every
// field is checked, nothing is read past what the header declares, and a header longer than
// kMaxHeader is refused rather than buffered.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/address_prefix.h"
#include "config/config.h"

namespace tlsfloor::proxy_protocol {

/// The longest header accepted. Version 1 lines are at most 107 bytes; version 2 allows 64 KiB of
/// TLVs, but balancers send a few dozen bytes (AWS adds a VPC endpoint id; tlsfloor's own, with
/// every TLS TLV at its longest, stays under 2 KiB): a larger one is refused (`oversized`) so a
/// client can make tlsfloor buffer no more than this.
inline constexpr std::size_t kMaxHeader = 2048;
/// The longest version 1 line, CRLF included (the specification's bound).
inline constexpr std::size_t kMaxV1Line = 107;
/// The version 2 signature: the first 12 bytes of every version 2 header.
inline constexpr std::uint8_t kV2Signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                  0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

/// A parsed header.
struct ProxyHeader {
  int version = 0;  // 1 or 2
  /// The balancer speaks for itself (a v2 LOCAL command, a v1 UNKNOWN line, or an address family
  /// other than TCP over IPv4/IPv6): the connection's own addresses stand.
  bool local = false;
  /// The client and the address it connected to, when not `local` (IPv4-mapped IPv6 as IPv4).
  config::AddressPrefix source;
  std::uint16_t source_port = 0;
  config::AddressPrefix destination;
  std::uint16_t destination_port = 0;
  /// AWS PrivateLink's VPC endpoint id (TLV 0xEA, subtype 0x01), when sent: "vpce-0123...".
  std::string aws_vpce_id;
  /// Bytes the header occupies: the client's own bytes start after them.
  std::size_t length = 0;
};

/// Why bytes are not (yet) a header; the values of the `reason` metric label.
enum class ProxyHeaderError {
  incomplete,  // a valid beginning: read more (not an error until the timeout)
  missing,     // the bytes do not start with a PROXY header at all
  malformed,   // a PROXY header, but not a valid one
  oversized,   // longer than kMaxHeader
};
std::string_view to_string(ProxyHeaderError error);

/// A header or why not, with a human reason for malformed ones (for debug logs).
struct ParsedHeader {
  std::optional<ProxyHeader> header;
  ProxyHeaderError error = ProxyHeaderError::incomplete;
  std::string detail;
};

/// Whether a connection from `peer` must (and may) carry a header on a listener with `config`.
bool is_trusted(const config::ProxyProtocolConfig& config, const config::AddressPrefix& peer);

/// Whether the first byte a client sent begins a PROXY header (of either version): a TLS client
/// never starts with it (a TLS record starts 0x16, an SSL 2 hello 0x80).
inline bool starts_a_header(std::uint8_t first) { return first == 'P' || first == kV2Signature[0]; }

/// Parses the header at the start of `bytes` (everything received so far; more may follow).
ParsedHeader parse_proxy_header(std::span<const std::uint8_t> bytes);

}  // namespace tlsfloor::proxy_protocol
