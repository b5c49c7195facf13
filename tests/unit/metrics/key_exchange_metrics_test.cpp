// The key exchange in the metrics and the per-client table: handshakes by negotiated group and
// pq_offered (bounded: the route's groups, none and other), the key-exchange floor's family, and
// a legacy client's groups.
#include <gtest/gtest.h>

#include "metrics/metrics.h"
#include "tests/support/admin_client.h"

namespace tlsfloor::metrics {
namespace {

using test::metric_value;

TEST(KeyExchangeMetricsTest, HandshakesAreCountedByGroupAndWhetherPostQuantumWasOffered) {
  Metrics metrics;
  RouteMetrics& route = metrics.listener("api", "TLS1.2", "TLS1.3", "enforce");
  route.count_key_exchange(0x001d, true);
  route.count_key_exchange(0x001d, true);
  route.count_key_exchange(0x001d, false);
  route.count_key_exchange(0x0017, false);
  route.count_key_exchange(0, false);
  route.count_key_exchange(kOtherGroup, false);
  const std::string text = metrics.render();
  const auto value = [&](const char* group, const char* pq) {
    return metric_value(
        text, "tlsfloor_key_exchange_handshakes_total",
        {{"listener", "api"}, {"route", "default"}, {"group", group}, {"pq_offered", pq}});
  };
  EXPECT_EQ(value("X25519", "true"), 2.0);
  EXPECT_EQ(value("X25519", "false"), 1.0);
  EXPECT_EQ(value("P-256", "false"), 1.0);
  EXPECT_EQ(value("none", "false"), 1.0);
  EXPECT_EQ(value("other", "false"), 1.0);
  EXPECT_EQ(value("P-384", "false"), std::nullopt) << "series appear on first use or by plan";
}

TEST(KeyExchangeMetricsTest, ThePlansGroupsAndWeakGroupVersionsExistAtZero) {
  Metrics metrics;
  RouteMetrics& route = metrics.listener("api", "TLS1.2", "TLS1.3", "enforce");
  RouteSeriesPlan plan;
  plan.key_exchange_groups = {0x001d, 0x0017, 0};
  plan.weak_group_versions = {0x0303, 0x0304};
  route.prepare(plan);
  route.count_weak_group_handshake(0x0304, LegacyDecision::rejected);
  const std::string text = metrics.render();
  for (const char* group : {"X25519", "P-256", "none"}) {
    for (const char* pq : {"true", "false"}) {
      EXPECT_EQ(metric_value(text, "tlsfloor_key_exchange_handshakes_total",
                             {{"listener", "api"}, {"group", group}, {"pq_offered", pq}}),
                0.0)
          << group << pq;
    }
  }
  EXPECT_EQ(
      metric_value(text, "tlsfloor_weak_group_handshakes_total",
                   {{"listener", "api"}, {"version", "TLS1.2"}, {"decision", "would_reject"}}),
      0.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_weak_group_handshakes_total",
                         {{"listener", "api"}, {"version", "TLS1.3"}, {"decision", "rejected"}}),
            1.0);
}

TEST(KeyExchangeMetricsTest, PolicyInfoNamesTheGroupsMode) {
  Metrics metrics;
  metrics.publish_policy("api", {{"default", "TLS1.2", "TLS1.3", "enforce", "enforce", "observe"}});
  EXPECT_EQ(metric_value(metrics.render(), "tlsfloor_policy_info",
                         {{"listener", "api"}, {"groups_mode", "observe"}}),
            1.0);
}

TEST(KeyExchangeMetricsTest, TheClientTableKeepsTheLatestGroupsAndWhetherPostQuantumWasOffered) {
  LegacyClientTracker tracker(LegacyClientTracker::Options{.top_k = 4, .max_groups = 3});
  const std::vector<std::uint16_t> many{0x001d, 0x0017, 0x0018, 0x0019, 0x0100};
  const std::vector<std::uint16_t> shares{0x11ec, 0x001d};
  LegacyClientTracker::Observation first;
  first.client = config::parse_address("192.0.2.1").value();
  first.version_wire = 0x0304;
  first.below_version = false;
  first.below_groups = true;
  first.offered_groups = many;
  first.key_share_groups = shares;
  first.pq_offered = true;
  first.group = 0x001d;
  first.when = std::chrono::system_clock::time_point{} + std::chrono::seconds(10);
  tracker.record(first);
  LegacyClientTracker::Observation older = first;  // recorded late, but older
  const std::vector<std::uint16_t> other{0x0019};
  older.offered_groups = other;
  older.key_share_groups = {};
  older.pq_offered = false;
  older.group = 0x0019;
  older.when = std::chrono::system_clock::time_point{} + std::chrono::seconds(5);
  tracker.record(older);
  const auto clients = tracker.snapshot();
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(clients[0].last_offered_groups, (std::vector<std::uint16_t>{0x001d, 0x0017, 0x0018}))
      << "the latest hello's, the first max_groups of them";
  EXPECT_EQ(clients[0].last_key_share_groups, shares);
  EXPECT_EQ(clients[0].last_group, 0x001d);
  EXPECT_TRUE(clients[0].pq_offered);
  EXPECT_TRUE(clients[0].below_groups);
  EXPECT_FALSE(clients[0].below_version);
}

}  // namespace
}  // namespace tlsfloor::metrics
