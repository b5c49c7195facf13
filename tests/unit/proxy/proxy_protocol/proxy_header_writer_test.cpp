#include "proxy/proxy_protocol/proxy_header_writer.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "proxy/proxy_protocol/proxy_header.h"

namespace tlsfloor::proxy_protocol {
namespace {

OutgoingHeader facts() {
  OutgoingHeader header;
  header.source = config::parse_address("192.0.2.10").value();
  header.source_port = 51244;
  header.destination = config::parse_address("10.0.0.1").value();
  header.destination_port = 443;
  header.alpn = "h2";
  header.authority = "shop.example.com";
  header.tls_version = "TLSv1.2";
  header.cipher = "ECDHE-ECDSA-AES128-GCM-SHA256";
  header.sig_alg = "ecdsa-with-SHA256";
  header.key_alg = "EC256";
  header.tlsfloor_facts = "ja4=t12d1312h2_8b80da21ef18_b00751acaffa;decision=allowed";
  return header;
}

// An independent reading of a version 2 header, as the specification lays it out: the test
// does not trust the parser it also tests.
struct Decoded {
  std::uint8_t version_command = 0;
  std::uint8_t family = 0;
  std::vector<std::uint8_t> addresses;
  std::map<std::uint8_t, std::string> tlvs;
  std::map<std::uint8_t, std::string> ssl_tlvs;
  std::uint8_t ssl_client = 0;
  std::uint32_t ssl_verify = 0;
};

Decoded decode(const std::string& bytes) {
  Decoded out;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes.at(i)); };
  EXPECT_EQ(bytes.substr(0, 12), std::string("\r\n\r\n\0\r\nQUIT\n", 12));
  out.version_command = byte(12);
  out.family = byte(13);
  const std::size_t length = byte(14) << 8 | byte(15);
  EXPECT_EQ(bytes.size(), 16 + length);
  const std::size_t address_bytes = out.family == 0x11 ? 12 : 36;
  for (std::size_t i = 16; i < 16 + address_bytes; ++i) out.addresses.push_back(byte(i));
  const auto walk = [&](std::size_t from, std::size_t to,
                        std::map<std::uint8_t, std::string>& into) {
    while (from < to) {
      const std::uint8_t type = byte(from);
      const std::size_t size = byte(from + 1) << 8 | byte(from + 2);
      EXPECT_LE(from + 3 + size, to);
      into[type] = bytes.substr(from + 3, size);
      from += 3 + size;
    }
  };
  walk(16 + address_bytes, bytes.size(), out.tlvs);
  const auto found = out.tlvs.find(kTlvSsl);
  const std::string ssl = found == out.tlvs.end() ? std::string() : found->second;
  if (ssl.size() >= 5) {
    out.ssl_client = static_cast<std::uint8_t>(ssl[0]);
    for (int i = 1; i <= 4; ++i)
      out.ssl_verify = out.ssl_verify << 8 | static_cast<std::uint8_t>(ssl[i]);
    std::string copy = ssl;
    // Sub-TLVs follow the 5 fixed bytes, framed like the outer ones.
    std::size_t at = 5;
    while (at < copy.size()) {
      const std::uint8_t type = static_cast<std::uint8_t>(copy[at]);
      const std::size_t size =
          static_cast<std::uint8_t>(copy[at + 1]) << 8 | static_cast<std::uint8_t>(copy[at + 2]);
      out.ssl_tlvs[type] = copy.substr(at + 3, size);
      at += 3 + size;
    }
    EXPECT_EQ(at, copy.size());
  }
  return out;
}

