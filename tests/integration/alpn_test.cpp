// ALPN: the server's order decides among what the client offers, per route; a client offering
// none of the configured protocols goes on without ALPN; the choice is logged. And HTTP/2 end to
// end: Debian's curl negotiates h2 through tlsfloor to an nginx speaking HTTP/2 in the clear.
// Routing by ALPN (upstream_by_alpn): real clients (curl --http2 and --http1.1, OpenSSL's
// s_client with and without -alpn, BoringSSL) each reach the upstream of the protocol they
// negotiated, per listener and per route, the rest the fallback; a reload moves a protocol.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "proxy/server/server.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/third_party.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

ClientOptions offering(std::vector<std::string> alpn, const std::string& server_name) {
  ClientOptions options;
  options.alpn = std::move(alpn);
  options.server_name = server_name;
  return options;
}

std::string negotiated(std::uint16_t port, std::vector<std::string> offered,
                       const std::string& server_name = "") {
  TlsClient client(port, offering(std::move(offered), server_name));
  if (!client.handshake()) return "(handshake failed)";
  return client.alpn_selected();
}

// What a client that offered `alpn` negotiated, and the greeting (7 bytes) of the upstream it
// reached: "h2 h2-back"; "(handshake failed)" when it was refused.
std::string negotiated_and_reached(std::uint16_t port, std::vector<std::string> alpn,
                                   const std::string& server_name = "") {
  TlsClient client(port, offering(std::move(alpn), server_name));
  if (!client.handshake()) return "(handshake failed)";
  return (client.alpn_selected().empty() ? "-" : client.alpn_selected()) + " " +
         client.read_exactly(7);
}

TEST(AlpnTest, TheServersOrderDecidesPerRoute) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {make_self_signed(dir, "api", {"localhost"})};
  spec.tls_extra = "alpn: [h2, http/1.1]";
  spec.extra_yaml =
      "    routes:\n"
      "      - name: old\n"
      "        server_names: [old.example.test]\n"
      "        tls: { alpn: [http/1.1] }\n";
  const std::string log = (dir.path() / "handshakes.log").string();
  RunningProxy proxy(proxy_yaml({spec}, "5s", "access_log: {path: \"" + log + "\"}\n"));
  EXPECT_EQ(negotiated(proxy.port(), {"http/1.1", "h2"}), "h2");  // ours first, not the client's
  EXPECT_EQ(negotiated(proxy.port(), {"http/1.1"}), "http/1.1");
  EXPECT_EQ(negotiated(proxy.port(), {"spdy/3", "acme-tls/1"}), "");  // none in common: no ALPN
  EXPECT_EQ(negotiated(proxy.port(), {}), "");
  EXPECT_EQ(negotiated(proxy.port(), {"h2", "http/1.1"}, "old.example.test"), "http/1.1");
  proxy.stop();
  std::ifstream in(log);
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 5u);
  std::vector<json> selected;
  for (const auto& line : lines) selected.push_back(line["alpn_selected"]);
  std::sort(selected.begin(), selected.end());  // two workers: file order is not client order
  EXPECT_EQ(json(selected), json::parse(R"([null, null, "h2", "http/1.1", "http/1.1"])"));
}

TEST(AlpnTest, CurlSpeaksHttp2ThroughTlsfloor) {
  TempDir dir;
  const std::uint16_t nginx_port = unused_port();
  const auto nginx = start_nginx(
      dir, nginx_port,
      "http {\n  access_log off;\n  client_body_temp_path " + dir.path().string() +
          ";\n  server {\n    listen 127.0.0.1:" + std::to_string(nginx_port) +
          " http2;\n    location / { return 200 \"over $server_protocol\\n\"; }\n  }\n}\n");
  ASSERT_TRUE(wait_for_listener(nginx_port)) << nginx->output();
  ListenerSpec spec;
  spec.upstream_port = nginx_port;
  spec.certificates = {make_self_signed(dir, "api", {"localhost"})};
  spec.tls_extra = "alpn: [h2, http/1.1]";
  RunningProxy proxy(proxy_yaml({spec}));
  const auto result =
      run_command({"curl", "--silent", "--show-error", "--insecure", "--http2", "--write-out",
                   "%{http_version}", "https://localhost:" + std::to_string(proxy.port()) + "/"});
  EXPECT_EQ(result.exit_code, 0) << result.output << nginx->output();
  EXPECT_EQ(result.output, "over HTTP/2.0\n2") << nginx->output();
}

