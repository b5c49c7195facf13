#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include "tests/support/admin_client.h"

namespace tlsfloor::metrics {
namespace {

using test::metric_value;

TEST(MetricsTest, HandshakesAreLabelledByVersionAndOutcome) {
  Metrics metrics;
  auto& api = metrics.listener("api", "TLS1.2", "TLS1.3", "enforce");
  api.count_handshake(0x0304, HandshakeOutcome::accepted);
  api.count_handshake(0x0304, HandshakeOutcome::accepted);
  api.count_handshake(0x0301, HandshakeOutcome::rejected);
  api.count_handshake(0x0300, HandshakeOutcome::rejected);
  api.count_handshake(0, HandshakeOutcome::failed);
  api.count_handshake(0x7f1c, HandshakeOutcome::failed);  // a draft: not a version we name
  const std::string text = metrics.render();
  const auto value = [&](const char* version, const char* outcome) {
    return metric_value(text, "tlsfloor_handshakes_total",
                        {{"listener", "api"}, {"version", version}, {"outcome", outcome}});
  };
  EXPECT_EQ(value("TLS1.3", "accepted"), 2.0);
  EXPECT_EQ(value("TLS1.0", "rejected"), 1.0);
  EXPECT_EQ(value("SSL3.0", "rejected"), 1.0);
  EXPECT_EQ(value("unknown", "failed"), 2.0);
  EXPECT_EQ(value("TLS1.2", "accepted"), std::nullopt) << "series appear on first use";
}

TEST(MetricsTest, LegacyClientSeriesComeFromTheListenersTable) {
  Metrics metrics(config::LegacyClientsConfig{.top_k = 10, .metrics_top_n = 1});
  metrics.listener("api", "TLS1.2", "TLS1.3", "enforce");
  metrics.listener("web", "TLS1.2", "TLS1.3", "enforce");
  const auto record = [&](const char* address, std::uint16_t version) {
    LegacyClientTracker::Observation observation;
    observation.client = config::masked(config::parse_address(address).value(), 32, 128);
    observation.version_wire = version;
    observation.decision = LegacyDecision::rejected;
    metrics.listener("api").legacy_clients().record(observation);
  };
  record("192.0.2.1", 0x0301);
  record("192.0.2.2", 0x0302);
  record("192.0.2.1", 0x0301);
  metrics.render();  // 192.0.2.1 enters the top 1 here
  record("192.0.2.1", 0x0301);
  const std::string text = metrics.render();
  const auto value = [&](const char* client, const char* version) {
    return metric_value(
        text, "tlsfloor_legacy_client_handshakes_total",
        {{"listener", "api"}, {"client", client}, {"version", version}, {"decision", "rejected"}});
  };
  EXPECT_EQ(value("192.0.2.1", "TLS1.0"), 3.0);
  EXPECT_EQ(value("other", "TLS1.0"), std::nullopt) << "nothing left over at TLS1.0";
  EXPECT_EQ(value("other", "TLS1.1"), 1.0);
  EXPECT_EQ(value("192.0.2.2", "TLS1.1"), std::nullopt) << "only the top 1 is shown";
  EXPECT_EQ(metric_value(text, "tlsfloor_legacy_clients_tracked", {{"listener", "api"}}), 2.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_legacy_clients_tracked", {{"listener", "web"}}), 0.0);
  const auto tables = metrics.legacy_clients();
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].listener, "api");
  EXPECT_EQ(tables[0].top_k, 10u);
  EXPECT_EQ(tables[0].contents.total, 4u);
  EXPECT_EQ(tables[1].listener, "web");
}

TEST(MetricsTest, LegacyDecisionsConnectionsAndBytes) {
  Metrics metrics;
  auto& api = metrics.listener("api", "TLS1.2", "TLS1.3", "observe");
  api.count_legacy_handshake(0x0302, LegacyDecision::would_reject);
  api.count_legacy_handshake(0x0301, LegacyDecision::rejected);
  metrics.listener("api").connection_opened();
  metrics.listener("api").connection_opened();
  metrics.listener("api").connection_closed();
  api.count_bytes(Direction::client_to_upstream, 100);
  api.count_bytes(Direction::upstream_to_client, 7);
  api.count_upstream_connect_failure();
  api.observe_handshake_duration(0.003);
  const std::string text = metrics.render();
  EXPECT_EQ(
      metric_value(text, "tlsfloor_legacy_handshakes_total",
                   {{"listener", "api"}, {"version", "TLS1.1"}, {"decision", "would_reject"}}),
      1.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_legacy_handshakes_total",
                         {{"listener", "api"}, {"version", "TLS1.0"}, {"decision", "rejected"}}),
            1.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_connections_total", {{"listener", "api"}}), 2.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_connections_active", {{"listener", "api"}}), 1.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_bytes_total",
                         {{"listener", "api"}, {"direction", "client_to_upstream"}}),
            100.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_bytes_total",
                         {{"listener", "api"}, {"direction", "upstream_to_client"}}),
            7.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_upstream_connect_failures_total", {{"listener", "api"}}),
            1.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_handshake_duration_seconds_bucket",
                         {{"listener", "api"}, {"le", "0.005"}}),
            1.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_handshake_duration_seconds_bucket",
                         {{"listener", "api"}, {"le", "0.0025"}}),
            0.0);
}

