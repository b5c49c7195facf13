// TLS to the upstream (upstream.tls), against real servers: `openssl s_server -tls1` as a
// service that speaks nothing newer than TLS 1.0, reached by a TLS 1.3 client through tlsfloor
// (the upstream side of a deprecation), its sessions resumed; verification failures (a wrong
// CA, a wrong name) counted by reason and the client told by close_notify; verify: false; and
// curl's HTTP/2 carried to an nginx that only speaks h2 when ALPN, forwarded by tlsfloor, says so.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/integration/proxy_config.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/third_party.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

// openssl s_server answering `GET /` with a page that describes the connection ("New, TLSv1.0,
// Cipher is ...", or "Reused, ..." for a resumed session). One connection at a time.
std::unique_ptr<ChildProcess> start_s_server(std::uint16_t port, const PemFiles& pem,
                                             std::vector<std::string> more) {
  std::vector<std::string> argv = {
      "openssl", "s_server",    "-accept", "127.0.0.1:" + std::to_string(port),
      "-cert",   pem.cert_path, "-key",    pem.key_path,
      "-www"};
  argv.insert(argv.end(), more.begin(), more.end());
  auto server = std::make_unique<ChildProcess>(argv);
  return server;
}

// A TLS 1.3 client's GET through tlsfloor: the page the upstream answered with ("" when the
// upstream leg failed), and whether tlsfloor ended the stream with close_notify.
std::string get_page(std::uint16_t port, ReadEnd* how = nullptr) {
  ClientOptions options;
  options.min_version = TLS1_3_VERSION;
  TlsClient client(port, options);
  if (!client.handshake() || client.version() != TLS1_3_VERSION) return "(no TLS 1.3 handshake)";
  client.write_all("GET / HTTP/1.0\r\n\r\n");
  return client.read_to_end(how);
}

std::vector<json> log_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

// A service that speaks TLS 1.0 only, as legacy.internal with an RSA certificate; listener()
// fronts it, verified, with more upstream.tls keys such as ", min_version: TLS1.0".
struct LegacyService {
  explicit LegacyService(TempDir& dir)
      : certificate(make_self_signed(dir, "legacy", {"legacy.internal"}, KeyType::rsa_2048)),
        port(unused_port()),
        // OpenSSL 3 refuses TLS 1.0 at its default security level: level 0, as on an old server.
        server(start_s_server(port, certificate, {"-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"})) {}
  ListenerSpec listener(TempDir& dir, const std::string& upstream_tls) const {
    ListenerSpec spec;
    spec.upstream_port = port;
    spec.certificates = {make_self_signed(dir, "api", {"localhost"})};
    spec.upstream_extra = "tls: {server_name: legacy.internal, ca_file: \"" +
                          certificate.cert_path + "\"" + upstream_tls + "}";
    return spec;
  }
  PemFiles certificate;
  std::uint16_t port;
  std::unique_ptr<ChildProcess> server;
};

TEST(UpstreamTlsTest, ATls13ClientReachesATls10OnlyServiceWhoseSessionsResume) {
  TempDir dir;
  const LegacyService legacy(dir);
  ASSERT_TRUE(wait_for_listener(legacy.port)) << legacy.server->output();
  const ListenerSpec spec = legacy.listener(dir, ", min_version: TLS1.0");
  const std::string log = (dir.path() / "handshakes.log").string();
  RunningProxy proxy(proxy_yaml({spec}, "5s", "access_log: {path: \"" + log + "\"}\n"));

  const std::string first = get_page(proxy.port());
  EXPECT_NE(first.find("HTTP/1.0 200 ok"), std::string::npos) << first;
  EXPECT_NE(first.find("New, TLSv1.0, Cipher is ECDHE-RSA-"), std::string::npos) << first;
  const std::string second = get_page(proxy.port());
  EXPECT_NE(second.find("Reused, TLSv1.0"), std::string::npos) << second;

  const Labels completed = {{"listener", "api"}, {"version", "TLS1.0"}, {"outcome", "completed"}};
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_upstream_handshakes_total", completed, 2), 2);
  EXPECT_EQ(proxy.metric("tlsfloor_upstream_resumed_handshakes_total", {{"listener", "api"}}), 1);
  // The client's own side stays at TLS 1.3: the floor of 1.2 holds for clients.
  EXPECT_EQ(proxy.metric("tlsfloor_handshakes_total",
                         {{"listener", "api"}, {"version", "TLS1.3"}, {"outcome", "accepted"}}),
            2);
  proxy.stop();
  const auto lines = log_lines(log);
  ASSERT_EQ(lines.size(), 2u);
  for (const json& line : lines) {
    EXPECT_EQ(line["negotiated_version"], "TLS1.3");
    EXPECT_EQ(line["upstream_version"], "TLS1.0");
    EXPECT_EQ(line["upstream_cipher"].get<std::string>().rfind("TLS_ECDHE_RSA_WITH_AES_", 0), 0u)
        << line;
  }
}

