// Behind a load balancer: the PROXY protocol header names the client, who then counts, matches
// exceptions and is logged as itself. Headers from untrusted addresses, missing, malformed,
// oversized or late ones close the connection, are counted, and reach neither TLS nor the
// upstream. Tested with headers written byte by byte here and with a real HAProxy in front.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/third_party.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

// The balancer connects from 127.0.0.2 (trusted); direct clients from 127.0.0.1.
constexpr const char* kBalancer = "127.0.0.2";

std::string v1(const std::string& client, int port = 40001) {
  return "PROXY TCP4 " + client + " 127.0.0.1 " + std::to_string(port) + " 443\r\n";
}

// A version 2 PROXY (or LOCAL) header for an IPv4 client, with an AWS VPC endpoint id TLV.
std::string v2(const std::array<std::uint8_t, 4>& client, bool local = false,
               const std::string& vpce = "") {
  std::string header("\r\n\r\n\0\r\nQUIT\n", 12);
  header += static_cast<char>(local ? 0x20 : 0x21);
  header += static_cast<char>(0x11);
  std::string body;
  for (auto byte : client) body += static_cast<char>(byte);
  body += std::string("\x7f\x00\x00\x01", 4);
  body += std::string("\x9c\x41\x01\xbb", 4);  // ports 40001 -> 443
  if (!vpce.empty()) {
    const std::string value = "\x01" + vpce;
    body += static_cast<char>(0xEA);
    body += static_cast<char>(value.size() >> 8);
    body += static_cast<char>(value.size() & 0xFF);
    body += value;
  }
  header += static_cast<char>(body.size() >> 8);
  header += static_cast<char>(body.size() & 0xFF);
  return header + body;
}

ClientOptions through_balancer(const std::string& header, std::uint16_t version = TLS1_3_VERSION) {
  ClientOptions options;
  options.source = kBalancer;
  options.before_hello = header;
  options.max_version = version;
  return options;
}

class ProxyProtocolTest : public testing::Test {
 protected:
  void start(const std::string& trusted = "[127.0.0.2/32]", const std::string& extra = "") {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"localhost"})};
    spec.extra_yaml = "    proxy_protocol: { trusted: " + trusted + ", timeout: 300ms }\n" +
                      "    exceptions: [{ name: branch, clients: [192.0.2.0/24], expires: "
                      "2099-01-01T00:00:00Z }]\n" +
                      extra;
    proxy_ = std::make_unique<RunningProxy>(
        proxy_yaml({spec}, "5s", "access_log: {path: \"" + log_path_ + "\"}\n"));
  }
  bool served(const ClientOptions& options) {
    try {
      TlsClient client(proxy_->port(), options);
      return client.handshake() && client.write_all("ping") && client.read_exactly(4) == "ping";
    } catch (const std::runtime_error&) {
      return false;
    }
  }
  double errors(const std::string& reason, double expected) {
    return proxy_
        ->metric_eventually("tlsfloor_proxy_protocol_errors_total",
                            {{"listener", "api"}, {"reason", reason}}, expected)
        .value_or(0);
  }
  // The per-client table once it holds `count` clients: a handshake is entered when it ends on
  // the proxy's thread, a moment after the client has seen the outcome.
  json legacy_clients(std::size_t count) {
    const auto clients = [&] {
      return json::parse(http_get(proxy_->admin_port(), "/legacy-clients").body)["clients"];
    };
    EXPECT_EQ(eventually_equals([&] { return clients().size(); }, count), count);
    return clients();
  }
  // The handshake log once the proxy has stopped, by client address: two workers write it, so
  // its order is not the order of the clients.
  std::vector<json> log_lines() {
    proxy_->stop();
    std::ifstream in(log_path_);
    std::vector<json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    std::sort(lines.begin(), lines.end(), [](const json& a, const json& b) {
      return a["client"].get<std::string>() < b["client"].get<std::string>();
    });
    return lines;
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
  std::string log_path_ = (dir_.path() / "handshakes.log").string();
  std::unique_ptr<RunningProxy> proxy_;
};

