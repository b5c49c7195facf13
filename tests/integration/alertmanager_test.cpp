// The shipped alerting rules and the shipped Alertmanager configuration
// (deploy/alertmanager/alertmanager.yml), in a real Prometheus and a real Alertmanager (Debian's
// prometheus and prometheus-alertmanager) in front of the real proxy with an owner directory: a
// legacy client of team payments notifies payments' receiver and not pos-terminals', and an
// exception unused for 20 days notifies the owner that lists it. The receivers are one small
// webhook server; the configuration's URLs point at it and its waits are shortened to a second,
// and the rules' `for` durations to none (this tests where alerts go, not when; the rules' own
// promtool tests check their timing).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "config/timestamp.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/third_party.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

std::string source_file(const std::string& relative) {
  std::ifstream in(std::string(TLSFLOOR_SOURCE_DIR) + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The alerts of every notification `receiver` got, flattened: each one's labels.
std::vector<json> notified(const WebhookReceiver& receiver, const std::string& path) {
  std::vector<json> alerts;
  for (const std::string& document : receiver.received(path)) {
    const json notification = json::parse(document);  // alive for the whole loop
    for (const json& alert : notification["alerts"]) alerts.push_back(alert["labels"]);
  }
  return alerts;
}

bool has_alert(const std::vector<json>& alerts, const std::string& name, const json& labels) {
  for (const json& alert : alerts) {
    if (alert.value("alertname", "") != name) continue;
    bool all = true;
    for (const auto& [key, value] : labels.items()) all = all && alert.value(key, "") == value;
    if (all) return true;
  }
  return false;
}

TEST(AlertmanagerTest, EachOwnersAlertsReachThatOwnersReceiverOnly) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  const auto now = std::chrono::system_clock::now();
  // partner-acme's exception let a client in 20 days ago, and none since (the state file
  // remembers it across restarts, as in production).
  json used;
  used["listener"] = "api";
  used["exception"] = "acme-java7";
  used["first_loaded"] = config::format_timestamp(now - std::chrono::days(40));
  used["last_used"] = config::format_timestamp(now - std::chrono::days(20));
  json state_document;
  state_document["version"] = 1;
  state_document["exceptions"] = json::array({used});
  const std::string state = dir.write("state.json", state_document.dump());
  const std::string owners = dir.write("owners.yaml", R"(owners:
  - name: payments
    match: {clients: [127.0.0.2/32]}
  - name: pos-terminals
    match: {clients: [127.0.0.3/32]}
  - name: partner-acme
    match: {exceptions: [acme-java7]}
)");
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {make_self_signed(dir, "rsa", {"api.test"}, KeyType::rsa_2048)};
  spec.mode = "observe";
  spec.extra_yaml = "    exceptions: [{name: acme-java7, clients: [192.0.2.0/24], expires: " +
                    config::format_timestamp(now + std::chrono::days(90)) + "}]\n";
  // From a file: owners_file is read beside the configuration file.
  const auto running = RunningProxy::from_file(
      dir.write("tlsfloor.yaml",
                proxy_yaml({spec}, "5s",
                           "owners_file: \"" + owners + "\"\nstate_file: \"" + state + "\"\n")));
  RunningProxy& proxy = *running;

  WebhookReceiver receiver = start_webhook_receiver(dir);
  std::string alertmanager_yml = source_file("deploy/alertmanager/alertmanager.yml");
  alertmanager_yml =
      std::regex_replace(alertmanager_yml, std::regex("http://alert-hooks\\.example\\.com"),
                         "http://127.0.0.1:" + std::to_string(receiver.port));
  alertmanager_yml = std::regex_replace(alertmanager_yml,
                                        std::regex("(group_wait|group_interval): \\w+"), "$1: 1s");
  ASSERT_NE(alertmanager_yml.find("127.0.0.1"), std::string::npos);
  RunningAlertmanager alertmanager = start_alertmanager(dir, alertmanager_yml);
  const std::string rules =
      dir.write("tlsfloor-rules.yaml",
                std::regex_replace(source_file("deploy/prometheus/tlsfloor-rules.yaml"),
                                   std::regex("\\n( +)for: \\w+"), "\n$1for: 0s"));
  RunningPrometheus prometheus =
      start_prometheus(dir, {"127.0.0.1:" + std::to_string(proxy.admin_port())}, {rules},
                       "127.0.0.1:" + std::to_string(alertmanager.port));

  // Prometheus must have seen the owners' series at 0 before the client comes: increase()
  // cannot see the first increment of a series whose first sample holds it.
  const auto scraped = [&] {
    const json result = json::parse(
        prometheus.query("tlsfloor_legacy_handshakes_by_owner_total{owner=\"payments\"}")
            .value_or("[]"));
    return !result.empty();
  };
  for (int i = 0; i < 600 && !scraped(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(scraped()) << prometheus.process->output();
  // A TLS 1.0 client of team payments, let in by observe.
  ClientOptions legacy;
  legacy.min_version = legacy.max_version = TLS1_VERSION;
  legacy.source = "127.0.0.2";
  TlsClient client(proxy.port(), legacy);
  ASSERT_TRUE(client.handshake());

  const auto arrived = [&] {
    return has_alert(notified(receiver, "/payments"), "TlsfloorOwnerLegacyClients",
                     {{"owner", "payments"}, {"decision", "would_reject"}}) &&
           has_alert(notified(receiver, "/partner-acme"), "TlsfloorExceptionUnused",
                     {{"owner", "partner-acme"}, {"exception", "acme-java7"}});
  };
  for (int i = 0; i < 900 && !arrived(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(arrived()) << "payments got " << json(notified(receiver, "/payments")).dump()
                         << "\npartner-acme got "
                         << json(notified(receiver, "/partner-acme")).dump()
                         << "\nPrometheus holds " << prometheus.alerts().value_or("?")
                         << "\nAlertmanager holds "
                         << http_get(alertmanager.port, "/api/v2/alerts").body
                         << "\nPrometheus' notifier: "
                         << prometheus
                                .query(
                                    "prometheus_notifications_sent_total or "
                                    "prometheus_notifications_dropped_total or "
                                    "prometheus_notifications_errors_total")
                                .value_or("?")
                         << "\nAlertmanager said:\n"
                         << alertmanager.process->output() << "\nPrometheus said:\n"
                         << prometheus.process->output();
  // Nobody else hears of them, and each team hears of its own only.
  for (const json& alert : notified(receiver, "/pos-terminals")) {
    ADD_FAILURE() << "pos-terminals was told of " << alert.dump();
  }
  for (const json& alert : notified(receiver, "/payments")) {
    EXPECT_EQ(alert.value("owner", ""), "payments") << alert.dump();
  }
  for (const json& alert : notified(receiver, "/partner-acme")) {
    EXPECT_EQ(alert.value("owner", ""), "partner-acme") << alert.dump();
  }
  // The alerts without an owner (the same client, counted by version) reach the platform team.
  const auto platform = [&] {
    return has_alert(notified(receiver, "/tlsfloor-platform"),
                     "TlsfloorLegacyClientsWouldBeRejected", {{"version", "TLS1.0"}});
  };
  for (int i = 0; i < 300 && !platform(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(platform()) << json(notified(receiver, "/tlsfloor-platform")).dump();
  for (const json& alert : notified(receiver, "/tlsfloor-platform")) {
    EXPECT_EQ(alert.value("owner", ""), "") << "an owned alert reached the default receiver";
  }
}

}  // namespace
}  // namespace tlsfloor::test
