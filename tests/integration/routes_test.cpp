// One port, many endpoints: real clients pick a route by SNI and get its upstream, certificate,
// floor, brownout and exceptions; the metrics, the handshake log, /legacy-clients, /exceptions
// and the report name the route; a reload changes one route and leaves the others alone.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/report/handshake_report_command.h"
#include "proxy/server/server.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/test_clock.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

// Inside the shop route's brownout window.
const config::Timestamp kInsideWindow = config::parse_timestamp("2026-12-01T10:30:00Z").value();

ClientOptions client(const std::string& server_name, std::uint16_t version = TLS1_3_VERSION,
                     const std::string& source = "") {
  ClientOptions options;
  options.server_name = server_name;
  options.max_version = version;
  options.min_version = version == TLS1_3_VERSION ? TLS1_VERSION : version;
  options.source = source;
  return options;
}

class RoutesTest : public testing::Test {
 protected:
  // Each upstream greets with its name, so a client can tell where it was sent.
  TcpUpstream default_upstream_{UpstreamMode::greet_then_collect, "default"};
  TcpUpstream legacy_upstream_{UpstreamMode::greet_then_collect, "legacy!"};
  TcpUpstream shop_upstream_{UpstreamMode::greet_then_collect, "shop!!!"};
  TempDir dir_;
  PemFiles edge_cert_ = make_self_signed(dir_, "edge", {"edge.example.test"});
  PemFiles shop_cert_ = make_self_signed(dir_, "shop", {"shop.example.test"});
  std::string log_path_ = (dir_.path() / "handshakes.log").string();
  TestClock clock_{kInsideWindow};
  std::unique_ptr<RunningProxy> proxy_;

  // `legacy_floor`: the legacy route's min_version (raised by the reload test).
  std::string write_config(const std::string& legacy_floor = "TLS1.2",
                           const std::string& legacy_mode = "observe") {
    const auto port = [](const TcpUpstream& upstream) { return std::to_string(upstream.port()); };
    const std::string yaml =
        "admin: { listen: 127.0.0.1:0 }\n"
        "threads: 2\n"
        "access_log: { path: \"" +
        log_path_ +
        "\" }\n"
        "listeners:\n"
        "  - name: edge\n"
        "    listen: 127.0.0.1:0\n"
        "    upstream: { address: 127.0.0.1:" +
        port(default_upstream_) +
        " }\n"
        "    certificates: [{ cert: \"" +
        edge_cert_.cert_path + "\", key: \"" + edge_cert_.key_path +
        "\" }]\n"
        "    enforcement: { mode: enforce }\n"
        "    routes:\n"
        "      - name: legacy\n"
        "        server_names: [legacy.example.test, \"*.old.example.test\"]\n"
        "        upstream: { address: 127.0.0.1:" +
        port(legacy_upstream_) +
        " }\n"
        "        tls: { min_version: " +
        legacy_floor +
        " }\n"
        "        enforcement: { mode: " +
        legacy_mode +
        " }\n"
        "      - name: deep\n"
        "        server_names: [\"*.deep.old.example.test\"]\n"
        "        upstream: { address: 127.0.0.1:" +
        port(shop_upstream_) +
        " }\n"
        "      - name: shop\n"
        "        server_names: [Shop.Example.Test]\n"
        "        upstream: { address: 127.0.0.1:" +
        port(shop_upstream_) +
        " }\n"
        "        certificates: [{ cert: \"" +
        shop_cert_.cert_path + "\", key: \"" + shop_cert_.key_path +
        "\" }]\n"
        "        enforcement: { mode: brownout, brownout: { windows: [{ start: "
        "2026-12-01T10:00:00Z, end: 2026-12-01T11:00:00Z }] } }\n"
        "        exceptions: [{ name: pos, clients: [127.0.0.3], expires: 2027-06-30T00:00:00Z "
        "}]\n";
    dir_.write("tlsfloor.yaml", yaml);
    return yaml;
  }
  // In-process, with the test's clock (inside the shop route's brownout window).
  void start() { proxy_ = std::make_unique<RunningProxy>(write_config(), clock_.function()); }