TEST(UpstreamTlsTest, VerificationFailuresAreCountedByReasonAndTheClientIsToldCleanly) {
  TempDir dir;
  const PemFiles service = make_self_signed(dir, "service", {"service.internal"});
  const PemFiles stranger = make_self_signed(dir, "stranger", {"service.internal"});
  const std::uint16_t upstream_port = unused_port();
  const auto upstream = start_s_server(upstream_port, service, {});
  ASSERT_TRUE(wait_for_listener(upstream_port)) << upstream->output();
  const auto listener = [&](const std::string& name, const std::string& tls) {
    ListenerSpec spec;
    spec.name = name;
    spec.upstream_port = upstream_port;
    spec.certificates = {make_self_signed(dir, name, {"localhost"})};
    spec.upstream_extra = "tls: " + tls;
    return spec;
  };
  const std::string trusted = "ca_file: \"" + service.cert_path + "\"";
  RunningProxy proxy(proxy_yaml({
      listener("untrusted",
               "{server_name: service.internal, ca_file: \"" + stranger.cert_path + "\"}"),
      listener("misnamed", "{server_name: other.internal, " + trusted + "}"),
      listener("verified", "{server_name: service.internal, " + trusted + "}"),
      listener("unverified", "{server_name: other.internal, verify: false}"),
  }));
  for (const std::string name : {"untrusted", "misnamed"}) {
    ReadEnd how = ReadEnd::error;
    EXPECT_EQ(get_page(proxy.port(name), &how), "") << name;
    EXPECT_EQ(how, ReadEnd::close_notify) << name;
    EXPECT_EQ(proxy.metric("tlsfloor_upstream_connect_failures_total", {{"listener", name}}), 1)
        << name;
  }
  EXPECT_EQ(
      proxy.metric_eventually("tlsfloor_upstream_handshakes_total",
                              {{"listener", "untrusted"}, {"outcome", "certificate_untrusted"}}, 1),
      1);
  EXPECT_EQ(proxy.metric_eventually(
                "tlsfloor_upstream_handshakes_total",
                {{"listener", "misnamed"}, {"outcome", "certificate_name_mismatch"}}, 1),
            1);
  // The certificate is refused after the ServerHello: the version is known all the same.
  EXPECT_EQ(proxy.metric("tlsfloor_upstream_handshakes_total",
                         {{"listener", "misnamed"}, {"version", "TLS1.3"}}),
            1);
  for (const std::string name : {"verified", "unverified"}) {
    const std::string page = get_page(proxy.port(name));
    EXPECT_NE(page.find("New, TLSv1.3"), std::string::npos) << name << ": " << page;
    EXPECT_EQ(proxy.metric_eventually("tlsfloor_upstream_handshakes_total",
                                      {{"listener", name}, {"outcome", "completed"}}, 1),
              1)
        << name;
  }
}

TEST(UpstreamTlsTest, AnUpstreamThatSpeaksNoCommonVersionIsAVersionMismatch) {
  TempDir dir;
  const LegacyService legacy(dir);
  ASSERT_TRUE(wait_for_listener(legacy.port)) << legacy.server->output();
  // The default floor towards upstreams is TLS 1.2, as towards clients.
  const ListenerSpec spec = legacy.listener(dir, "");
  RunningProxy proxy(proxy_yaml({spec}));
  EXPECT_EQ(get_page(proxy.port()), "");
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_upstream_handshakes_total",
                                    {{"listener", "api"}, {"outcome", "version_mismatch"}}, 1),
            1);
}

