// ALPN: the server's order decides among what the client offers, per route; a client offering
// none of the configured protocols goes on without ALPN; the choice is logged. And HTTP/2 end to
// end: Debian's curl negotiates h2 through tlsfloor to an nginx speaking HTTP/2 in the clear.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
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

std::string negotiated(std::uint16_t port, std::vector<std::string> offered,
                       const std::string& server_name = "") {
  ClientOptions options;
  options.alpn = std::move(offered);
  options.server_name = server_name;
  TlsClient client(port, options);
  if (!client.handshake()) return "(handshake failed)";
  return client.alpn_selected();
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

}  // namespace
}  // namespace tlsfloor::test