TEST_F(ProxyProtocolTest, TheConveyedClientIsTheClientForEverything) {
  start();
  // TLS 1.0 from 192.0.2.10, behind the balancer: the exception for 192.0.2.0/24 lets it in.
  EXPECT_TRUE(served(through_balancer(v1("192.0.2.10"), TLS1_VERSION)));
  // The same client without the balancer's word is the balancer itself: refused.
  EXPECT_FALSE(served(through_balancer(v1("198.51.100.7"), TLS1_VERSION)));
  // Version 2, with AWS's endpoint id.
  EXPECT_TRUE(served(
      through_balancer(v2({192, 0, 2, 20}, false, "vpce-08d2bf15fac5001c9"), TLS1_1_VERSION)));
  const json clients = legacy_clients(3);
  ASSERT_EQ(clients.size(), 3u);
  std::vector<std::string> addresses;
  for (const auto& client : clients) addresses.push_back(client["client"]);
  std::sort(addresses.begin(), addresses.end());
  EXPECT_EQ(addresses, (std::vector<std::string>{"192.0.2.10", "192.0.2.20", "198.51.100.7"}));
  EXPECT_EQ(proxy_->metric("tlsfloor_exception_handshakes_total",
                           {{"listener", "api"}, {"exception", "branch"}}),
            2.0);
  const auto lines = log_lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["client"], "192.0.2.10");
  EXPECT_EQ(lines[0]["client_port"], 40001);
  EXPECT_EQ(lines[0]["balancer"].get<std::string>().rfind("127.0.0.2:", 0), 0u) << lines[0];
  EXPECT_EQ(lines[0]["vpce_id"], nullptr);
  EXPECT_EQ(lines[0]["decision"], "allowed_exception");
  EXPECT_EQ(lines[1]["client"], "192.0.2.20");
  EXPECT_EQ(lines[1]["vpce_id"], "vpce-08d2bf15fac5001c9");
  EXPECT_EQ(lines[2]["client"], "198.51.100.7");
}

TEST_F(ProxyProtocolTest, AnIpv6ClientConveyedInVersion2IsThatClient) {
  start();
  // TCP over IPv6: 2001:db8::7 port 40001 -> 2001:db8::1 port 443.
  std::string header("\r\n\r\n\0\r\nQUIT\n", 12);
  header += "\x21\x21";
  header += std::string("\x00\x24", 2);
  header += std::string("\x20\x01\x0d\xb8", 4) + std::string(11, '\0') + "\x07";
  header += std::string("\x20\x01\x0d\xb8", 4) + std::string(11, '\0') + "\x01";
  header += "\x9c\x41\x01\xbb";
  EXPECT_FALSE(served(through_balancer(header, TLS1_VERSION)));  // legacy, not exempt
  const json clients = legacy_clients(1);
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(clients[0]["client"], "2001:db8::7");
  const auto lines = log_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["client"], "2001:db8::7");
  EXPECT_EQ(lines[0]["client_port"], 40001);
}

TEST_F(ProxyProtocolTest, AHeaderArrivingInPiecesIsReadWhole) {
  start();
  // The proxy reads the first half and waits for the rest (each wake-up reads new bytes).
  ClientOptions options = through_balancer("PROXY TCP4 192.0.2.", TLS1_VERSION);
  options.before_hello_later = "10 127.0.0.1 40001 443\r\n";
  EXPECT_TRUE(served(options));  // 192.0.2.10 is exempt: the whole header was read
  const std::string v2_header = v2({192, 0, 2, 11});
  options = through_balancer(v2_header.substr(0, 20), TLS1_VERSION);
  options.before_hello_later = v2_header.substr(20);
  EXPECT_TRUE(served(options));
  EXPECT_EQ(legacy_clients(2).size(), 2u);
}

