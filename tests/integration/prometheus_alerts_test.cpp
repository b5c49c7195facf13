// The shipped alerting rules (deploy/prometheus/tlsfloor-rules.yaml) in a real Prometheus
// (Debian's prometheus package) scraping the real proxy every second: each alert on legacy and
// weak clients fires on the first event of its kind, not on the second. That needs the series
// to exist at 0 before the event (Prometheus' increase() cannot see the first increment of a
// series that appears with it), for a route switched to enforce by a reload too.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
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

const std::string kRules =
    std::string(TLSFLOOR_SOURCE_DIR) + "/deploy/prometheus/tlsfloor-rules.yaml";

class PrometheusAlertsTest : public testing::Test {
 protected:
  // Listener api observes until its scheduled step to enforce, 3 days from now; route shop
  // observes (until a reload enforces it), with no schedule; route pos browns out, inside a
  // window that covers the whole test.
  std::string yaml(const std::string& shop_mode) {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {
        make_self_signed(dir_, "rsa", {"api.test", "shop.test", "pos.test"}, KeyType::rsa_2048)};
    spec.mode = "observe";
    spec.enforcement_extra =
        "schedule: [{at: " + config::format_timestamp(enforced_on_) + ", mode: enforce}]";
    spec.extra_yaml =
        "    routes:\n"
        "      - name: shop\n"
        "        server_names: [shop.test]\n"
        "        enforcement: {schedule: [], mode: " +
        shop_mode +
        "}\n"
        "      - name: pos\n"
        "        server_names: [pos.test]\n"
        "        enforcement: {mode: brownout, brownout: {windows: [{start: "
        "2020-01-01T00:00:00Z, end: 2099-01-01T00:00:00Z}]}}\n";
    return proxy_yaml({spec});
  }

  // Scrapes Prometheus has taken of tlsfloor so far.
  int scrapes() const {
    const json result =
        json::parse(prometheus_.query("count_over_time(up{job=\"tlsfloor\"}[10m])").value_or("[]"));
    return result.empty() ? 0 : std::stoi(result[0]["value"][1].get<std::string>());
  }
  // Waits until Prometheus has scraped `more` more times: what the proxy counted before is in.
  void wait_for_scrapes(int more) {
    const int target = scrapes() + more;
    EXPECT_EQ(eventually_equals([&] { return scrapes() >= target; }, true), true)
        << "Prometheus is not scraping:\n"
        << prometheus_.process->output();
  }
  // Whether `alert` fires with these labels (waits up to 60 s: scrapes and evaluations are 1 s
  // apart, and a loaded machine is slow).
  bool fires(const std::string& alert, const Labels& labels) {
    for (int i = 0; i < 600; ++i) {
      for (const json& entry : json::parse(prometheus_.alerts().value_or("[]"))) {
        if (entry["labels"]["alertname"] != alert || entry["state"] != "firing") continue;
        bool all = true;
        for (const auto& [key, value] : labels)
          all = all && entry["labels"].value(key, "") == value;
        if (all) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << alert << " never fired; alerts: " << prometheus_.alerts().value_or("?")
                  << "\nPrometheus said:\n"
                  << prometheus_.process->output();
    return false;
  }
  bool handshake(const std::string& server_name, std::uint16_t version,
                 const std::string& ciphers = "") {
    ClientOptions options;
    options.server_name = server_name;
    options.min_version = options.max_version = version;
    options.cipher_list = ciphers;
    TlsClient client(proxy_->port(), options);
    return client.handshake();
  }

  const config::Timestamp enforced_on_ =
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) +
      std::chrono::days(3);
  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
  std::unique_ptr<RunningProxy> proxy_;
  RunningPrometheus prometheus_;
};

TEST_F(PrometheusAlertsTest, EachAlertFiresOnTheFirstEventOfItsKind) {
  const std::string config = dir_.write("tlsfloor.yaml", yaml("observe"));
  proxy_ = RunningProxy::from_file(config);
  prometheus_ =
      start_prometheus(dir_, {"127.0.0.1:" + std::to_string(proxy_->admin_port())}, {kRules});
  wait_for_scrapes(2);

  // The first refusal of a route switched to enforce by a reload.
  dir_.write("tlsfloor.yaml", yaml("enforce"));
  ASSERT_EQ(http_request(proxy_->admin_port(), "POST", "/reload").status, 200);
  wait_for_scrapes(2);
  EXPECT_FALSE(handshake("shop.test", TLS1_1_VERSION));
  EXPECT_TRUE(fires("TlsfloorLegacyClientsRejected", {{"route", "shop"}, {"version", "TLS1.1"}}));

  // The first client of a legacy version an observing route has not seen before.
  EXPECT_TRUE(handshake("api.test", TLS1_VERSION));
  EXPECT_TRUE(
      fires("TlsfloorLegacyClientsWouldBeRejected", {{"route", "default"}, {"version", "TLS1.0"}}));
  // ... and its route is enforced in 3 days: that client breaks then.
  EXPECT_TRUE(fires("TlsfloorEnforcementInSevenDays", {{"route", "default"}, {"mode", "enforce"}}));

  // The first weak suite: a client that offers only 3DES, let in by observe.
  EXPECT_TRUE(handshake("api.test", TLS1_2_VERSION, "DES-CBC3-SHA"));
  EXPECT_TRUE(fires("TlsfloorWeakCiphersInUse",
                    {{"route", "default"}, {"cipher", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}}));
  EXPECT_TRUE(fires("TlsfloorWeakCipherClientsWouldBeRejected",
                    {{"route", "default"}, {"version", "TLS1.2"}}));

  // The first brownout refusal.
  EXPECT_FALSE(handshake("pos.test", TLS1_VERSION));
  EXPECT_TRUE(fires("TlsfloorLegacyClientsBrownedOut",
                    {{"route", "pos"}, {"floor", "version"}, {"version", "TLS1.0"}}));
}

}  // namespace
}  // namespace tlsfloor::test
