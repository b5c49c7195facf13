#include "proxy/proxy_protocol/proxy_header.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace tlsfloor::proxy_protocol {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::size_t kV2FixedPart = 16;
constexpr std::uint8_t kV2Version = 0x2;
constexpr std::uint8_t kCommandLocal = 0x0;
constexpr std::uint8_t kCommandProxy = 0x1;
// Address family (high nibble) and transport (low nibble) of a v2 header.
constexpr std::uint8_t kUnspecified = 0x00;
constexpr std::uint8_t kTcpOverIpv4 = 0x11;
constexpr std::uint8_t kTcpOverIpv6 = 0x21;
constexpr std::uint8_t kUnixStream = 0x31;
constexpr std::size_t kIpv4Addresses = 12;  // two addresses, two ports
constexpr std::size_t kIpv6Addresses = 36;
constexpr std::size_t kUnixAddresses = 216;
constexpr std::uint8_t kTlvAws = 0xEA;
constexpr std::uint8_t kAwsVpceId = 0x01;
// A VPC endpoint id is "vpce-" and 17 hex digits; keep some room, never a client-sized string.
constexpr std::size_t kMaxVpceId = 64;

ParsedHeader fail(ProxyHeaderError error, std::string detail = {}) {
  ParsedHeader parsed;
  parsed.error = error;
  parsed.detail = std::move(detail);
  return parsed;
}

ParsedHeader success(ProxyHeader header) {
  ParsedHeader parsed;
  parsed.header = std::move(header);
  return parsed;
}

// Whether `bytes` (shorter than `prefix`, or not) could still become `prefix`.
bool starts_like(std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> prefix) {
  const std::size_t n = std::min(bytes.size(), prefix.size());
  return std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n), prefix.begin());
}

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// A v1 port: decimal, 0..65535, no sign and no leading zero.
std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text.front() == '0')) return {};
  unsigned value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return {};
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return {};
  return static_cast<std::uint16_t>(value);
}

// Splits `text` at single spaces; empty fields (two spaces) make it fail.
bool split_fields(std::string_view text, std::array<std::string_view, 6>& fields,
                  std::size_t& count) {
  count = 0;
  while (!text.empty()) {
    if (count == fields.size()) return false;
    const std::size_t space = text.find(' ');
    const std::string_view field = text.substr(0, space);
    if (field.empty()) return false;
    fields[count++] = field;
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
    if (text.empty()) return false;  // a trailing space
  }
  return true;
}

ParsedHeader parse_v1(std::span<const std::uint8_t> bytes) {
  const std::size_t window = std::min(bytes.size(), kMaxV1Line);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), window);
  const std::size_t end = text.find("\r\n");
  if (end == std::string_view::npos) {
    // A line still being received holds printable bytes and perhaps the CR of its CRLF.
    const std::string_view received = text.ends_with('\r') ? text.substr(0, text.size() - 1) : text;
    const bool printable = std::all_of(received.begin(), received.end(),
                                       [](char c) { return c >= 0x20 && c <= 0x7E; });
    if (bytes.size() < kMaxV1Line && printable) return fail(ProxyHeaderError::incomplete);
    return fail(ProxyHeaderError::malformed, "version 1 line without CRLF in 107 bytes");
  }
  const std::string_view line = text.substr(0, end);
  if (!std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c <= 0x7E; })) {
    return fail(ProxyHeaderError::malformed, "version 1 line with a byte that is not printable");
  }
  std::array<std::string_view, 6> fields;
  std::size_t count = 0;
  if (!split_fields(text.substr(kV1Prefix.size(), end - kV1Prefix.size()), fields, count) ||
      count == 0) {
    return fail(ProxyHeaderError::malformed, "version 1 fields not separated by single spaces");
  }
  ProxyHeader header;
  header.version = 1;
  header.length = end + 2;
  if (fields[0] == "UNKNOWN") {
    // The balancer could not (or would not) say: the rest of the line is to be ignored.
    header.local = true;
    return success(std::move(header));
  }
  const bool ipv4 = fields[0] == "TCP4";
  if (!ipv4 && fields[0] != "TCP6") {
    return fail(ProxyHeaderError::malformed, "version 1 protocol is not TCP4, TCP6 or UNKNOWN");
  }
  if (count != 5) return fail(ProxyHeaderError::malformed, "version 1 line needs 5 fields");
  const auto source = config::parse_address(fields[1]);
  const auto destination = config::parse_address(fields[2]);
  const auto source_port = parse_port(fields[3]);
  const auto destination_port = parse_port(fields[4]);
  // The family must be the one announced (an IPv6 text has a colon; parse_address unmaps).
  const auto family_matches = [ipv4](std::string_view address) {
    return ipv4 == (address.find(':') == std::string_view::npos);
  };
  if (!source || !destination || !family_matches(fields[1]) || !family_matches(fields[2])) {
    return fail(ProxyHeaderError::malformed,
                "version 1 address is not a " + std::string(fields[0]) + " address");
  }
  if (!source_port || !destination_port) {
    return fail(ProxyHeaderError::malformed, "version 1 port is not 0..65535");
  }
  header.source = *source;
  header.destination = *destination;
  header.source_port = *source_port;
  header.destination_port = *destination_port;
  return success(std::move(header));
}