TEST(ProxyHeaderWriter, V2CarriesTheClientAndEveryTlvByteForByte) {
  const std::string bytes = encode_v2(facts());
  const Decoded decoded = decode(bytes);
  EXPECT_EQ(decoded.version_command, 0x21);
  EXPECT_EQ(decoded.family, 0x11);
  EXPECT_EQ(decoded.addresses,
            (std::vector<std::uint8_t>{192, 0, 2, 10, 10, 0, 0, 1, 0xC8, 0x2C, 0x01, 0xBB}));
  EXPECT_EQ(decoded.tlvs.at(0x01), "h2");
  EXPECT_EQ(decoded.tlvs.at(0x02), "shop.example.com");
  EXPECT_EQ(decoded.tlvs.at(0xE0), "ja4=t12d1312h2_8b80da21ef18_b00751acaffa;decision=allowed");
  EXPECT_EQ(decoded.ssl_client, 0x01);
  EXPECT_EQ(decoded.ssl_verify, 1u);
  EXPECT_EQ(decoded.ssl_tlvs.at(0x21), "TLSv1.2");
  EXPECT_EQ(decoded.ssl_tlvs.at(0x23), "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_EQ(decoded.ssl_tlvs.at(0x24), "ecdsa-with-SHA256");
  EXPECT_EQ(decoded.ssl_tlvs.at(0x25), "EC256");
  EXPECT_EQ(decoded.tlvs.size(), 4u);  // ALPN, AUTHORITY, SSL, tlsfloor's
  // And tlsfloor's own parser (a tlsfloor behind tlsfloor) reads it back.
  const ParsedHeader parsed =
      parse_proxy_header({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  ASSERT_TRUE(parsed.header) << parsed.detail;
  EXPECT_EQ(config::to_string(parsed.header->source), "192.0.2.10");
  EXPECT_EQ(parsed.header->source_port, 51244);
  EXPECT_EQ(parsed.header->length, bytes.size());
}

TEST(ProxyHeaderWriter, V2LeavesOutWhatIsNotKnownAndCapsLongValues) {
  OutgoingHeader header = facts();
  header.alpn.clear();
  header.authority = std::string(300, 'a');
  header.tlsfloor_facts.clear();
  const Decoded decoded = decode(encode_v2(header));
  EXPECT_FALSE(decoded.tlvs.contains(0x01));
  EXPECT_FALSE(decoded.tlvs.contains(0xE0));
  EXPECT_EQ(decoded.tlvs.at(0x02), std::string(255, 'a'));
}

TEST(ProxyHeaderWriter, V2WithAddressesOnlyIs28Bytes) {
  OutgoingHeader header;
  header.source = facts().source;
  header.source_port = 51244;
  header.destination = facts().destination;
  header.destination_port = 443;
  const std::string bytes = encode_v2(header);
  EXPECT_EQ(bytes.size(), 28u);
  EXPECT_TRUE(decode(bytes).tlvs.empty());
}

TEST(ProxyHeaderWriter, MixedFamiliesAreWrittenAsIpv6) {
  OutgoingHeader header = facts();
  header.destination = config::parse_address("2001:db8::1").value();
  EXPECT_EQ(encode_v1(header), "PROXY TCP6 ::ffff:192.0.2.10 2001:db8::1 51244 443\r\n");
  const Decoded decoded = decode(encode_v2(header));
  EXPECT_EQ(decoded.family, 0x21);
  ASSERT_EQ(decoded.addresses.size(), 36u);
  EXPECT_EQ(decoded.addresses[10], 0xFF);
  EXPECT_EQ(decoded.addresses[12], 192);
}

TEST(ProxyHeaderWriter, V1IsTheTextLineAndParsesBack) {
  const std::string line = encode_v1(facts());
  EXPECT_EQ(line, "PROXY TCP4 192.0.2.10 10.0.0.1 51244 443\r\n");
  const ParsedHeader parsed =
      parse_proxy_header({reinterpret_cast<const std::uint8_t*>(line.data()), line.size()});
  ASSERT_TRUE(parsed.header);
  EXPECT_EQ(parsed.header->destination_port, 443);
}

// As HAProxy's send-proxy-v2-ssl-cn: a full handshake's certificate sets CERT_CONN and
// CERT_SESS, a resumption's CERT_SESS alone; verify is 0; the CN follows the version.
TEST(ProxyHeaderWriter, V2PassesOnAVerifiedClientCertificate) {
  OutgoingHeader header = facts();
  header.certificate_in_connection = true;
  header.certificate_in_session = true;
  header.client_common_name = "partner-a";
  header.certificate_tlv = 0xE1;
  header.certificate_der = std::string(1500, '\x30');  // longer than any string TLV
  const std::string bytes = encode_v2(header);
  const Decoded full = decode(bytes);
  EXPECT_EQ(full.ssl_client, kClientSsl | kClientCertConn | kClientCertSess);
  EXPECT_EQ(full.ssl_verify, 0u);
  EXPECT_EQ(full.ssl_tlvs.at(0x22), "partner-a");
  EXPECT_EQ(full.tlvs.at(0xE1), header.certificate_der);
  const std::size_t version_at = bytes.find("TLSv1.2");
  EXPECT_LT(version_at, bytes.find("partner-a"));
  EXPECT_TRUE(
      parse_proxy_header({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()})
          .header);
  header.certificate_in_connection = false;  // resumed
  const Decoded resumed = decode(encode_v2(header));
  EXPECT_EQ(resumed.ssl_client, kClientSsl | kClientCertSess);
  EXPECT_EQ(resumed.ssl_verify, 0u);
  // A certificate larger than the cap is left out rather than cut.
  header.certificate_der = std::string(kMaxCertificateTlv + 1, '\x30');
  EXPECT_FALSE(decode(encode_v2(header)).tlvs.contains(0xE1));
  // Without a certificate: no flags, verify non-zero, no CN and no DER even if given.
  OutgoingHeader none = facts();
  none.client_common_name = "not-verified";
  none.certificate_tlv = 0xE1;
  none.certificate_der = "x";
  const Decoded anonymous = decode(encode_v2(none));
  EXPECT_EQ(anonymous.ssl_client, kClientSsl);
  EXPECT_EQ(anonymous.ssl_verify, 1u);
  EXPECT_FALSE(anonymous.ssl_tlvs.contains(0x22));
  EXPECT_FALSE(anonymous.tlvs.contains(0xE1));
}

}  // namespace
}  // namespace tlsfloor::proxy_protocol
