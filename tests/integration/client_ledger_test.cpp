// The client ledger through the real proxy: a legacy client that calls once a month is still in
// GET /legacy-clients?since=90d on day 29, after two restarts, though the live table forgot it
// at the first; `tlsfloor report --ledger` reads the same file; a full ledger evicts the least
// recently seen and counts it; a corrupt file is moved aside, never overwritten.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/integration/binaries.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/test_clock.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;
using std::chrono::days;

const config::Timestamp kDay0 = config::parse_timestamp("2026-11-02T03:00:00Z").value();

class ClientLedgerTest : public testing::Test {
 protected:
  // Listener "api" in observe mode with a TLS 1.2 floor; the ledger beside the state file.
  std::string yaml(const std::string& ledger = "") const {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "rsa", {"api.test"}, KeyType::rsa_2048)};
    spec.mode = "observe";
    return proxy_yaml({spec}, "5s",
                      "state_file: \"" + state_path() + "\"\n" +
                          (ledger.empty() ? "" : "legacy_clients: {ledger: " + ledger + "}\n"));
  }
  std::string state_path() const { return (dir_.path() / "state.json").string(); }
  std::string ledger_path() const { return (dir_.path() / "state.clients.json").string(); }
  // The proxy's `count`th legacy handshake, from `source`; returned once the proxy has counted
  // it (a moment after the client sees it), so the test clock is not moved before the ledger
  // read it.
  static void legacy_handshake(RunningProxy& proxy, const char* source, double count = 1) {
    ClientOptions options;
    options.source = source;
    options.min_version = options.max_version = TLS1_VERSION;
    TlsClient client(proxy.port(), options);
    ASSERT_TRUE(client.handshake()) << "observe lets it in";
    EXPECT_EQ(
        proxy.metric_eventually(
            "tlsfloor_legacy_handshakes_total",
            {{"listener", "api"}, {"version", "TLS1.0"}, {"decision", "would_reject"}}, count),
        count);
  }
  static json legacy_clients(RunningProxy& proxy, const std::string& query = "") {
    const auto response = http_get(proxy.admin_port(), "/legacy-clients" + query);
    EXPECT_EQ(response.status, 200) << response.body;
    return json::parse(response.body);
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
  TestClock clock_{kDay0};
};

TEST_F(ClientLedgerTest, AMonthlyJobIsInTheViewOnDay29AfterTwoRestarts) {
  {
    RunningProxy proxy(yaml(), clock_.function());
    legacy_handshake(proxy, "127.0.0.2");
    EXPECT_EQ(proxy.metric_eventually("tlsfloor_client_ledger_clients", {}, 1), 1);
    proxy.stop();
  }
  ASSERT_TRUE(std::filesystem::exists(ledger_path())) << "written at stop";
  {
    clock_.set(kDay0 + days(14));
    RunningProxy proxy(yaml(), clock_.function());
    EXPECT_EQ(legacy_clients(proxy)["total_clients"], 0) << "the live table starts empty";
    EXPECT_EQ(legacy_clients(proxy, "?since=90d")["total_clients"], 1);
    proxy.stop();
  }
  clock_.set(kDay0 + days(29));
  RunningProxy proxy(yaml(), clock_.function());
  EXPECT_EQ(legacy_clients(proxy)["total_clients"], 0);
  const json remembered = legacy_clients(proxy, "?since=90d");
  EXPECT_EQ(remembered["source"], "ledger");
  ASSERT_EQ(remembered["total_clients"], 1) << remembered;
  const json& client = remembered["clients"][0];
  EXPECT_EQ(client["listener"], "api");
  EXPECT_EQ(client["route"], "default");
  EXPECT_EQ(client["client"], "127.0.0.2");
  EXPECT_EQ(client["first_seen"], "2026-11-02T03:00:00.000Z");
  EXPECT_EQ(client["handshakes"], 1);
  EXPECT_EQ(client["by_version"], json::parse(R"({"TLS1.0": {"would_reject": 1}})"));
  EXPECT_EQ(client["below"], json::array({"version"}));
  EXPECT_EQ(legacy_clients(proxy, "?since=7d")["total_clients"], 0) << "last seen 29 days ago";
  // It calls again on day 29: one entry, both calls.
  legacy_handshake(proxy, "127.0.0.2");
  const json again = legacy_clients(proxy, "?since=7d");
  ASSERT_EQ(again["total_clients"], 1) << again;
  EXPECT_EQ(again["clients"][0]["handshakes"], 2);
  EXPECT_EQ(again["clients"][0]["first_seen"], "2026-11-02T03:00:00.000Z");
  EXPECT_EQ(again["clients"][0]["last_seen"], "2026-12-01T03:00:00.000Z");
  proxy.stop();

  // The report reads the same file: the client, below TLS1.2, both handshakes.
  const auto report =
      run_command({kBinary, "report", "--ledger", ledger_path(), "--format", "json"});
  ASSERT_EQ(report.exit_code, 0) << report.output;
  const json document = json::parse(report.output.substr(report.output.find('{')));
  ASSERT_EQ(document["affected_clients"], 1) << document;
  EXPECT_EQ(document["clients"][0]["client"], "127.0.0.2");
  EXPECT_EQ(document["clients"][0]["affected"], 2);
  const auto none = run_command(
      {kBinary, "report", "--ledger", ledger_path(), "--floor", "TLS1.0", "--format", "json"});
  EXPECT_EQ(json::parse(none.output.substr(none.output.find('{')))["affected_clients"], 0);
}