  // Where a client was sent: the greeting of the upstream it reached, "" when refused.
  std::string reached(const ClientOptions& options, std::string* common_name = nullptr) {
    TlsClient tls(proxy_->port("edge"), options);
    if (!tls.handshake()) return "";
    if (common_name != nullptr) *common_name = tls.peer_common_name();
    return tls.read_exactly(7);
  }
  double handshakes(const std::string& route, const std::string& version,
                    const std::string& outcome, double expected) {
    return proxy_
        ->metric_eventually(
            "tlsfloor_handshakes_total",
            {{"listener", "edge"}, {"route", route}, {"version", version}, {"outcome", outcome}},
            expected)
        .value_or(-1);
  }
};

TEST_F(RoutesTest, EachClientLandsOnItsRoute) {
  start();
  EXPECT_EQ(reached(client("legacy.example.test")), "legacy!");
  EXPECT_EQ(reached(client("LEGACY.example.test.")), "legacy!");     // case and trailing dot
  EXPECT_EQ(reached(client("a.old.example.test")), "legacy!");       // wildcard
  EXPECT_EQ(reached(client("b.a.old.example.test")), "legacy!");     // any depth
  EXPECT_EQ(reached(client("x.deep.old.example.test")), "shop!!!");  // the longer wildcard
  EXPECT_EQ(reached(client("shop.example.test")), "shop!!!");
  EXPECT_EQ(reached(client("")), "default");           // no SNI (old Windows XP)
  EXPECT_EQ(reached(client("127.0.0.1")), "default");  // an IP literal
  EXPECT_EQ(reached(client("nobody.example.test")), "default");
  EXPECT_EQ(handshakes("legacy", "TLS1.3", "accepted", 4), 4);
  EXPECT_EQ(handshakes("deep", "TLS1.3", "accepted", 1), 1);
  EXPECT_EQ(handshakes("shop", "TLS1.3", "accepted", 1), 1);
  EXPECT_EQ(handshakes("default", "TLS1.3", "accepted", 3), 3);
}

TEST_F(RoutesTest, EachRouteServesItsOwnCertificateOrTheListeners) {
  start();
  std::string name;
  EXPECT_EQ(reached(client("shop.example.test"), &name), "shop!!!");
  EXPECT_EQ(name, "shop.example.test");
  EXPECT_EQ(reached(client("legacy.example.test"), &name), "legacy!");
  EXPECT_EQ(name, "edge.example.test");
  // TLS 1.2 too: the certificate is chosen before the version.
  EXPECT_EQ(reached(client("shop.example.test", TLS1_2_VERSION), &name), "shop!!!");
  EXPECT_EQ(name, "shop.example.test");
}

TEST_F(RoutesTest, OnePortEnforcesObservesAndBrownsOutByName) {
  start();
  // default enforces: refused with an alert, counted on its route.
  {
    TlsClient refused(proxy_->port("edge"), client("nobody.example.test", TLS1_VERSION));
    EXPECT_FALSE(refused.handshake());
    EXPECT_EQ(refused.alert_received(), kAlertProtocolVersion);
  }
  // legacy observes: let in, counted as would_reject.
  EXPECT_EQ(reached(client("legacy.example.test", TLS1_VERSION)), "legacy!");
  // shop is inside its brownout window: refused, unless its exception covers the client.
  {
    TlsClient refused(proxy_->port("edge"), client("shop.example.test", TLS1_VERSION));
    EXPECT_FALSE(refused.handshake());
    EXPECT_EQ(refused.alert_received(), kAlertProtocolVersion);
  }
  EXPECT_EQ(reached(client("shop.example.test", TLS1_VERSION, "127.0.0.3")), "shop!!!");
  // The exception belongs to shop: the same client is refused on the default route.
  EXPECT_EQ(reached(client("nobody.example.test", TLS1_VERSION, "127.0.0.3")), "");

  const auto legacy = [&](const std::string& route, const std::string& decision, double expected) {
    return proxy_
        ->metric_eventually("tlsfloor_legacy_handshakes_total",
                            {{"listener", "edge"}, {"route", route}, {"decision", decision}},
                            expected)
        .value_or(-1);
  };
  EXPECT_EQ(legacy("default", "rejected", 2), 2);
  EXPECT_EQ(legacy("legacy", "would_reject", 1), 1);
  EXPECT_EQ(legacy("shop", "rejected_brownout", 1), 1);
  EXPECT_EQ(legacy("shop", "allowed_exception", 1), 1);
  EXPECT_EQ(proxy_->metric("tlsfloor_brownout_active", {{"listener", "edge"}, {"route", "shop"}}),
            1.0);
  EXPECT_EQ(proxy_->metric("tlsfloor_brownout_active", {{"listener", "edge"}, {"route", "legacy"}}),
            0.0);
  EXPECT_EQ(proxy_->metric("tlsfloor_policy_info",
                           {{"listener", "edge"}, {"route", "legacy"}, {"mode", "observe"}}),
            1.0);
  EXPECT_EQ(proxy_->metric("tlsfloor_exception_handshakes_total",
                           {{"listener", "edge"}, {"route", "shop"}, {"exception", "pos"}}),
            1.0);

  const json exceptions = json::parse(http_get(proxy_->admin_port(), "/exceptions").body);
  ASSERT_EQ(exceptions["exceptions"].size(), 1u);
  EXPECT_EQ(exceptions["exceptions"][0]["route"], "shop");
  EXPECT_EQ(exceptions["exceptions"][0]["handshakes"], 1);

  // /legacy-clients by route: 127.0.0.1 went to default, legacy and shop; 127.0.0.3 to two.
  // A handshake is entered in the table when it ends on the proxy's thread: poll.
  const auto clients_of = [&](const std::string& query) {
    return json::parse(http_get(proxy_->admin_port(), "/legacy-clients" + query).body)["clients"];
  };
  EXPECT_EQ(eventually_equals([&] { return clients_of("?route=shop").size(); }, 2u), 2u);
  const json on_legacy = clients_of("?listener=edge&route=legacy");
  ASSERT_EQ(on_legacy.size(), 1u);
  EXPECT_EQ(on_legacy[0]["client"], "127.0.0.1");
}

