// Whose a legacy client is, seen from outside: an owner directory (owners_file) names the teams,
// real clients pinned to TLS 1.0 (OpenSSL's s_client, GnuTLS's gnutls-cli) come through the real
// proxy in observe mode, and each view says whose they are: the handshake log, GET
// /legacy-clients, tlsfloor_legacy_handshakes_by_owner_total (every owner's series made at 0
// before its first handshake) and tlsfloor report. A broken directory refuses the reload and the
// running one stays; a changed one is picked up.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

// The OpenSSL clients are one team's, GnuTLS's another's; a fingerprint rule is more specific
// than the family one and names a third.
constexpr const char* kOwners = R"(owners:
  - name: payments
    contacts: [payments@example.com]
    link: https://tickets.example.com/PAY
    match: {families: [openssl-1.1.1plus], routes: [api]}
  - name: batch
    contacts: ["#batch-oncall"]
    match: {families: [gnutls], clients: [127.0.0.0/8]}
  - name: nobody-here
    match: {clients: [192.0.2.0/24]}
)";

class OwnersTest : public testing::Test {
 protected:
  void SetUp() override {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"old.test"})};
    spec.mode = "observe";
    owners_path_ = dir_.write("owners.yaml", kOwners);
    config_path_ =
        dir_.write("tlsfloor.yaml", proxy_yaml({spec}, "5s",
                                               "access_log: {path: \"" + log_path().string() +
                                                   "\"}\nowners_file: owners.yaml\n"
                                                   "certificate_reload: {interval: 200ms}\n"));
    proxy_ = RunningProxy::from_file(config_path_);
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
  json openssl_tls1() {
    return handshake_of({"openssl", "s_client", "-connect", "127.0.0.1:" + port_, "-servername",
                         "old.test", "-tls1", "-cipher", "DEFAULT@SECLEVEL=0"});
  }
  json gnutls_tls1() {
    return handshake_of({"gnutls-cli", "--insecure", "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.0",
                         "--port", port_, "127.0.0.1"});
  }
  double owner_metric(const std::string& owner) {
    return proxy_
        ->metric("tlsfloor_legacy_handshakes_by_owner_total",
                 {{"listener", "api"}, {"owner", owner}, {"decision", "would_reject"}})
        .value_or(-1);
  }
  std::filesystem::path log_path() const { return dir_.path() / "handshakes.log"; }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
  std::string owners_path_;
  std::string config_path_;
  std::unique_ptr<RunningProxy> proxy_;
  std::string port_;
};

TEST_F(OwnersTest, EveryViewSaysWhoseALegacyClientIs) {
  // Before any handshake, every owner's series exists at 0: an alert sees the first one.
  EXPECT_EQ(owner_metric("payments"), 0);
  EXPECT_EQ(owner_metric("batch"), 0);
  EXPECT_EQ(owner_metric("unowned"), 0);

  const json openssl = openssl_tls1();
  const json gnutls = gnutls_tls1();
  const json modern = handshake_of({"openssl", "s_client", "-connect", "127.0.0.1:" + port_,
                                    "-servername", "old.test", "-tls1_3"});
  EXPECT_EQ(openssl["family"], "openssl-1.1.1plus") << openssl;
  EXPECT_EQ(openssl["owner"], "payments") << openssl;
  EXPECT_EQ(gnutls["owner"], "batch") << gnutls;
  // The log names the owner of modern clients too: the family rule does not ask for legacy.
  EXPECT_EQ(modern["owner"], "payments") << modern;
  EXPECT_EQ(openssl["outcome"], "accepted") << "observe breaks nobody";

  EXPECT_EQ(owner_metric("payments"), 1);
  EXPECT_EQ(owner_metric("batch"), 1);
  EXPECT_EQ(owner_metric("unowned"), 0);
  EXPECT_EQ(owner_metric("nobody-here"), 0);

  const json doc = json::parse(http_get(proxy_->admin_port(), "/legacy-clients?owner=batch").body);
  ASSERT_EQ(doc["clients"].size(), 1u) << doc;
  EXPECT_EQ(doc["clients"][0]["owners"], json({"payments", "batch"})) << doc;
  EXPECT_EQ(
      json::parse(http_get(proxy_->admin_port(), "/legacy-clients?owner=unowned").body)["clients"]
          .size(),
      0u);

  // The report, with the configuration: each owner's clients, and how to reach the owner.
  const CommandResult report = run_command({TLSFLOOR_BINARY, "report", "--log", log_path().string(),
                                            "--config", config_path_, "--format", "json"});
  ASSERT_EQ(report.exit_code, 0) << report.output;
  const json owners = json::parse(report.output)["owners"]["rows"];
  ASSERT_EQ(owners.size(), 2u) << report.output;
  for (const json& row : owners) {
    EXPECT_EQ(row["affected"], 1) << row;
    EXPECT_EQ(row["would_break"], 1) << row;
  }
  const json& payments = owners[0]["owner"] == "payments" ? owners[0] : owners[1];
  EXPECT_EQ(payments["contacts"], "payments@example.com");
  EXPECT_EQ(payments["link"], "https://tickets.example.com/PAY");
  const CommandResult only = run_command({TLSFLOOR_BINARY, "report", "--log", log_path().string(),
                                          "--owner", "batch", "--format", "json"});
  ASSERT_EQ(only.exit_code, 0) << only.output;
  const json batch = json::parse(only.output);
  EXPECT_EQ(batch["totals"]["affected"], 1);
  EXPECT_EQ(batch["totals"]["other_owners"], 2);
}

TEST_F(OwnersTest, ABrokenDirectoryKeepsTheRunningOneAndAFixedOneIsPickedUp) {
  // A typo: the reload is refused, the error names the file, line and column, and the
  // running directory keeps naming owners.
  dir_.write("owners.yaml", "owners:\n  - name: payments\n    match: {familys: [curl]}\n");
  const HttpResponse refused = http_request(proxy_->admin_port(), "POST", "/reload");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find(owners_path_ + ":3:13: unknown key \"familys\" in match"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(openssl_tls1()["owner"], "payments");

  // Fixed, and changed on disk: picked up by itself (like certificates), without a reload.
  dir_.write("owners.yaml", "owners:\n  - name: platform\n    match: {clients: [127.0.0.1/32]}\n");
  EXPECT_EQ(proxy_
                ->metric_eventually("tlsfloor_legacy_handshakes_by_owner_total",
                                    {{"listener", "api"},
                                     {"route", "default"},
                                     {"owner", "platform"},
                                     {"decision", "would_reject"}},
                                    0)
                .value_or(-1),
            0)
      << "the new owner's series, made at 0 by the reload";
  EXPECT_EQ(openssl_tls1()["owner"], "platform");
}

}  // namespace
}  // namespace tlsfloor::test
