#include "proxy/proxy_protocol/proxy_header.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tlsfloor::proxy_protocol {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

// A version 2 header: signature, version/command, family, length, then `body`.
Bytes v2(std::uint8_t version_command, std::uint8_t family, const Bytes& body) {
  Bytes header(std::begin(kV2Signature), std::end(kV2Signature));
  header.push_back(version_command);
  header.push_back(family);
  header.push_back(static_cast<std::uint8_t>(body.size() >> 8));
  header.push_back(static_cast<std::uint8_t>(body.size() & 0xFF));
  header.insert(header.end(), body.begin(), body.end());
  return header;
}

Bytes tlv(std::uint8_t type, const Bytes& value) {
  Bytes out{type, static_cast<std::uint8_t>(value.size() >> 8),
            static_cast<std::uint8_t>(value.size() & 0xFF)};
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

const Bytes kIpv4Body{192, 0, 2, 10, 10, 0, 0, 1, 0xC8, 0x2C, 0x01, 0xBB};  // :51244 -> :443

ParsedHeader parse(const Bytes& bytes) { return parse_proxy_header(bytes); }

TEST(ProxyHeaderV1, Tcp4GivesTheClientAndWhereTheHeaderEnds) {
  const std::string line = "PROXY TCP4 192.0.2.10 10.0.0.1 51244 443\r\n";
  const ParsedHeader parsed = parse(bytes_of(line + "\x16\x03\x01"));  // a ClientHello follows
  ASSERT_TRUE(parsed.header) << parsed.detail;
  EXPECT_EQ(parsed.header->version, 1);
  EXPECT_FALSE(parsed.header->local);
  EXPECT_EQ(config::to_string(parsed.header->source), "192.0.2.10");
  EXPECT_EQ(parsed.header->source_port, 51244);
  EXPECT_EQ(config::to_string(parsed.header->destination), "10.0.0.1");
  EXPECT_EQ(parsed.header->destination_port, 443);
  EXPECT_EQ(parsed.header->length, line.size());
}

TEST(ProxyHeaderV1, Tcp6AndUnknown) {
  const ParsedHeader six = parse(bytes_of("PROXY TCP6 2001:db8::7 2001:db8::1 1 65535\r\n"));
  ASSERT_TRUE(six.header) << six.detail;
  EXPECT_EQ(config::to_string(six.header->source), "2001:db8::7");
  EXPECT_EQ(six.header->destination_port, 65535);
  const ParsedHeader unknown = parse(bytes_of("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"));
  ASSERT_TRUE(unknown.header) << unknown.detail;
  EXPECT_TRUE(unknown.header->local);
  EXPECT_TRUE(parse(bytes_of("PROXY UNKNOWN\r\n")).header);
}

TEST(ProxyHeaderV1, EveryPrefixIsIncomplete) {
  const std::string line = "PROXY TCP4 192.0.2.10 10.0.0.1 51244 443\r\n";
  for (std::size_t n = 0; n < line.size(); ++n) {
    const ParsedHeader parsed = parse(bytes_of(line.substr(0, n)));
    EXPECT_FALSE(parsed.header) << n;
    EXPECT_EQ(parsed.error, ProxyHeaderError::incomplete) << n << ": " << parsed.detail;
  }
}

TEST(ProxyHeaderV1, MalformedLinesAreRefused) {
  for (const std::string line : {
           "PROXY TCP4 192.0.2.10 10.0.0.1 51244 443\n",       // LF alone
           "PROXY TCP4 192.0.2.10  10.0.0.1 51244 443\r\n",    // two spaces
           "PROXY TCP4 192.0.2.10 10.0.0.1 51244 443 \r\n",    // trailing space
           "PROXY TCP4 192.0.2.10 10.0.0.1 51244\r\n",         // a field short
           "PROXY TCP4 2001:db8::7 10.0.0.1 51244 443\r\n",    // family mismatch
           "PROXY TCP6 192.0.2.10 2001:db8::1 51244 443\r\n",  // family mismatch
           "PROXY TCP4 192.0.2.300 10.0.0.1 51244 443\r\n",    // not an address
           "PROXY TCP4 192.0.2.10 10.0.0.1 65536 443\r\n",     // port out of range
           "PROXY TCP4 192.0.2.10 10.0.0.1 051244 443\r\n",    // leading zero
           "PROXY TCP4 192.0.2.10 10.0.0.1 -1 443\r\n",        // sign
           "PROXY UDP4 192.0.2.10 10.0.0.1 51244 443\r\n",     // not TCP
           "PROXY  TCP4 192.0.2.10 10.0.0.1 51244 443\r\n",    // empty protocol
       }) {
    const ParsedHeader parsed = parse(bytes_of(line));
    EXPECT_FALSE(parsed.header) << line;
    EXPECT_EQ(parsed.error, ProxyHeaderError::malformed) << line;
  }
  // Bytes that are not printable ASCII, anywhere in the line (the fuzzer's find: NULs after an
  // address once passed, as the C string inet_pton read stopped at the first one).
  EXPECT_EQ(
      parse(bytes_of(std::string("PROXY TCP4 192.0.2.10\0\0 10.0.0.1 51244 443\r\n", 45))).error,
      ProxyHeaderError::malformed);
  EXPECT_EQ(parse(bytes_of(std::string("PROXY TCP4 192.0.2.10\0", 22))).error,
            ProxyHeaderError::malformed);
  EXPECT_EQ(parse(bytes_of("PROXY TCP4 192.0.2.10\t10.0.0.1 51244 443\r\n")).error,
            ProxyHeaderError::malformed);
  // No CRLF within the 107 bytes the specification allows.
  const ParsedHeader endless = parse(bytes_of("PROXY TCP4 " + std::string(120, '1')));
  EXPECT_EQ(endless.error, ProxyHeaderError::malformed);
}

TEST(ProxyHeader, AnythingElseIsMissing) {
  EXPECT_EQ(parse(bytes_of("GET / HTTP/1.1\r\n")).error, ProxyHeaderError::missing);
  EXPECT_EQ(parse(Bytes{0x16, 0x03, 0x01, 0x02, 0x00}).error, ProxyHeaderError::missing);
  EXPECT_EQ(parse(bytes_of("proxy TCP4")).error, ProxyHeaderError::missing);
  EXPECT_EQ(parse(Bytes{0x0D, 0x0A, 0x0D, 0x0A, 0x01}).error, ProxyHeaderError::missing);
  EXPECT_EQ(parse(Bytes{}).error, ProxyHeaderError::incomplete);
}

TEST(ProxyHeaderV2, Tcp4WithAnAwsEndpointId) {
  Bytes body = kIpv4Body;
  const std::string id = "vpce-08d2bf15fac5001c9";
  Bytes aws{0x01};
  aws.insert(aws.end(), id.begin(), id.end());
  const Bytes tlvs = tlv(0x04, {0, 0, 0});  // a NOOP, skipped
  body.insert(body.end(), tlvs.begin(), tlvs.end());
  const Bytes aws_tlv = tlv(0xEA, aws);
  body.insert(body.end(), aws_tlv.begin(), aws_tlv.end());
  Bytes header = v2(0x21, 0x11, body);
  const std::size_t length = header.size();
  header.push_back(0x16);  // the client's bytes
  const ParsedHeader parsed = parse(header);
  ASSERT_TRUE(parsed.header) << parsed.detail;
  EXPECT_EQ(parsed.header->version, 2);
  EXPECT_FALSE(parsed.header->local);
  EXPECT_EQ(config::to_string(parsed.header->source), "192.0.2.10");
  EXPECT_EQ(parsed.header->source_port, 51244);
  EXPECT_EQ(config::to_string(parsed.header->destination), "10.0.0.1");
  EXPECT_EQ(parsed.header->destination_port, 443);
  EXPECT_EQ(parsed.header->aws_vpce_id, id);
  EXPECT_EQ(parsed.header->length, length);
}

TEST(ProxyHeaderV2, Tcp6AndMappedAddresses) {
  Bytes body(36, 0);
  body[0] = 0x20;
  body[1] = 0x01;
  body[2] = 0x0d;
  body[3] = 0xb8;
  body[15] = 7;
  body[26] = body[27] = 0xFF;  // destination ::ffff:10.0.0.1
  body[28] = 10;
  body[31] = 1;
  body[33] = 80;
  const ParsedHeader parsed = parse(v2(0x21, 0x21, body));
  ASSERT_TRUE(parsed.header) << parsed.detail;
  EXPECT_EQ(config::to_string(parsed.header->source), "2001:db8::7");
  EXPECT_EQ(config::to_string(parsed.header->destination), "10.0.0.1");  // unmapped
  EXPECT_EQ(parsed.header->source_port, 80);
}

TEST(ProxyHeaderV2, LocalAndUnspecifiedKeepTheConnectionsAddresses) {
  const ParsedHeader local = parse(v2(0x20, 0x11, kIpv4Body));  // a health check
  ASSERT_TRUE(local.header) << local.detail;
  EXPECT_TRUE(local.header->local);
  const ParsedHeader bare = parse(v2(0x20, 0x00, {}));
  ASSERT_TRUE(bare.header) << bare.detail;
  EXPECT_TRUE(bare.header->local);
  const ParsedHeader unspecified = parse(v2(0x21, 0x00, {}));
  ASSERT_TRUE(unspecified.header) << unspecified.detail;
  EXPECT_TRUE(unspecified.header->local);
  const ParsedHeader unix_stream = parse(v2(0x21, 0x31, Bytes(216, 'x')));
  ASSERT_TRUE(unix_stream.header) << unix_stream.detail;
  EXPECT_TRUE(unix_stream.header->local);
}

TEST(ProxyHeaderV2, EveryPrefixIsIncomplete) {
  const Bytes header = v2(0x21, 0x11, kIpv4Body);
  for (std::size_t n = 0; n < header.size(); ++n) {
    const ParsedHeader parsed = parse(Bytes(header.begin(), header.begin() + n));
    EXPECT_EQ(parsed.error, ProxyHeaderError::incomplete) << n << ": " << parsed.detail;
  }
}

TEST(ProxyHeaderV2, MalformedAndOversizedHeadersAreRefused) {
  EXPECT_EQ(parse(v2(0x11, 0x11, kIpv4Body)).error, ProxyHeaderError::malformed);  // version 1
  EXPECT_EQ(parse(v2(0x22, 0x11, kIpv4Body)).error, ProxyHeaderError::malformed);  // command 2
  EXPECT_EQ(parse(v2(0x21, 0x12, kIpv4Body)).error, ProxyHeaderError::malformed);  // UDP
  EXPECT_EQ(parse(v2(0x21, 0x41, kIpv4Body)).error, ProxyHeaderError::malformed);  // family 4
  EXPECT_EQ(parse(v2(0x21, 0x11, Bytes(11, 0))).error, ProxyHeaderError::malformed);
  EXPECT_EQ(parse(v2(0x21, 0x21, kIpv4Body)).error, ProxyHeaderError::malformed);  // short v6
  Bytes overflowing = kIpv4Body;
  overflowing.insert(overflowing.end(), {0x04, 0x00, 0x09, 0x00});  // says 9, has 1
  EXPECT_EQ(parse(v2(0x21, 0x11, overflowing)).error, ProxyHeaderError::malformed);
  Bytes cut = kIpv4Body;
  cut.insert(cut.end(), {0x04, 0x00});
  EXPECT_EQ(parse(v2(0x21, 0x11, cut)).error, ProxyHeaderError::malformed);
  Bytes odd_id = kIpv4Body;
  const Bytes bad = tlv(0xEA, {0x01, 'v', 0x1B, '['});  // an escape sequence
  odd_id.insert(odd_id.end(), bad.begin(), bad.end());
  EXPECT_EQ(parse(v2(0x21, 0x11, odd_id)).error, ProxyHeaderError::malformed);
  // Longer than kMaxHeader: refused from its fixed part, before the rest is buffered.
  Bytes big = v2(0x21, 0x11, Bytes(kMaxHeader, 0));
  big.resize(16);
  EXPECT_EQ(parse(big).error, ProxyHeaderError::oversized);
}

}  // namespace
}  // namespace tlsfloor::proxy_protocol