TEST_F(ClientLedgerTest, AFullLedgerEvictsTheLeastRecentlySeenAndCountsIt) {
  RunningProxy proxy(yaml("{max_entries: 2}"), clock_.function());
  legacy_handshake(proxy, "127.0.0.2", 1);
  clock_.set(kDay0 + days(1));
  legacy_handshake(proxy, "127.0.0.3", 2);
  clock_.set(kDay0 + days(2));
  legacy_handshake(proxy, "127.0.0.2", 3);  // seen again: .3 is now the least recently seen
  clock_.set(kDay0 + days(3));
  legacy_handshake(proxy, "127.0.0.4", 4);
  EXPECT_EQ(
      proxy.metric_eventually("tlsfloor_client_ledger_removed_total", {{"reason", "evicted"}}, 1),
      1);
  EXPECT_EQ(proxy.metric("tlsfloor_client_ledger_clients", {}), 2);
  EXPECT_EQ(proxy.metric("tlsfloor_client_ledger_max_clients", {}), 2);
  EXPECT_EQ(proxy.metric("tlsfloor_client_ledger_removed_total", {{"reason", "expired"}}), 0);
  const json remembered = legacy_clients(proxy, "?since=30d");
  ASSERT_EQ(remembered["total_clients"], 2) << remembered;
  EXPECT_EQ(remembered["clients"][0]["client"], "127.0.0.4");
  EXPECT_EQ(remembered["clients"][1]["client"], "127.0.0.2");
  // Past the horizon (400 days by default) an entry expires, counted as such.
  clock_.set(kDay0 + days(2 + 400) + std::chrono::hours(1));
  EXPECT_EQ(legacy_clients(proxy, "?since=3650d")["total_clients"], 1);
  EXPECT_EQ(proxy.metric("tlsfloor_client_ledger_removed_total", {{"reason", "expired"}}), 1);
}

TEST_F(ClientLedgerTest, ACorruptLedgerIsMovedAsideAndANewOneStarted) {
  { std::ofstream(ledger_path()) << "{\"version\": 1, \"clients\": ["; }
  RunningProxy proxy(yaml(), clock_.function());
  EXPECT_EQ(legacy_clients(proxy, "?since=90d")["total_clients"], 0);
  legacy_handshake(proxy, "127.0.0.2");
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_client_ledger_clients", {}, 1), 1);
  proxy.stop();
  std::ifstream aside(ledger_path() + ".corrupt");
  std::stringstream text;
  text << aside.rdbuf();
  EXPECT_EQ(text.str(), "{\"version\": 1, \"clients\": [") << "kept as it was";
  std::ifstream fresh(ledger_path());
  std::stringstream written;
  written << fresh.rdbuf();
  EXPECT_NE(written.str().find("\"client\":\"127.0.0.2\""), std::string::npos) << written.str();
}

}  // namespace
}  // namespace tlsfloor::test
