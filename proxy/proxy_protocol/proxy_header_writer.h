#pragma once
// The PROXY protocol header tlsfloor sends to its upstream before the client's first byte, so a
// backend learns who the client is and how it spoke TLS (as HAProxy's send-proxy-v2-ssl, hitch
// and nginx do). Pure: facts in, bytes out.
#include <cstdint>
#include <string>

#include "config/address_prefix.h"

namespace tlsfloor::proxy_protocol {

/// Type of the TLV in the application range (0xE0-0xEF) that carries tlsfloor's own facts.
inline constexpr std::uint8_t kTlvTlsfloor = 0xE0;
/// PP2_TYPE_* and PP2_SUBTYPE_SSL_* of the specification that tlsfloor sends.
inline constexpr std::uint8_t kTlvAlpn = 0x01;
inline constexpr std::uint8_t kTlvAuthority = 0x02;
inline constexpr std::uint8_t kTlvSsl = 0x20;
inline constexpr std::uint8_t kTlvSslVersion = 0x21;
inline constexpr std::uint8_t kTlvSslCipher = 0x23;
inline constexpr std::uint8_t kTlvSslSigAlg = 0x24;
inline constexpr std::uint8_t kTlvSslKeyAlg = 0x25;
/// PP2_CLIENT_SSL: the client connected over TLS.
inline constexpr std::uint8_t kClientSsl = 0x01;

/// What the header says. Empty strings are left out of version 2's TLVs; without a
/// tls_version, the SSL TLV and tlsfloor's are left out too (a header of addresses only).
struct OutgoingHeader {
  config::AddressPrefix source;  // the client (full-length)
  std::uint16_t source_port = 0;
  config::AddressPrefix destination;  // the address the client connected to
  std::uint16_t destination_port = 0;
  std::string alpn;         // the negotiated protocol
  std::string authority;    // the SNI
  std::string tls_version;  // "TLSv1.2"
  std::string cipher;       // "ECDHE-RSA-AES128-GCM-SHA256"
  std::string sig_alg;      // the served certificate's signature algorithm, "ecdsa-with-SHA256"
  std::string key_alg;      // the served certificate's key, "EC256", "RSA2048"
  /// tlsfloor's facts (kTlvTlsfloor): "ja4=<JA4>;decision=<allowed|would_reject|...>".
  std::string tlsfloor_facts;
};

/// "PROXY TCP4 src dst sport dport\r\n" (TCP6 when either address is IPv6; an IPv4 one is then
/// written IPv4-mapped, as the line needs one family).
std::string encode_v1(const OutgoingHeader& header);
/// The binary header with PP2_TYPE_ALPN, PP2_TYPE_AUTHORITY, PP2_TYPE_SSL (client flags,
/// verify = 1 since clients present no certificate, and the VERSION, CIPHER, SIG_ALG, KEY_ALG
/// sub-TLVs) and kTlvTlsfloor. Each string is cut to 255 bytes.
std::string encode_v2(const OutgoingHeader& header);

}  // namespace tlsfloor::proxy_protocol
