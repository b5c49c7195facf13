#pragma once
// The PROXY protocol header tlsfloor sends to its upstream before the client's first byte, so a
// backend learns who the client is and how it spoke TLS (as HAProxy's send-proxy-v2-ssl, hitch
// and nginx do). Pure: facts in, bytes out.
#include <cstddef>
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
inline constexpr std::uint8_t kTlvSslCn = 0x22;
inline constexpr std::uint8_t kTlvSslCipher = 0x23;
inline constexpr std::uint8_t kTlvSslSigAlg = 0x24;
inline constexpr std::uint8_t kTlvSslKeyAlg = 0x25;
/// PP2_CLIENT_SSL: the client connected over TLS.
inline constexpr std::uint8_t kClientSsl = 0x01;
/// PP2_CLIENT_CERT_CONN: it presented a certificate in this connection (a full handshake);
/// PP2_CLIENT_CERT_SESS: in this connection's TLS session (a full handshake or a resumption).
inline constexpr std::uint8_t kClientCertConn = 0x02;
inline constexpr std::uint8_t kClientCertSess = 0x04;
/// The largest client certificate carried in a TLV (tls::kMaxCertificateMessage).
inline constexpr std::size_t kMaxCertificateTlv = 16 * 1024;

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
  /// A verified client certificate (client_auth), as HAProxy's send-proxy-v2-ssl-cn says it:
  /// the CERT_CONN and CERT_SESS flags, verify 0, its CN in PP2_SUBTYPE_SSL_CN. Only a
  /// certificate that verified is passed on (one that does not is refused), so an upstream
  /// that reads the CN without the verify field still reads a verified name.
  bool certificate_in_connection = false;
  bool certificate_in_session = false;
  std::string client_common_name;
  /// With a TLV type (0xE1-0xEF): the certificate's DER in that TLV (at most
  /// kMaxCertificateTlv bytes; a larger one is left out).
  std::uint8_t certificate_tlv = 0;
  std::string certificate_der;
};

/// "PROXY TCP4 src dst sport dport\r\n" (TCP6 when either address is IPv6; an IPv4 one is then
/// written IPv4-mapped, as the line needs one family).
std::string encode_v1(const OutgoingHeader& header);
/// The binary header with PP2_TYPE_ALPN, PP2_TYPE_AUTHORITY, PP2_TYPE_SSL (client flags; verify
/// 0 with a verified client certificate, else 1; the VERSION, CN, CIPHER, SIG_ALG, KEY_ALG
/// sub-TLVs), kTlvTlsfloor and the certificate's TLV. Each string is cut to 255 bytes.
std::string encode_v2(const OutgoingHeader& header);

}  // namespace tlsfloor::proxy_protocol