// The upstream leg has a cipher floor of its own: an upstream that offers only static RSA (no
// forward secrecy) is refused with the defaults, and reached only when its suite is written into
// upstream.tls.ciphers, where what was negotiated is counted. (Debian's OpenSSL has no 3DES left
// to play an older upstream with.)
TEST(UpstreamTlsTest, TheUpstreamLegHasACipherFloor) {
  TempDir dir;
  const PemFiles certificate =
      make_self_signed(dir, "legacy", {"legacy.internal"}, KeyType::rsa_2048);
  const std::uint16_t port = unused_port();
  const auto server = start_s_server(port, certificate, {"-tls1_2", "-cipher", "AES128-SHA"});
  ASSERT_TRUE(wait_for_listener(port)) << server->output();
  ListenerSpec spec;
  spec.upstream_port = port;
  spec.certificates = {make_self_signed(dir, "api", {"localhost"})};
  const std::string trust =
      "tls: {server_name: legacy.internal, ca_file: \"" + certificate.cert_path + "\"";
  spec.upstream_extra = trust + "}";
  {
    RunningProxy proxy(proxy_yaml({spec}));
    EXPECT_EQ(get_page(proxy.port()), "");
    EXPECT_EQ(proxy.metric_eventually("tlsfloor_upstream_handshakes_total",
                                      {{"listener", "api"}, {"outcome", "handshake_refused"}}, 1),
              1);
  }
  spec.upstream_extra = trust + ", ciphers: \"ECDHE+AESGCM:AES128-SHA\"}";
  RunningProxy proxy(proxy_yaml({spec}));
  const std::string page = get_page(proxy.port());
  EXPECT_NE(page.find("Cipher is AES128-SHA"), std::string::npos) << page;
  EXPECT_EQ(
      proxy.metric_eventually(
          "tlsfloor_upstream_negotiated_ciphers_total",
          {{"listener", "api"}, {"version", "TLS1.2"}, {"cipher", "TLS_RSA_WITH_AES_128_CBC_SHA"}},
          1),
      1);
}

TEST(UpstreamTlsTest, TheClientsAlpnReachesAnHttp2UpstreamOverTls) {
  TempDir dir;
  const PemFiles service = make_self_signed(dir, "service", {"service.internal"});
  const std::uint16_t nginx_port = unused_port();
  // nginx speaks HTTP/2 over TLS only to a client whose ALPN offered h2.
  const auto nginx =
      start_nginx(dir, nginx_port,
                  "http {\n  access_log off;\n  client_body_temp_path " + dir.path().string() +
                      ";\n  server {\n    listen 127.0.0.1:" + std::to_string(nginx_port) +
                      " ssl http2;\n    ssl_certificate " + service.cert_path +
                      ";\n    ssl_certificate_key " + service.key_path +
                      ";\n    location / { return 200 \"over $server_protocol\\n\"; }\n  }\n}\n");
  ASSERT_TRUE(wait_for_listener(nginx_port)) << nginx->output();
  ListenerSpec spec;
  spec.upstream_port = nginx_port;
  spec.certificates = {make_self_signed(dir, "api", {"localhost"})};
  spec.tls_extra = "alpn: [h2, http/1.1]";
  spec.upstream_extra =
      "tls: {server_name: service.internal, ca_file: \"" + service.cert_path + "\"}";
  RunningProxy proxy(proxy_yaml({spec}));
  for (const std::string flag : {"--http2", "--http1.1"}) {
    const auto result = run_command({"curl", "--silent", "--show-error", "--insecure", flag,
                                     "https://localhost:" + std::to_string(proxy.port()) + "/"});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output, flag == "--http2" ? "over HTTP/2.0\n" : "over HTTP/1.1\n");
  }
}

