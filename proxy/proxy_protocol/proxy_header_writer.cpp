#include "proxy/proxy_protocol/proxy_header_writer.h"

#include <algorithm>

#include "proxy/proxy_protocol/proxy_header.h"

namespace tlsfloor::proxy_protocol {
namespace {

// No value tlsfloor sends needs more; a cap keeps a hostile SNI from growing the header.
constexpr std::size_t kMaxValue = 255;

config::AddressPrefix as_ipv6(const config::AddressPrefix& address) {
  if (address.is_ipv6()) return address;
  config::AddressPrefix mapped;
  mapped.family = config::AddressPrefix::Family::ipv6;
  mapped.length = 128;
  mapped.bytes[10] = mapped.bytes[11] = 0xFF;
  std::copy_n(address.bytes.begin(), 4, mapped.bytes.begin() + 12);
  return mapped;
}

void put_u16(std::string& out, std::size_t value) {
  out += static_cast<char>((value >> 8) & 0xFF);
  out += static_cast<char>(value & 0xFF);
}

void put_address(std::string& out, const config::AddressPrefix& address) {
  const auto bytes = address.address_bytes();
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void put_tlv(std::string& out, std::uint8_t type, std::string_view value) {
  if (value.empty()) return;
  value = value.substr(0, kMaxValue);
  out += static_cast<char>(type);
  put_u16(out, value.size());
  out.append(value);
}

// The fixed part in front of the addresses and TLVs.
std::string finish_v2(bool ipv6, const std::string& body) {
  std::string out(reinterpret_cast<const char*>(kV2Signature), sizeof kV2Signature);
  out += static_cast<char>(0x21);                // version 2, PROXY
  out += static_cast<char>(ipv6 ? 0x21 : 0x11);  // TCP over IPv6 or IPv4
  put_u16(out, body.size());
  return out + body;
}

}  // namespace

std::string encode_v1(const OutgoingHeader& header) {
  const bool ipv6 = header.source.is_ipv6() || header.destination.is_ipv6();
  const auto source = ipv6 ? as_ipv6(header.source) : header.source;
  const auto destination = ipv6 ? as_ipv6(header.destination) : header.destination;
  return std::string("PROXY ") + (ipv6 ? "TCP6 " : "TCP4 ") + config::to_string(source) + " " +
         config::to_string(destination) + " " + std::to_string(header.source_port) + " " +
         std::to_string(header.destination_port) + "\r\n";
}

std::string encode_v2(const OutgoingHeader& header) {
  const bool ipv6 = header.source.is_ipv6() || header.destination.is_ipv6();
  std::string body;
  put_address(body, ipv6 ? as_ipv6(header.source) : header.source);
  put_address(body, ipv6 ? as_ipv6(header.destination) : header.destination);
  put_u16(body, header.source_port);
  put_u16(body, header.destination_port);
  put_tlv(body, kTlvAlpn, header.alpn);
  put_tlv(body, kTlvAuthority, header.authority);
  if (header.tls_version.empty()) return finish_v2(ipv6, body);  // addresses only
  std::string ssl;
  const bool certificate = header.certificate_in_connection || header.certificate_in_session;
  ssl += static_cast<char>(kClientSsl | (header.certificate_in_connection ? kClientCertConn : 0) |
                           (certificate ? kClientCertSess : 0));
  // verify: 0 when the client's certificate was verified, non-zero otherwise (the specification's
  // words); a certificate that did not verify never gets this far.
  ssl.append(certificate ? std::string_view("\x00\x00\x00\x00", 4)
                         : std::string_view("\x00\x00\x00\x01", 4));
  put_tlv(ssl, kTlvSslVersion, header.tls_version);
  if (certificate) put_tlv(ssl, kTlvSslCn, header.client_common_name);
  put_tlv(ssl, kTlvSslCipher, header.cipher);
  put_tlv(ssl, kTlvSslSigAlg, header.sig_alg);
  put_tlv(ssl, kTlvSslKeyAlg, header.key_alg);
  body += static_cast<char>(kTlvSsl);
  put_u16(body, ssl.size());
  body += ssl;
  put_tlv(body, kTlvTlsfloor, header.tlsfloor_facts);
  if (certificate && header.certificate_tlv != 0 && !header.certificate_der.empty() &&
      header.certificate_der.size() <= kMaxCertificateTlv) {
    body += static_cast<char>(header.certificate_tlv);
    put_u16(body, header.certificate_der.size());
    body += header.certificate_der;
  }
  return finish_v2(ipv6, body);
}

}  // namespace tlsfloor::proxy_protocol