std::uint16_t read_u16(const std::uint8_t* bytes) {
  return static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]);
}

// TLVs after the addresses. Unknown types are skipped; a TLV running past the header is not.
bool parse_tlvs(std::span<const std::uint8_t> tlvs, ProxyHeader& header, std::string& detail) {
  while (!tlvs.empty()) {
    if (tlvs.size() < 3) {
      detail = "version 2 TLV cut short";
      return false;
    }
    const std::uint8_t type = tlvs[0];
    const std::size_t length = read_u16(tlvs.data() + 1);
    if (tlvs.size() - 3 < length) {
      detail = "version 2 TLV longer than the header";
      return false;
    }
    const std::span<const std::uint8_t> value = tlvs.subspan(3, length);
    if (type == kTlvAws && !value.empty() && value[0] == kAwsVpceId) {
      const auto id = value.subspan(1);
      const bool printable = std::all_of(id.begin(), id.end(), [](std::uint8_t c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-';
      });
      if (!printable || id.size() > kMaxVpceId) {
        detail = "AWS VPC endpoint id is not a short identifier";
        return false;
      }
      header.aws_vpce_id.assign(id.begin(), id.end());
    }
    tlvs = tlvs.subspan(3 + length);
  }
  return true;
}

ParsedHeader parse_v2(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kV2FixedPart) return fail(ProxyHeaderError::incomplete);
  const std::uint8_t version = bytes[12] >> 4;
  const std::uint8_t command = bytes[12] & 0x0F;
  const std::uint8_t family = bytes[13];
  const std::size_t length = kV2FixedPart + read_u16(bytes.data() + 14);
  if (version != kV2Version || (command != kCommandLocal && command != kCommandProxy)) {
    return fail(ProxyHeaderError::malformed, "version 2 header with an unknown version or command");
  }
  if (length > kMaxHeader) {
    return fail(ProxyHeaderError::oversized,
                "version 2 header of " + std::to_string(length) + " bytes");
  }
  if (bytes.size() < length) return fail(ProxyHeaderError::incomplete);
  const std::span<const std::uint8_t> body = bytes.subspan(kV2FixedPart, length - kV2FixedPart);
  ProxyHeader header;
  header.version = 2;
  header.length = length;
  std::size_t addresses = 0;
  switch (family) {
    case kTcpOverIpv4:
      addresses = kIpv4Addresses;
      break;
    case kTcpOverIpv6:
      addresses = kIpv6Addresses;
      break;
    case kUnixStream:
      addresses = kUnixAddresses;
      header.local = true;  // no IP address to speak of: the connection's own stands
      break;
    case kUnspecified:
      header.local = true;
      break;
    default:
      // Datagrams (UDP, unix datagram) or an unknown family: not a TCP client.
      return fail(ProxyHeaderError::malformed, "version 2 family is not TCP or unspecified");
  }
  if (command == kCommandLocal) {
    // The balancer's own connection (a health check): the addresses mean nothing.
    header.local = true;
    addresses = std::min(addresses, body.size());
  }
  if (body.size() < addresses) {
    return fail(ProxyHeaderError::malformed, "version 2 header shorter than its addresses");
  }
  if (!header.local) {
    if (family == kTcpOverIpv4) {
      header.source = config::ipv4_address(body.first<4>());
      header.destination = config::ipv4_address(body.subspan<4, 4>());
      header.source_port = read_u16(body.data() + 8);
      header.destination_port = read_u16(body.data() + 10);
    } else {
      header.source = config::ipv6_address(body.first<16>());
      header.destination = config::ipv6_address(body.subspan<16, 16>());
      header.source_port = read_u16(body.data() + 32);
      header.destination_port = read_u16(body.data() + 34);
    }
  }
  std::string detail;
  if (!parse_tlvs(body.subspan(addresses), header, detail)) {
    return fail(ProxyHeaderError::malformed, std::move(detail));
  }
  return success(std::move(header));
}

}  // namespace

std::string_view to_string(ProxyHeaderError error) {
  switch (error) {
    case ProxyHeaderError::incomplete:
      return "incomplete";
    case ProxyHeaderError::missing:
      return "missing";
    case ProxyHeaderError::malformed:
      return "malformed";
    case ProxyHeaderError::oversized:
      return "oversized";
  }
  return "malformed";
}

bool is_trusted(const config::ProxyProtocolConfig& config, const config::AddressPrefix& peer) {
  return std::any_of(config.trusted.begin(), config.trusted.end(),
                     [&](const config::AddressPrefix& prefix) { return contains(prefix, peer); });
}

ParsedHeader parse_proxy_header(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return fail(ProxyHeaderError::incomplete);
  if (starts_like(bytes, kV2Signature)) {
    if (bytes.size() < sizeof kV2Signature) return fail(ProxyHeaderError::incomplete);
    return parse_v2(bytes);
  }
  if (starts_like(bytes, as_bytes(kV1Prefix))) {
    if (bytes.size() < kV1Prefix.size()) return fail(ProxyHeaderError::incomplete);
    return parse_v1(bytes);
  }
  return fail(ProxyHeaderError::missing, "no PROXY protocol signature");
}

}  // namespace tlsfloor::proxy_protocol
