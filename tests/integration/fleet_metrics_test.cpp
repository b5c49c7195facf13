// The README's PromQL that merges the per-client series of many replicas, run in a real
// Prometheus (Debian's prometheus) scraping two real tlsfloor processes behind one job: a
// client's series add up across the replicas that exported it, a client one replica folded
// into `other` is a lower bound there, and every series together (`other` included) is exactly
// the legacy handshakes of the fleet.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "tests/integration/proxy_config.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/third_party.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

// The README's merge ("The heaviest legacy clients of the fleet"), without topk so that every
// client is seen, over all time rather than a day.
const std::string kMerged = "sum by (listener, client) (tlsfloor_legacy_client_handshakes_total)";

// client -> value of an instant vector keyed by `client`.
std::map<std::string, double> by_client(const std::optional<std::string>& result) {
  std::map<std::string, double> values;
  for (const json& sample : json::parse(result.value_or("[]"))) {
    values[sample["metric"].value("client", "")] = std::stod(sample["value"][1].get<std::string>());
  }
  return values;
}

TEST(FleetMetricsTest, ThePromqlMergesEachClientAcrossReplicas) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {make_self_signed(dir, "rsa", {"api.test"}, KeyType::rsa_2048)};
  spec.mode = "observe";
  const std::string yaml = proxy_yaml({spec}, "5s", "legacy_clients: {metrics_top_n: 2}\n");
  RunningProxy a(yaml);
  RunningProxy b(yaml);
  const auto legacy = [](const RunningProxy& replica, const std::string& source, int times) {
    for (int i = 0; i < times; ++i) {
      ClientOptions options;
      options.min_version = options.max_version = TLS1_VERSION;
      options.source = source;
      TlsClient client(replica.port(), options);
      ASSERT_TRUE(client.handshake()) << source;
    }
  };
  // Replica a exports .2 and .3 and folds .4 into other; replica b exports .2 and .4 and
  // folds .5 into other. All before the first scrape, so each exported client's series holds
  // its whole count.
  legacy(a, "127.0.0.2", 3);
  legacy(a, "127.0.0.3", 2);
  legacy(a, "127.0.0.4", 1);
  legacy(b, "127.0.0.2", 2);
  legacy(b, "127.0.0.4", 2);
  legacy(b, "127.0.0.5", 1);

  RunningPrometheus prometheus = start_prometheus(dir,
                                                  {"127.0.0.1:" + std::to_string(a.admin_port()),
                                                   "127.0.0.1:" + std::to_string(b.admin_port())},
                                                  {});
  std::map<std::string, double> merged;
  for (int i = 0; i < 600; ++i) {
    merged = by_client(prometheus.query(kMerged));
    if (merged.size() == 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(merged, (std::map<std::string, double>{
                        {"127.0.0.2", 5}, {"127.0.0.3", 2}, {"127.0.0.4", 2}, {"other", 2}}))
      << prometheus.process->output();
  // 127.0.0.4 made 3 legacy handshakes; replica a counted its one in `other`: the merged
  // series is a lower bound, and with `other` nothing is lost.
  const auto total =
      by_client(prometheus.query("sum(tlsfloor_legacy_client_handshakes_total) or vector(0)"));
  const auto legacy_total =
      by_client(prometheus.query("sum(tlsfloor_legacy_handshakes_total) or vector(0)"));
  EXPECT_EQ(total.at(""), 11);
  EXPECT_EQ(legacy_total.at(""), 11);
  // The heaviest client of the fleet, as the README asks for it.
  const auto top =
      by_client(prometheus.query("topk(1, sum by (listener, client) "
                                 "(tlsfloor_legacy_client_handshakes_total{client!=\"other\"}))"));
  EXPECT_EQ(top, (std::map<std::string, double>{{"127.0.0.2", 5}}));
}

}  // namespace
}  // namespace tlsfloor::test