TEST_F(ProxyProtocolTest, ALocalHeaderKeepsTheBalancersAddress) {
  start();
  EXPECT_TRUE(served(through_balancer(v2({192, 0, 2, 30}, /*local=*/true), TLS1_VERSION)) ==
              false);  // the balancer itself is not exempt
  const json clients = legacy_clients(1);
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(clients[0]["client"], kBalancer);
  EXPECT_TRUE(served(through_balancer(v2({192, 0, 2, 30}, true))));  // a health check, served
}

TEST_F(ProxyProtocolTest, DirectClientsAreServedButMayNotSendAHeader) {
  start();
  ClientOptions direct;  // from 127.0.0.1: not a balancer
  EXPECT_TRUE(served(direct));
  direct.before_hello = v1("192.0.2.10");
  EXPECT_FALSE(served(direct));
  EXPECT_EQ(errors("untrusted", 1), 1);
}

TEST_F(ProxyProtocolTest, BadHeadersCloseTheConnectionAndReachNothing) {
  start();
  const int accepted_before = upstream_.accepted();
  EXPECT_FALSE(served(through_balancer("")));  // a balancer's connection must carry one
  EXPECT_EQ(errors("missing", 1), 1);
  EXPECT_FALSE(served(through_balancer("PROXY TCP4 192.0.2.300 127.0.0.1 1 2\r\n")));
  EXPECT_EQ(errors("malformed", 1), 1);
  std::string oversized = v2({192, 0, 2, 1});
  oversized[14] = 0x10;  // declares 4 KiB of addresses and TLVs
  EXPECT_FALSE(served(through_balancer(oversized)));
  EXPECT_EQ(errors("oversized", 1), 1);
  // Half a header, then nothing: closed at the header timeout.
  {
    const int fd = connect_tcp(proxy_->port(), "127.0.0.1", kBalancer);
    ASSERT_TRUE(send_raw(fd, "PROXY TCP4 192.0.2"));
    EXPECT_EQ(errors("timeout", 1), 1);
    ::close(fd);
  }
  // Half a header, then the end of the stream: an error at once, not at the timeout (the
  // proxy once spun on it until then). The header timeout is 300 ms here; this is told apart
  // by the reason, whatever the machine's speed.
  {
    const int fd = connect_tcp(proxy_->port(), "127.0.0.1", kBalancer);
    ASSERT_TRUE(send_raw(fd, "PROXY TCP4 192.0.2"));
    ::shutdown(fd, SHUT_WR);
    EXPECT_EQ(read_raw_to_end(fd), "");
    EXPECT_EQ(errors("truncated", 1), 1);
    ::close(fd);
  }
  EXPECT_EQ(errors("timeout", 1), 1) << "the truncated header was not left to time out";
  EXPECT_EQ(upstream_.accepted(), accepted_before);
  // Nothing of them reached the TLS stack either.
  EXPECT_EQ(proxy_->metric("tlsfloor_handshakes_total", {{"listener", "api"}}).value_or(0), 0);
}

TEST_F(ProxyProtocolTest, PerSourceLimitsCountTheConveyedClient) {
  start("[127.0.0.2/32]", "    limits: { max_handshakes_per_source: 2 }\n");
  // Two handshakes in flight for 192.0.2.10 (header sent, no ClientHello yet), via the balancer.
  std::vector<int> pending;
  for (int i = 0; i < 2; ++i) {
    pending.push_back(connect_tcp(proxy_->port(), "127.0.0.1", kBalancer));
    ASSERT_TRUE(send_raw(pending.back(), v1("192.0.2.10", 40100 + i)));
  }
  EXPECT_EQ(proxy_->metric_eventually("tlsfloor_connections_active", {{"listener", "api"}}, 2), 2);
  // A third for the same client is refused; another client through the same balancer is not.
  EXPECT_FALSE(served(through_balancer(v1("192.0.2.10"))));
  EXPECT_EQ(proxy_->metric_eventually("tlsfloor_limit_rejections_total",
                                      {{"listener", "api"}, {"limit", "handshakes_per_source"}}, 1),
            1);
  EXPECT_TRUE(served(through_balancer(v1("192.0.2.11"))));
  for (int fd : pending) ::close(fd);
}