// Two listeners of one tlsfloor chained: "front" speaks TLS (verified) to "back", which
// terminates it in front of `service_port`. `front_upstream` adds keys to front's upstream
// ("proxy_protocol: v2, "), `front_tls` to its upstream.tls (", max_version: TLS1.2").
struct ChainedListeners {
  ChainedListeners(TempDir& dir, std::uint16_t service_port, const std::string& front_upstream,
                   const std::string& front_tls) {
    const PemFiles back_certificate = make_self_signed(dir, "back", {"back.internal"});
    const std::uint16_t back_port = unused_port();
    back.name = "back";
    back.listen = "127.0.0.1:" + std::to_string(back_port);
    back.upstream_port = service_port;
    back.certificates = {back_certificate};
    front.name = "front";
    front.upstream_port = back_port;
    front.certificates = {make_self_signed(dir, "front", {"localhost"})};
    front.upstream_extra = front_upstream + "tls: {server_name: back.internal, ca_file: \"" +
                           back_certificate.cert_path + "\"" + front_tls + "}";
  }
  ListenerSpec back;
  ListenerSpec front;
};

// tlsfloor in front of tlsfloor: every byte both ways over a TLS upstream leg, the client's
// close_notify carried to the upstream as close_notify and FIN, and the reply's end back as
// close_notify, at each version the upstream leg may speak.
class TlsToTlsfloorTest : public testing::TestWithParam<std::string> {};

TEST_P(TlsToTlsfloorTest, EveryByteArrivesBothWaysAndEachEndIsPassedOn) {
  TempDir dir;
  TcpUpstream service(UpstreamMode::reply_after_eof);
  const ChainedListeners chain(dir, service.port(), "", ", max_version: " + GetParam());
  RunningProxy proxy(proxy_yaml({chain.back, chain.front}));
  std::mt19937 generator(7);
  std::string payload(6 * 1024 * 1024 + 321, '\0');
  for (char& byte : payload) byte = static_cast<char>(generator());

  TlsClient client(proxy.port("front"));
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.write_all(payload));
  client.finish_sending();
  ReadEnd end{};
  const std::string reply = client.read_to_end(&end);
  EXPECT_EQ(reply.size(), payload.size());
  EXPECT_TRUE(reply == payload) << "the reply differs from what was sent";
  EXPECT_EQ(end, ReadEnd::close_notify);
  const auto received = service.wait_for_finished(1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_TRUE(received[0] == payload);
  EXPECT_EQ(proxy.metric_eventually(
                "tlsfloor_upstream_handshakes_total",
                {{"listener", "front"}, {"version", GetParam()}, {"outcome", "completed"}}, 1),
            1);
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_connections_active", {}, 0.0), 0.0);
}

// The PROXY header goes first, in the clear, then TLS: a second tlsfloor that trusts the first
// as its balancer reads the header, then terminates the TLS, and logs the real client.
TEST(UpstreamTlsTest, AProxyHeaderPrecedesTheUpstreamHandshake) {
  TempDir dir;
  TcpUpstream service(UpstreamMode::echo);
  ChainedListeners chain(dir, service.port(), "proxy_protocol: v2, ", "");
  const std::string back_log = (dir.path() / "back.log").string();
  chain.back.extra_yaml =
      "    proxy_protocol: {trusted: [127.0.0.1]}\n"
      "    access_log: {path: \"" +
      back_log + "\"}\n";
  RunningProxy proxy(proxy_yaml({chain.back, chain.front}));
  ClientOptions options;
  options.source = "127.0.0.3";
  TlsClient client(proxy.port("front"), options);
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.write_all("through both"));
  EXPECT_EQ(client.read_exactly(12), "through both");
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_upstream_handshakes_total",
                                    {{"listener", "front"}, {"outcome", "completed"}}, 1),
            1);
  proxy.stop();
  const auto lines = log_lines(back_log);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["client"], "127.0.0.3");  // the header named the real client
  EXPECT_EQ(lines[0]["balancer"].get<std::string>().rfind("127.0.0.1:", 0), 0u) << lines[0];
  EXPECT_EQ(lines[0]["sni"], "back.internal");
}

INSTANTIATE_TEST_SUITE_P(UpstreamVersions, TlsToTlsfloorTest, testing::Values("TLS1.2", "TLS1.3"),
                         [](const auto& info) {
                           return info.param == "TLS1.2" ? std::string("Tls12")
                                                         : std::string("Tls13");
                         });

}  // namespace
}  // namespace tlsfloor::test