TEST_F(RoutesTest, TheLogAndTheReportNameTheRoute) {
  start();
  EXPECT_EQ(reached(client("legacy.example.test", TLS1_VERSION)), "legacy!");
  EXPECT_EQ(reached(client("legacy.example.test", TLS1_1_VERSION)), "legacy!");
  EXPECT_EQ(reached(client("shop.example.test")), "shop!!!");
  proxy_->stop();  // the log is complete once the proxy has stopped
  std::ifstream in(log_path_);
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["route"], "legacy");
  EXPECT_EQ(lines[2]["route"], "shop");

  report::ReportOptions options;
  options.log_paths = {log_path_};
  options.settings.route = "legacy";
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(report::run_report(options, out, err), report::kReportWritten) << err.str();
  EXPECT_NE(out.str().find("  handshakes       2\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("  route            legacy (1 handshakes of other routes left out)"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("\nedge      legacy           2         2  100.00%"), std::string::npos)
      << out.str();
}

TEST_F(RoutesTest, AReloadRaisesOneRoutesFloorAndLeavesTheOthersAlone) {
  write_config();
  proxy_ = RunningProxy::from_file((dir_.path() / "tlsfloor.yaml").string());
  EXPECT_EQ(reached(client("shop.example.test")), "shop!!!");
  // A TLS 1.0 client of the legacy route, mid-transfer across the reload.
  TlsClient transfer(proxy_->port("edge"), client("legacy.example.test", TLS1_VERSION));
  ASSERT_TRUE(transfer.handshake());
  EXPECT_EQ(transfer.read_exactly(7), "legacy!");

  write_config("TLS1.2", "enforce");
  ASSERT_TRUE(proxy_->server().reload().ok);

  EXPECT_TRUE(transfer.write_all("still here"));  // open connections keep their route
  TlsClient late(proxy_->port("edge"), client("legacy.example.test", TLS1_VERSION));
  EXPECT_FALSE(late.handshake());
  EXPECT_EQ(late.alert_received(), kAlertProtocolVersion);
  EXPECT_EQ(reached(client("shop.example.test")), "shop!!!");
  // The shop route's counter went on from 1, not from 0.
  EXPECT_EQ(handshakes("shop", "TLS1.3", "accepted", 2), 2);
  EXPECT_EQ(proxy_->metric("tlsfloor_policy_info",
                           {{"listener", "edge"}, {"route", "legacy"}, {"mode", "enforce"}}),
            1.0);
  EXPECT_EQ(proxy_->metric("tlsfloor_policy_info",
                           {{"listener", "edge"}, {"route", "legacy"}, {"mode", "observe"}}),
            std::nullopt);
  transfer.finish_sending();
  EXPECT_EQ(legacy_upstream_.wait_for_finished(1).at(0), "still here");
}

}  // namespace
}  // namespace tlsfloor::test