TEST(MetricsTest, PolicyInfoIsReplacedNotDuplicated) {
  Metrics metrics;
  auto& first = metrics.listener("api", "TLS1.0", "TLS1.3", "observe");
  auto& again = metrics.listener("api", "TLS1.2", "TLS1.3", "enforce");
  EXPECT_EQ(&first, &again) << "one set of series per listener name";
  const std::string text = metrics.render();
  EXPECT_EQ(metric_value(text, "tlsfloor_policy_info",
                         {{"listener", "api"},
                          {"min_version", "TLS1.2"},
                          {"max_version", "TLS1.3"},
                          {"mode", "enforce"}}),
            1.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_policy_info",
                         {{"listener", "api"},
                          {"min_version", "TLS1.0"},
                          {"max_version", "TLS1.3"},
                          {"mode", "observe"}}),
            std::nullopt);
}

TEST(MetricsTest, RoutesHaveTheirOwnSeriesAndPolicies) {
  Metrics metrics;
  metrics.publish_policy("edge", {{"default", "TLS1.2", "TLS1.3", "enforce", "enforce"},
                                  {"legacy", "TLS1.0", "TLS1.3", "observe", "observe"}});
  metrics.listener("edge").route("legacy").count_handshake(0x0301, HandshakeOutcome::accepted);
  metrics.listener("edge").route("default").count_handshake(0x0301, HandshakeOutcome::rejected);
  std::string text = metrics.render();
  EXPECT_EQ(metric_value(text, "tlsfloor_handshakes_total",
                         {{"listener", "edge"},
                          {"route", "legacy"},
                          {"version", "TLS1.0"},
                          {"outcome", "accepted"}}),
            1.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_handshakes_total",
                         {{"listener", "edge"}, {"route", "default"}, {"outcome", "rejected"}}),
            1.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_policy_info",
                         {{"listener", "edge"},
                          {"route", "legacy"},
                          {"mode", "observe"},
                          {"cipher_mode", "observe"}}),
            1.0);
  // A reload without the route: its policy goes, its counters stay.
  metrics.publish_policy("edge", {{"default", "TLS1.2", "TLS1.3", "enforce", "enforce"}});
  text = metrics.render();
  EXPECT_EQ(metric_value(text, "tlsfloor_policy_info", {{"listener", "edge"}, {"route", "legacy"}}),
            std::nullopt);
  EXPECT_EQ(
      metric_value(text, "tlsfloor_policy_info", {{"listener", "edge"}, {"route", "default"}}),
      1.0);
  EXPECT_EQ(
      metric_value(text, "tlsfloor_handshakes_total", {{"listener", "edge"}, {"route", "legacy"}}),
      1.0);
  metrics.withdraw_policy("edge");
  EXPECT_EQ(metric_value(metrics.render(), "tlsfloor_policy_info", {{"listener", "edge"}}),
            std::nullopt);
}