// An IPv6 source is its /64 by default: a host given a /64 cannot walk past the per-source
// limit by changing its address, while another /64 counts on its own.
TEST_F(ProxyProtocolTest, AnIpv6SourceIsItsSlash64) {
  start("[127.0.0.2/32]", "    limits: { max_handshakes_per_source: 1 }\n");
  const auto v1_ipv6 = [](const std::string& client) {
    return "PROXY TCP6 " + client + " 2001:db8::1 40001 443\r\n";
  };
  const int pending = connect_tcp(proxy_->port(), "127.0.0.1", kBalancer);
  ASSERT_TRUE(send_raw(pending, v1_ipv6("2001:db8:0:7::1")));
  EXPECT_EQ(proxy_->metric_eventually("tlsfloor_connections_active", {{"listener", "api"}}, 1), 1);
  EXPECT_FALSE(served(through_balancer(v1_ipv6("2001:db8:0:7::2"))));
  EXPECT_EQ(proxy_->metric_eventually("tlsfloor_limit_rejections_total",
                                      {{"listener", "api"}, {"limit", "handshakes_per_source"}}, 1),
            1);
  EXPECT_TRUE(served(through_balancer(v1_ipv6("2001:db8:0:8::1"))));
  ::close(pending);
}

// A real HAProxy in TCP mode in front, connecting from 127.0.0.2 with send-proxy-v2 (and v1).
class HaproxyTest : public ProxyProtocolTest, public testing::WithParamInterface<std::string> {};

TEST_P(HaproxyTest, ClientsBehindHaproxyAreThemselves) {
  start();
  const std::uint16_t front = unused_port();
  const auto haproxy = start_haproxy(
      dir_, front,
      "global\n  maxconn 100\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 30s\n"
      "  timeout server 30s\n"
      "frontend front\n  bind 127.0.0.1:" +
          std::to_string(front) +
          "\n  default_backend tlsfloor\n"
          "backend tlsfloor\n  server tlsfloor 127.0.0.1:" +
          std::to_string(proxy_->port()) + " " + GetParam() + " source 127.0.0.2\n");
  ASSERT_TRUE(wait_for_listener(front)) << haproxy->output();
  // A TLS 1.0 client from 127.0.0.3: HAProxy conveys it; it is not exempt, so it is refused and
  // counted as itself. One from 192.0.2.x cannot be made here, so the exception is checked by
  // CIDR on 127.0.0.3 in the per-client table instead.
  ClientOptions legacy;
  legacy.source = "127.0.0.3";
  legacy.max_version = TLS1_VERSION;
  {
    TlsClient client(front, legacy);
    EXPECT_FALSE(client.handshake());
  }
  ClientOptions modern;
  modern.source = "127.0.0.4";
  {
    TlsClient client(front, modern);
    EXPECT_TRUE(client.handshake() && client.write_all("ping") && client.read_exactly(4) == "ping");
  }
  const json clients = legacy_clients(1);
  ASSERT_EQ(clients.size(), 1u) << clients;
  EXPECT_EQ(clients[0]["client"], "127.0.0.3");
  const auto lines = log_lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["client"], "127.0.0.4");
  EXPECT_EQ(lines[1]["balancer"].get<std::string>().rfind("127.0.0.2:", 0), 0u) << lines[1];
}

INSTANTIATE_TEST_SUITE_P(Versions, HaproxyTest, testing::Values("send-proxy-v2", "send-proxy"),
                         [](const auto& info) {
                           return info.param == "send-proxy" ? std::string("V1")
                                                             : std::string("V2");
                         });

}  // namespace
}  // namespace tlsfloor::test
