// Which software a legacy client is, seen from outside: real clients pinned to TLS 1.0 (OpenSSL's
// s_client, curl, GnuTLS's gnutls-cli) and a modern one, through the real proxy in observe
// mode. Each is named by its family, with what to do about it, in the handshake log, in
// GET /legacy-clients and in tlsfloor_legacy_handshakes_by_family_total.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "proxy/families/family_matcher.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

class ClientFamiliesTest : public testing::Test {
 protected:
  void SetUp() override {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"old.test"})};
    spec.mode = "observe";
    proxy_ = std::make_unique<RunningProxy>(
        proxy_yaml({spec}, "5s", "access_log: {path: \"" + log_path().string() + "\"}\n"));
    port_ = std::to_string(proxy_->port());
  }

  std::vector<json> log_lines() const {
    std::vector<json> lines;
    std::ifstream in(log_path());
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }
  // Runs `argv` and returns the log line its handshake left (clients run one at a time).
  json handshake_of(const std::vector<std::string>& argv) {
    const std::size_t before = log_lines().size();
    const CommandResult result = run_command(argv);
    std::vector<json> lines = log_lines();
    for (int i = 0; i < 2000 && lines.size() <= before; ++i) {
      wait_a_moment();
      lines = log_lines();
    }
    EXPECT_EQ(lines.size(), before + 1) << result.output;
    return lines.size() > before ? lines[before] : json();
  }
  double family_metric(const std::string& family, const std::string& decision) {
    const auto exposition = http_get(proxy_->admin_port(), "/metrics").body;
    return metric_value(exposition, "tlsfloor_legacy_handshakes_by_family_total",
                        {{"listener", "api"}, {"family", family}, {"decision", decision}})
        .value_or(-1);
  }
  std::filesystem::path log_path() const { return dir_.path() / "handshakes.log"; }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
  std::unique_ptr<RunningProxy> proxy_;
  std::string port_;
};

TEST_F(ClientFamiliesTest, RealLegacyClientsAreNamedByTheirSoftwareInEveryView) {
  const json openssl =
      handshake_of({"openssl", "s_client", "-connect", "127.0.0.1:" + port_, "-servername",
                    "old.test", "-tls1", "-cipher", "DEFAULT@SECLEVEL=0"});
  const json curl =
      handshake_of({"curl", "-sk", "--max-time", "5", "--tlsv1.0", "--tls-max", "1.0", "--ciphers",
                    "DEFAULT@SECLEVEL=0", "--resolve", "old.test:" + port_ + ":127.0.0.1",
                    "https://old.test:" + port_ + "/"});
  const json gnutls = handshake_of({"gnutls-cli", "--insecure", "--priority",
                                    "NORMAL:-VERS-ALL:+VERS-TLS1.0", "--port", port_, "127.0.0.1"});
  const json modern = handshake_of({"openssl", "s_client", "-connect", "127.0.0.1:" + port_,
                                    "-servername", "old.test", "-tls1_3"});
  // The log: every line names its family; each of these hellos is one the table holds.
  for (const auto& [line, family] : {std::pair{openssl, "openssl-1.1.1plus"},
                                     {curl, "curl"},
                                     {gnutls, "gnutls"},
                                     {modern, "openssl-1.1.1plus"}}) {
    EXPECT_EQ(line["family"], family) << line;
    EXPECT_EQ(line["family_confidence"], 1.0) << line;
    EXPECT_EQ(line["outcome"], "accepted") << "observe breaks nobody: " << line;
  }
  EXPECT_EQ(openssl["decision"], "would_reject");
  EXPECT_EQ(modern["decision"], "allowed");
  // GET /legacy-clients: the one address, and the three stacks behind it with what to do.
  const json doc = json::parse(http_get(proxy_->admin_port(), "/legacy-clients").body);
  ASSERT_EQ(doc["clients"].size(), 1u) << doc;
  const json& families = doc["clients"][0]["families"];
  ASSERT_EQ(families.size(), 3u) << doc;
  EXPECT_EQ(families[0]["family"], "openssl-1.1.1plus");
  EXPECT_EQ(families[1]["family"], "curl");
  EXPECT_EQ(families[2]["family"], "gnutls");
  EXPECT_EQ(families[2]["advice"], std::string(families::find_family("gnutls")->advice));
  const json only_curl =
      json::parse(http_get(proxy_->admin_port(), "/legacy-clients?family=curl").body);
  EXPECT_EQ(only_curl["total_clients"], 1);
  EXPECT_EQ(
      json::parse(
          http_get(proxy_->admin_port(), "/legacy-clients?family=java6").body)["total_clients"],
      0);
  // The metric: legacy handshakes only (the modern one is not counted).
  EXPECT_EQ(family_metric("openssl-1.1.1plus", "would_reject"), 1);
  EXPECT_EQ(family_metric("curl", "would_reject"), 1);
  EXPECT_EQ(family_metric("gnutls", "would_reject"), 1);
  EXPECT_EQ(family_metric("unknown", "would_reject"), -1) << "no such series yet";
  // The report, from the same log: the three families with their fix, each one client.
  const CommandResult report =
      run_command({TLSFLOOR_BINARY, "report", "--log", log_path().string(), "--format", "json"});
  ASSERT_EQ(report.exit_code, 0) << report.output;
  const json rows = json::parse(report.output)["families"]["rows"];
  ASSERT_EQ(rows.size(), 3u) << report.output;
  for (const json& row : rows) {
    const families::Family* family = families::find_family(row["family"].get<std::string>());
    ASSERT_NE(family, nullptr) << row;
    EXPECT_EQ(row["clients"], 1) << row;
    EXPECT_EQ(row["would_break"], 1) << row;
    EXPECT_EQ(row["advice"], std::string(family->advice)) << row;
    EXPECT_EQ(row["link"], std::string(family->link)) << row;
  }
}

}  // namespace
}  // namespace tlsfloor::test