// A scheduled route shows its next step with the mode it sets; once none is left, nothing.
TEST(MetricsTest, TheNextScheduledChangeComesAndGoesWithThePolicy) {
  Metrics metrics;
  RoutePolicySample shop{"shop", "TLS1.2", "TLS1.3", "brownout", "brownout"};
  shop.next_change_seconds = 1'800'000'000;
  shop.next_mode = "enforce";
  metrics.publish_policy("edge", {{"default", "TLS1.2", "TLS1.3", "enforce", "enforce"}, shop});
  std::string text = metrics.render();
  const test::Labels next{{"listener", "edge"}, {"route", "shop"}, {"mode", "enforce"}};
  EXPECT_EQ(metric_value(text, "tlsfloor_enforcement_next_change_timestamp_seconds", next),
            1'800'000'000.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_enforcement_next_change_timestamp_seconds",
                         {{"route", "default"}}),
            std::nullopt)
      << "no schedule, no series";
  // The step came: enforce in force, none left.
  metrics.publish_policy("edge", {{"default", "TLS1.2", "TLS1.3", "enforce", "enforce"},
                                  {"shop", "TLS1.2", "TLS1.3", "enforce", "enforce"}});
  text = metrics.render();
  EXPECT_EQ(metric_value(text, "tlsfloor_enforcement_next_change_timestamp_seconds", next),
            std::nullopt);
  EXPECT_EQ(metric_value(text, "tlsfloor_policy_info", {{"route", "shop"}, {"mode", "enforce"}}),
            1.0);
  metrics.publish_policy("edge", {shop});
  metrics.withdraw_policy("edge");
  EXPECT_EQ(metric_value(metrics.render(), "tlsfloor_enforcement_next_change_timestamp_seconds",
                         {{"listener", "edge"}}),
            std::nullopt);
}

TEST(MetricsTest, BuildInfoNamesTheTlsLibrary) {
  Metrics metrics;
  const std::string text = metrics.render();
  EXPECT_NE(text.find("tlsfloor_build_info{"), std::string::npos);
  EXPECT_NE(text.find("tls_library=\"BoringSSL"), std::string::npos);
}

}  // namespace
}  // namespace tlsfloor::metrics

namespace tlsfloor::metrics {
namespace {

TEST(MetricsTest, CertificateSeriesAreReplacedAndWithdrawnWithTheirListener) {
  Metrics metrics;
  const CertificateSample old_one{"default", "api.test", "01", "EC256", 1.8e9, 1.7e9};
  const CertificateSample renewed{"default", "api.test", "02", "EC256", 1.9e9, 1.75e9};
  const CertificateSample route_own{"shop", "shop.test", "0A", "RSA2048", 1.85e9, 1.75e9};
  metrics.publish_certificates("api", {old_one, old_one});  // listed twice: one series
  const test::Labels old_labels = {{"listener", "api"},
                                   {"route", "default"},
                                   {"subject", "api.test"},
                                   {"serial", "01"},
                                   {"key_type", "EC256"}};
  EXPECT_EQ(test::metric_value(metrics.render(), "tlsfloor_certificate_expiry_timestamp_seconds",
                               old_labels),
            1.8e9);
  metrics.publish_certificates("api", {renewed, route_own});
  const std::string text = metrics.render();
  EXPECT_EQ(metric_value(text, "tlsfloor_certificate_expiry_timestamp_seconds", old_labels),
            std::nullopt);
  EXPECT_EQ(metric_value(text, "tlsfloor_certificate_expiry_timestamp_seconds",
                         {{"route", "default"}, {"serial", "02"}}),
            1.9e9);
  EXPECT_EQ(metric_value(text, "tlsfloor_certificate_loaded_timestamp_seconds",
                         {{"route", "shop"}, {"subject", "shop.test"}, {"key_type", "RSA2048"}}),
            1.75e9);
  metrics.withdraw_policy("api");
  EXPECT_EQ(metrics.render().find("tlsfloor_certificate_expiry_timestamp_seconds{"),
            std::string::npos);
}

}  // namespace
}  // namespace tlsfloor::metrics

