// The admin listener: /metrics is valid Prometheus text (promtool agrees) with every family
// documented, /healthz answers, other paths and methods are refused.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/integration/proxy_config.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

class AdminTest : public testing::Test {
 protected:
  AdminTest() {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"api.test"})};
    // With a handshake log, so that its families have series too.
    proxy_.emplace(proxy_yaml(
        {spec}, "5s", "access_log: {path: \"" + (dir_.path() / "h.log").string() + "\"}\n"));
  }
  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
  std::optional<RunningProxy> proxy_;
};

TEST_F(AdminTest, HealthzAnswersWhileServing) {
  const auto response = http_get(proxy_->admin_port(), "/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok\n");
}

TEST_F(AdminTest, UnknownPathsAndMethodsAreRefused) {
  EXPECT_EQ(http_get(proxy_->admin_port(), "/nope").status, 404);
  const auto post = http_request(proxy_->admin_port(), "POST", "/metrics");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.headers.find("Allow: GET"), std::string::npos) << post.headers;
}

TEST_F(AdminTest, EveryAnswerIsNeitherSniffedNorCached) {
  for (const char* path : {"/metrics", "/healthz", "/legacy-clients", "/nope"}) {
    const auto response = http_get(proxy_->admin_port(), path);
    EXPECT_NE(response.headers.find("X-Content-Type-Options: nosniff"), std::string::npos) << path;
    EXPECT_NE(response.headers.find("Cache-Control: no-store"), std::string::npos) << path;
  }
}

TEST_F(AdminTest, BrowserRequestsFromElsewhereAreRefused) {
  const auto port = proxy_->admin_port();
  // A page on another site, through a visitor's browser.
  const auto cross = http_request(port, "POST", "/reload", "Origin: https://evil.example\r\n");
  EXPECT_EQ(cross.status, 403);
  // A DNS-rebinding page: the browser thinks it talks to the attacker's own name.
  const auto rebound =
      http_request(port, "GET", "/legacy-clients", "Host: attacker.example:9901\r\n");
  EXPECT_EQ(rebound.status, 403);
  EXPECT_EQ(http_request(port, "GET", "/legacy-clients", "Host: localhost:9901\r\n").status, 200);
  EXPECT_EQ(proxy_->metric("tlsfloor_config_reloads_total", {{"result", "success"}}), 0.0)
      << "the refused POST did not reload";
}

TEST_F(AdminTest, ReloadsAreRateLimited) {
  const auto port = proxy_->admin_port();
  int accepted = 0;
  int limited = 0;
  for (int i = 0; i < 20; ++i) {
    const auto response = http_request(port, "POST", "/reload");
    if (response.status == 429) {
      ++limited;
      EXPECT_NE(response.headers.find("Retry-After: "), std::string::npos);
    } else {
      ++accepted;
    }
  }
  EXPECT_EQ(accepted, 12) << "the default burst";
  EXPECT_EQ(limited, 8);
}

TEST_F(AdminTest, MetricsHaveTheExpositionContentType) {
  const auto response = http_get(proxy_->admin_port(), "/metrics?ignored=1");
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
      << response.headers;
}

TEST_F(AdminTest, EveryFamilyIsDocumentedAndPromtoolFindsNothingWrong) {
  // Traffic of every kind first, so labelled series exist: accepted, rejected, failed.
  {
    TlsClient modern(proxy_->port());
    ASSERT_TRUE(modern.handshake());
    ASSERT_TRUE(modern.write_all("hi"));
    EXPECT_EQ(modern.read_exactly(2), "hi");
    ClientOptions tls10;
    tls10.max_version = TLS1_VERSION;
    TlsClient legacy(proxy_->port(), tls10);
    EXPECT_FALSE(legacy.handshake());
    const int fd = connect_tcp(proxy_->port());
    send_raw(fd, "garbage\r\n\r\n");
    read_raw_to_end(fd);
    close(fd);
  }
  // The per-client table records once the refused handshake has ended, on the proxy's thread.
  EXPECT_EQ(proxy_->metric_eventually("tlsfloor_legacy_clients_tracked", {{"listener", "api"}}, 1),
            1.0);
  const std::string text = proxy_->scrape();
  for (const char* family :
       {"tlsfloor_handshakes_total", "tlsfloor_legacy_handshakes_total",
        "tlsfloor_connections_active", "tlsfloor_connections_total", "tlsfloor_bytes_total",
        "tlsfloor_handshake_duration_seconds", "tlsfloor_resumed_handshakes_total",
        "tlsfloor_upstream_connect_failures_total", "tlsfloor_policy_info",
        "tlsfloor_accept_errors_total", "tlsfloor_build_info",
        "tlsfloor_legacy_client_handshakes_total", "tlsfloor_legacy_clients_tracked",
        "tlsfloor_access_log_lines_total", "tlsfloor_access_log_dropped_total",
        "tlsfloor_signatures_total", "tlsfloor_signing_queue_wait_seconds",
        "tlsfloor_signing_queue_length", "tlsfloor_signing_threads"}) {
    EXPECT_NE(text.find(std::string("# HELP ") + family + " "), std::string::npos) << family;
    EXPECT_NE(text.find(std::string("# TYPE ") + family + " "), std::string::npos) << family;
  }
  EXPECT_EQ(proxy_->metric("tlsfloor_handshake_duration_seconds_count", {{"listener", "api"}}),
            1.0);

  // promtool is part of the test dependencies (deploy/install-deps.sh --test).
  TempDir scratch;
  const std::string file = scratch.write("metrics.txt", text);
  const std::string command = "promtool check metrics < '" + file + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  ASSERT_NE(WEXITSTATUS(status), 127) << "promtool is missing: run deploy/install-deps.sh --test";
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "");
}

TEST(AdminTokenTest, ReloadNeedsTheTokenFromTheTokenFile) {
  TempDir dir;
  TcpUpstream upstream{UpstreamMode::echo};
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {make_self_signed(dir, "api", {"api.test"})};
  const std::string token = "s3cret-admin-token-0123456789";
  const std::string token_path = dir.write("admin.token", token + "\n");
  std::filesystem::permissions(token_path, std::filesystem::perms::owner_read);
  std::string yaml = proxy_yaml({spec});
  const std::string listen = "  listen: 127.0.0.1:0\n";
  yaml.replace(yaml.find(listen), listen.size(), listen + "  token_file: " + token_path + "\n");
  const auto proxy = RunningProxy::from_file(dir.write("tlsfloor.yaml", yaml));
  const auto port = proxy->admin_port();

  const auto without = http_request(port, "POST", "/reload");
  EXPECT_EQ(without.status, 401);
  EXPECT_NE(without.headers.find("WWW-Authenticate: Bearer"), std::string::npos);
  EXPECT_EQ(http_request(port, "POST", "/reload", "Authorization: Bearer nope\r\n").status, 401);
  const auto with =
      http_request(port, "POST", "/reload", "Authorization: Bearer " + token + "\r\n");
  EXPECT_EQ(with.status, 200) << with.body;
  EXPECT_EQ(proxy->metric("tlsfloor_config_reloads_total", {{"result", "success"}}), 1.0);
  // Reading needs no token.
  EXPECT_EQ(http_get(port, "/metrics").status, 200);
}

}  // namespace
}  // namespace tlsfloor::test