// OpenSSL's s_client offering `alpn` (none when empty), until the proxy closes: its output says
// what was negotiated ("ALPN protocol: h2", "No ALPN negotiated") and holds what it read.
std::string s_client(std::uint16_t port, const std::string& alpn,
                     const std::string& server_name = "") {
  std::vector<std::string> argv{"openssl", "s_client", "-connect",
                                "127.0.0.1:" + std::to_string(port), "-ign_eof"};
  if (!server_name.empty()) argv.insert(argv.end(), {"-servername", server_name});
  if (!alpn.empty()) argv.insert(argv.end(), {"-alpn", alpn});
  return run_command(argv).output;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class AlpnRoutingTest : public testing::Test {
 protected:
  // Listener "web": h2 and http/1.1 to their upstreams, anything else to `fallback_`, no
  // tls.alpn (the map's protocols are offered). Route "api": its own map, h2 only, and
  // tls.alpn [h2, http/1.1], so that http/1.1 is negotiated there and goes to its fallback.
  // `listener_map` replaces the listener's map (for the reload). Returns the file's path.
  std::string write_config(const std::string& listener_map = "") {
    const auto at = [](const TcpUpstream& upstream) {
      return "{ address: 127.0.0.1:" + std::to_string(upstream.port()) + " }";
    };
    ListenerSpec spec;
    spec.name = "web";
    spec.upstream_port = fallback_.port();
    spec.certificates = {certificate_};
    spec.extra_yaml =
        "    upstream_by_alpn: " +
        (listener_map.empty() ? "{ h2: " + at(h2_) + ", http/1.1: " + at(http1_) + " }"
                              : listener_map) +
        "\n"
        "    routes:\n"
        "      - name: api\n"
        "        server_names: [api.example.test]\n"
        "        upstream: " +
        at(api_) +
        "\n"
        "        upstream_by_alpn: { h2: " +
        at(api_h2_) +
        " }\n"
        "        tls: { alpn: [h2, http/1.1] }\n";
    return dir_.write("tlsfloor.yaml",
                      proxy_yaml({spec}, "5s", "access_log: {path: \"" + log_path() + "\"}\n"));
  }
  std::string log_path() const { return (dir_.path() / "handshakes.log").string(); }
  std::vector<json> log_lines() const {
    std::ifstream in(log_path());
    std::vector<json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }

  TempDir dir_;
  PemFiles certificate_ = make_self_signed(dir_, "web", {"localhost", "*.example.test"});
  // Each greets with its name, so a client can tell where it was sent.
  TcpUpstream fallback_{UpstreamMode::greet_then_collect, "default"};
  TcpUpstream h2_{UpstreamMode::greet_then_collect, "h2-back"};
  TcpUpstream http1_{UpstreamMode::greet_then_collect, "h1-back"};
  TcpUpstream api_{UpstreamMode::greet_then_collect, "api-any"};
  TcpUpstream api_h2_{UpstreamMode::greet_then_collect, "api-h2!"};
};

TEST_F(AlpnRoutingTest, EachNegotiatedProtocolReachesItsUpstreamAndTheRestTheFallback) {
  const auto proxy = RunningProxy::from_file(write_config());
  const std::uint16_t port = proxy->port("web");
  // The listener's map.
  EXPECT_EQ(negotiated_and_reached(port, {"h2", "http/1.1"}), "h2 h2-back");
  EXPECT_EQ(negotiated_and_reached(port, {"http/1.1", "h2"}), "h2 h2-back");  // the map's order
  EXPECT_EQ(negotiated_and_reached(port, {"http/1.1"}), "http/1.1 h1-back");
  EXPECT_EQ(negotiated_and_reached(port, {}), "- default");
  EXPECT_EQ(negotiated_and_reached(port, {"spdy/3"}), "- default");  // not offered: no ALPN
  {
    // TLS 1.2: the same (h2 is allowed from TLS 1.2 on).
    ClientOptions tls12 = offering({"h2"}, "");
    tls12.max_version = TLS1_2_VERSION;
    TlsClient client(port, tls12);
    ASSERT_TRUE(client.handshake());
    EXPECT_EQ(client.alpn_selected(), "h2");
    EXPECT_EQ(client.read_exactly(7), "h2-back");
  }
  // The route's own map beside it: h2 to its backend; http/1.1 (offered by its tls.alpn, not in
  // its map) and no ALPN to the route's upstream, never to the listener's.
  EXPECT_EQ(negotiated_and_reached(port, {"h2"}, "api.example.test"), "h2 api-h2!");
  EXPECT_EQ(negotiated_and_reached(port, {"http/1.1"}, "api.example.test"), "http/1.1 api-any");
  EXPECT_EQ(negotiated_and_reached(port, {}, "api.example.test"), "- api-any");
  // Every view tells the same: the log line of each handshake names the protocol that chose
  // the upstream, and its route.
  proxy->stop();
  std::vector<std::string> seen;
  for (const json& line : log_lines()) {
    seen.push_back(
        line["route"].get<std::string>() + " " +
        (line["alpn_selected"].is_null() ? "-" : line["alpn_selected"].get<std::string>()));
  }
  std::sort(seen.begin(), seen.end());  // two workers: file order is not client order
  EXPECT_EQ(seen, (std::vector<std::string>{"api -", "api h2", "api http/1.1", "default -",
                                            "default -", "default h2", "default h2", "default h2",
                                            "default http/1.1"}));
}

TEST_F(AlpnRoutingTest, OpenSslsClientReachesTheUpstreamOfWhatItOffers) {
  const auto proxy = RunningProxy::from_file(write_config());
  const std::uint16_t port = proxy->port("web");
  const std::string h2 = s_client(port, "h2");
  EXPECT_TRUE(contains(h2, "ALPN protocol: h2")) << h2;
  EXPECT_TRUE(contains(h2, "h2-back")) << h2;
  const std::string http1 = s_client(port, "http/1.1");
  EXPECT_TRUE(contains(http1, "ALPN protocol: http/1.1")) << http1;
  EXPECT_TRUE(contains(http1, "h1-back")) << http1;
  const std::string none = s_client(port, "");
  EXPECT_TRUE(contains(none, "No ALPN negotiated")) << none;
  EXPECT_TRUE(contains(none, "default")) << none;
  const std::string route = s_client(port, "http/1.1,h2", "api.example.test");
  EXPECT_TRUE(contains(route, "ALPN protocol: h2")) << route;
  EXPECT_TRUE(contains(route, "api-h2!")) << route;
}

TEST_F(AlpnRoutingTest, AReloadMovesAProtocolForNewConnections) {
  const auto proxy = RunningProxy::from_file(write_config());
  const std::uint16_t port = proxy->port("web");
  EXPECT_EQ(negotiated_and_reached(port, {"h2"}), "h2 h2-back");
  // A connection made before the reload keeps the upstream it reached.
  TlsClient before(port, offering({"http/1.1"}, ""));
  ASSERT_TRUE(before.handshake());
  EXPECT_EQ(before.read_exactly(7), "h1-back");
  // h2 moves to another backend; http/1.1 is no longer routed, nor offered (the map is what
  // the listener offers): it goes to the fallback without ALPN.
  write_config("{ h2: { address: 127.0.0.1:" + std::to_string(api_h2_.port()) + " } }");
  ASSERT_TRUE(proxy->server().reload().ok);
  EXPECT_EQ(negotiated_and_reached(port, {"h2"}), "h2 api-h2!");
  EXPECT_EQ(negotiated_and_reached(port, {"http/1.1"}), "- default");
  ASSERT_TRUE(before.write_all("still here"));
  before.finish_sending();
  EXPECT_EQ(http1_.wait_for_finished(1), std::vector<std::string>{"still here"});
}

TEST_F(AlpnRoutingTest, CheckSaysWhereEachProtocolGoes) {
  const auto result = run_command({TLSFLOOR_BINARY, "--config", write_config(), "--check"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const std::string fallback = "127.0.0.1:" + std::to_string(fallback_.port());
  EXPECT_TRUE(contains(
      result.output, "listener web: upstream by ALPN {h2: 127.0.0.1:" + std::to_string(h2_.port()) +
                         ", http/1.1: 127.0.0.1:" + std::to_string(http1_.port()) +
                         "}, no ALPN or another protocol " + fallback +
                         "; offers h2, http/1.1 (upstream_by_alpn's; no tls.alpn)"))
      << result.output;
  EXPECT_TRUE(contains(
      result.output,
      "listener web route api: upstream by ALPN {h2: 127.0.0.1:" + std::to_string(api_h2_.port()) +
          "}, no ALPN or another protocol 127.0.0.1:" + std::to_string(api_.port()) +
          "; offers h2, http/1.1 (tls.alpn)"))
      << result.output;
}

// curl, as browsers and API clients do: HTTP/2 to an nginx that speaks HTTP/2, HTTP/1.1 to one
// that speaks HTTP/1.1, through one port, chosen by the ALPN curl negotiated, per route.
TEST(AlpnRoutingCurlTest, CurlReachesTheBackendOfItsHttpVersion) {
  TempDir dir;
  const std::uint16_t h2 = unused_port();
  const std::uint16_t http1 = unused_port();
  const std::uint16_t fallback = unused_port();
  const std::uint16_t api_h2 = unused_port();
  std::string servers;
  using Server = std::tuple<std::uint16_t, std::string, bool>;  // port, name, HTTP/2
  for (const auto& [port, name, http2] : std::vector<Server>{{h2, "h2", true},
                                                             {http1, "http1", false},
                                                             {fallback, "fallback", false},
                                                             {api_h2, "api-h2", true}}) {
    servers += "  server {\n    listen 127.0.0.1:" + std::to_string(port) +
               (http2 ? " http2" : "") + ";\n    location / { return 200 \"" + name +
               " over $server_protocol\\n\"; }\n  }\n";
  }
  const auto nginx = start_nginx(dir, h2,
                                 "http {\n  access_log off;\n  client_body_temp_path " +
                                     dir.path().string() + ";\n" + servers + "}\n");
  for (const std::uint16_t port : {h2, http1, fallback, api_h2}) {
    ASSERT_TRUE(wait_for_listener(port)) << nginx->output();
  }
  ListenerSpec spec;
  spec.name = "web";
  spec.upstream_port = fallback;
  spec.certificates = {make_self_signed(dir, "web", {"www.example.test", "api.example.test"})};
  const auto at = [](std::uint16_t port) {
    return "{ address: 127.0.0.1:" + std::to_string(port) + " }";
  };
  // The route writes no tls.alpn: it offers its map's protocol, h2, only.
  spec.extra_yaml = "    upstream_by_alpn: { h2: " + at(h2) + ", http/1.1: " + at(http1) +
                    " }\n"
                    "    routes:\n"
                    "      - name: api\n"
                    "        server_names: [api.example.test]\n"
                    "        upstream_by_alpn: { h2: " +
                    at(api_h2) + " }\n";
  RunningProxy proxy(proxy_yaml({spec}));
  const std::string port = std::to_string(proxy.port("web"));
  const auto curl = [&](const std::string& host, const std::string& version) {
    const auto result =
        run_command({"curl", "--silent", "--show-error", "--insecure", version, "--resolve",
                     host + ":" + port + ":127.0.0.1", "https://" + host + ":" + port + "/"});
    EXPECT_EQ(result.exit_code, 0) << result.output << nginx->output();
    return result.output;
  };
  EXPECT_EQ(curl("www.example.test", "--http2"), "h2 over HTTP/2.0\n");
  EXPECT_EQ(curl("www.example.test", "--http1.1"), "http1 over HTTP/1.1\n");
  EXPECT_EQ(curl("www.example.test", "--no-alpn"), "fallback over HTTP/1.1\n");
  EXPECT_EQ(curl("api.example.test", "--http2"), "api-h2 over HTTP/2.0\n");
  // The route offers h2 only: curl's http/1.1 is not negotiated, and no ALPN is the fallback.
  EXPECT_EQ(curl("api.example.test", "--http1.1"), "fallback over HTTP/1.1\n");
}

}  // namespace
}  // namespace tlsfloor::test