namespace tlsfloor::metrics {
namespace {

// What a configuration lets happen exists at 0 before it happens, so that increase() counts its
// first occurrence (a series that appears with its first increment reads as no increase).
TEST(MetricsPrepareTest, ThePlansSeriesExistAtZeroAndCountOnFromThere) {
  Metrics metrics;
  RouteMetrics& route = metrics.listener("api", "TLS1.2", "TLS1.3", "enforce");
  RouteSeriesPlan plan;
  plan.accepted_versions = {0x0301, 0x0302, 0x0303, 0x0304};
  plan.legacy_versions = {0x0300, 0x0301, 0x0302};
  plan.weak_versions = {0x0301, 0x0302, 0x0303};
  plan.suites = {{0x0303, 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}};
  plan.failures = {"unsupported_version"};
  plan.upstream_versions = {0x0303};
  plan.upstream_suites = {{0x0303, 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}};
  plan.upstream_failures = {"timeout"};
  route.prepare(plan);
  route.prepare(plan);  // a reload with the same plan: the same series, not new ones
  const auto value = [&](const char* name, const test::Labels& labels) {
    test::Labels all = labels;
    all.emplace("listener", "api");
    return metric_value(metrics.render(), name, all);
  };
  EXPECT_EQ(
      value("tlsfloor_legacy_handshakes_total", {{"version", "TLS1.1"}, {"decision", "rejected"}}),
      0.0);
  EXPECT_EQ(value("tlsfloor_legacy_handshakes_total",
                  {{"version", "SSL3.0"}, {"decision", "rejected_brownout"}}),
            0.0);
  EXPECT_EQ(
      value("tlsfloor_legacy_handshakes_total", {{"version", "TLS1.2"}, {"decision", "rejected"}}),
      std::nullopt)
      << "not below this floor";
  EXPECT_EQ(value("tlsfloor_weak_cipher_handshakes_total",
                  {{"version", "TLS1.2"}, {"decision", "would_reject"}}),
            0.0);
  EXPECT_EQ(value("tlsfloor_handshakes_total", {{"version", "TLS1.0"}, {"outcome", "rejected"}}),
            0.0);
  EXPECT_EQ(value("tlsfloor_handshakes_total", {{"version", "TLS1.3"}, {"outcome", "accepted"}}),
            0.0);
  EXPECT_EQ(value("tlsfloor_negotiated_ciphers_total",
                  {{"version", "TLS1.2"}, {"cipher", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}}),
            0.0);
  EXPECT_EQ(value("tlsfloor_handshake_failures_total", {{"reason", "unsupported_version"}}), 0.0);
  EXPECT_EQ(value("tlsfloor_upstream_handshakes_total",
                  {{"version", "TLS1.2"}, {"outcome", "completed"}}),
            0.0);
  EXPECT_EQ(
      value("tlsfloor_upstream_handshakes_total", {{"version", "unknown"}, {"outcome", "timeout"}}),
      0.0);
  EXPECT_EQ(value("tlsfloor_upstream_negotiated_ciphers_total",
                  {{"cipher", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}}),
            0.0);
  // Counting goes on in the same series.
  route.count_legacy_handshake(0x0302, LegacyDecision::rejected);
  route.count_negotiated_cipher(0x0303, 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_EQ(
      value("tlsfloor_legacy_handshakes_total", {{"version", "TLS1.1"}, {"decision", "rejected"}}),
      1.0);
  EXPECT_EQ(value("tlsfloor_negotiated_ciphers_total",
                  {{"cipher", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}}),
            1.0);
}

// An exception's owner is a series of its own, for alerts to join on: only for exceptions an
// owner lists.
TEST(MetricsTest, AnExceptionsOwnerIsAnInfoSeries) {
  Metrics metrics;
  const auto expiry = std::chrono::system_clock::now() + std::chrono::days(30);
  const std::string text =
      metrics.render({{"api", "default", "payroll-batch", 3, {}, expiry, "payroll"},
                      {"api", "shop", "crawler", 0, {}, expiry, ""}});
  EXPECT_EQ(metric_value(text, "tlsfloor_exception_owner_info",
                         {{"listener", "api"},
                          {"route", "default"},
                          {"exception", "payroll-batch"},
                          {"owner", "payroll"}}),
            1.0);
  EXPECT_EQ(metric_value(text, "tlsfloor_exception_owner_info", {{"exception", "crawler"}}),
            std::nullopt);
  EXPECT_EQ(metric_value(text, "tlsfloor_exception_handshakes_total", {{"exception", "crawler"}}),
            0.0);
}

}  // namespace
}  // namespace tlsfloor::metrics
