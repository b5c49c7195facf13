// The PROXY protocol to the upstream: the header goes out before the client's first byte and
// names the client (the balancer's client, when there is one), with the SNI, the TLS facts and
// tlsfloor's JA4 and decision in version 2. Checked against the bytes the upstream received and
// against a real nginx (stream module, `listen ... proxy_protocol`) that answers with what it
// read.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/proxy_protocol/proxy_header.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/third_party.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

std::uint16_t local_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

// A top-level TLV of a version 2 header over IPv4, found by walking the TLVs after the 16-byte
// preamble and the 12 bytes of addresses: searching for the type byte alone could land in a
// port number.
std::optional<std::string> top_level_tlv(const std::string& header, std::uint8_t type) {
  for (std::size_t at = 28; at + 3 <= header.size();) {
    const std::size_t length =
        static_cast<std::uint8_t>(header[at + 1]) << 8 | static_cast<std::uint8_t>(header[at + 2]);
    if (static_cast<std::uint8_t>(header[at]) == type) return header.substr(at + 3, length);
    at += 3 + length;
  }
  return std::nullopt;
}

std::unique_ptr<RunningProxy> start(TempDir& dir, std::uint16_t upstream_port,
                                    const std::string& version, const std::string& extra = "") {
  ListenerSpec spec;
  spec.upstream_port = upstream_port;
  spec.certificates = {make_self_signed(dir, "api", {"localhost"})};
  spec.extra_yaml = extra;
  spec.upstream_extra = "proxy_protocol: " + version;
  return std::make_unique<RunningProxy>(proxy_yaml({spec}));
}

TEST(UpstreamProxyProtocolTest, V2NamesTheClientAndHowItSpokeTls) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::greet_then_collect, "");
  auto proxy = start(dir, upstream.port(), "v2");
  ClientOptions options;
  options.source = "127.0.0.3";
  options.server_name = "localhost";
  std::uint16_t client_port = 0;
  {
    TlsClient client(proxy->port(), options);
    ASSERT_TRUE(client.handshake());
    client_port = local_port(client.fd());
    ASSERT_TRUE(client.write_all("hello"));
    client.finish_sending();
    client.read_to_end();
  }
  const auto received = upstream.wait_for_finished(1);
  ASSERT_EQ(received.size(), 1u);
  const std::string& bytes = received[0];
  const auto parsed = proxy_protocol::parse_proxy_header(
      {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  ASSERT_TRUE(parsed.header) << parsed.detail;
  EXPECT_EQ(parsed.header->version, 2);
  EXPECT_EQ(config::to_string(parsed.header->source), "127.0.0.3");
  EXPECT_EQ(parsed.header->source_port, client_port);
  EXPECT_EQ(config::to_string(parsed.header->destination), "127.0.0.1");
  EXPECT_EQ(parsed.header->destination_port, proxy->port());
  // The client's bytes follow the header, untouched.
  EXPECT_EQ(bytes.substr(parsed.header->length), "hello");
  const std::string header = bytes.substr(0, parsed.header->length);
  const auto tlv = [](std::uint8_t type, const std::string& value) {
    std::string out(1, static_cast<char>(type));
    out += static_cast<char>(value.size() >> 8);
    out += static_cast<char>(value.size() & 0xFF);
    return out + value;
  };
  EXPECT_NE(header.find(tlv(0x02, "localhost")), std::string::npos);
  EXPECT_NE(header.find(tlv(0x21, "TLSv1.3")), std::string::npos);
  EXPECT_NE(header.find(tlv(0x23, "TLS_AES_128_GCM_SHA256")), std::string::npos);
  EXPECT_NE(header.find(tlv(0x24, "ecdsa-with-SHA256")), std::string::npos);
  EXPECT_NE(header.find(tlv(0x25, "EC256")), std::string::npos);
  const std::string facts = top_level_tlv(header, 0xE0).value_or("");
  EXPECT_EQ(facts.substr(0, 8), "ja4=t13d") << facts;
  EXPECT_NE(facts.find(";decision=allowed"), std::string::npos) << facts;
}

// The AUTHORITY TLV carries the client's SNI only when it is a host name: a client that sends
// CR, LF or bytes that are not ASCII there must not reach whatever parses the header upstream.
TEST(UpstreamProxyProtocolTest, AnSniThatIsNoHostNameIsNotPassedOn) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::greet_then_collect, "");
  auto proxy = start(dir, upstream.port(), "v2");
  for (const std::string& sni : {std::string("evil\r\nX-Injected: 1\r\n\x7f\xc3("),
                                 std::string("-leading.example"), std::string("good.example")}) {
    ClientOptions options;
    options.server_name = sni;
    TlsClient client(proxy->port(), options);
    ASSERT_TRUE(client.handshake()) << sni;
    ASSERT_TRUE(client.write_all("x"));
    client.finish_sending();
    client.read_to_end();
  }
  const auto received = upstream.wait_for_finished(3);
  ASSERT_EQ(received.size(), 3u);
  std::vector<std::optional<std::string>> authorities;
  for (const std::string& bytes : received) {
    const auto parsed = proxy_protocol::parse_proxy_header(
        {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
    ASSERT_TRUE(parsed.header) << parsed.detail;
    authorities.push_back(top_level_tlv(bytes.substr(0, parsed.header->length), 0x02));
  }
  // Connections may finish in any order: what matters is which names went through.
  std::sort(authorities.begin(), authorities.end());
  EXPECT_EQ(authorities,
            (std::vector<std::optional<std::string>>{std::nullopt, std::nullopt, "good.example"}));
}

// nginx behind tlsfloor reads the header and answers with the client it names.
class NginxUpstreamTest : public testing::TestWithParam<std::string> {};

TEST_P(NginxUpstreamTest, NginxSeesTheClientAddress) {
  TempDir dir;
  const std::uint16_t nginx_port = unused_port();
  const auto nginx =
      start_nginx(dir, nginx_port,
                  "stream {\n  server {\n    listen 127.0.0.1:" + std::to_string(nginx_port) +
                      " proxy_protocol;\n    return \"$proxy_protocol_addr "
                      "$proxy_protocol_port\\n\";\n  }\n}\n");
  ASSERT_TRUE(wait_for_listener(nginx_port)) << nginx->output();
  auto proxy = start(dir, nginx_port, GetParam());
  ClientOptions options;
  options.source = "127.0.0.3";
  TlsClient client(proxy->port(), options);
  ASSERT_TRUE(client.handshake());
  const std::string expected = "127.0.0.3 " + std::to_string(local_port(client.fd())) + "\n";
  EXPECT_EQ(client.read_exactly(expected.size()), expected) << nginx->output();
}

// nginx 1.22's stream module reads at most 107 bytes of header ("header is too large" for a
// v2 header with TLS TLVs): v2-addresses is the version 2 it takes.
INSTANTIATE_TEST_SUITE_P(Versions, NginxUpstreamTest, testing::Values("v1", "v2-addresses"),
                         [](const auto& info) {
                           return info.param == "v1" ? std::string("V1")
                                                     : std::string("V2Addresses");
                         });

}  // namespace
}  // namespace tlsfloor::test
