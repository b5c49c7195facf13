// The floor, per TLS version, with real BoringSSL clients against the real proxy and a real
// upstream: legacy clients are refused with protocol_version in enforce mode and let through
// (and counted as would_reject) in observe mode; every outcome shows in the metrics.
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>

#include "tests/integration/proxy_config.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

struct Version {
  std::uint16_t wire;
  const char* label;
  bool below_tls12;
};

const Version kVersions[] = {
    {TLS1_VERSION, "TLS1.0", true},
    {TLS1_1_VERSION, "TLS1.1", true},
    {TLS1_2_VERSION, "TLS1.2", false},
    {TLS1_3_VERSION, "TLS1.3", false},
};

// Readable test names and parameters in ctest's list instead of raw bytes.
void PrintTo(const Version& version, std::ostream* out) { *out << version.label; }

std::string version_name(const testing::TestParamInfo<Version>& info) {
  std::string name = info.param.label;
  name.erase(name.find('.'), 1);
  return name;
}

class VersionPolicyTest : public testing::TestWithParam<Version> {
 protected:
  RunningProxy start(const std::string& mode) {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"api.test"})};
    spec.mode = mode;
    return RunningProxy(proxy_yaml({spec}));
  }
  // A client that offers exactly one version.
  ClientOptions only(std::uint16_t version) {
    ClientOptions options;
    options.min_version = options.max_version = version;
    return options;
  }
  std::optional<double> handshakes(RunningProxy& proxy, const char* version, const char* outcome) {
    return proxy.metric("tlsfloor_handshakes_total",
                        {{"listener", "api"}, {"version", version}, {"outcome", outcome}});
  }
  std::optional<double> legacy(RunningProxy& proxy, const char* version, const char* decision) {
    return proxy.metric("tlsfloor_legacy_handshakes_total",
                        {{"listener", "api"}, {"version", version}, {"decision", decision}});
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
};

TEST_P(VersionPolicyTest, EnforceRefusesLegacyAndProxiesTheRest) {
  const Version v = GetParam();
  RunningProxy proxy = start("enforce");
  TlsClient client(proxy.port(), only(v.wire));
  const bool established = client.handshake();

  if (v.below_tls12) {
    EXPECT_FALSE(established);
    EXPECT_EQ(client.alert_received(), kAlertProtocolVersion);
    EXPECT_EQ(client.peer_common_name(), "") << "no certificate may be sent to a refused client";
    EXPECT_EQ(proxy.metric_eventually(
                  "tlsfloor_handshakes_total",
                  {{"listener", "api"}, {"version", v.label}, {"outcome", "rejected"}}, 1.0),
              1.0);
    EXPECT_EQ(legacy(proxy, v.label, "rejected"), 1.0);
    EXPECT_EQ(legacy(proxy, v.label, "would_reject").value_or(0), 0);
    EXPECT_EQ(handshakes(proxy, v.label, "accepted").value_or(0), 0);
    EXPECT_EQ(upstream_.accepted(), 0) << "a refused client must never reach the upstream";
  } else {
    ASSERT_TRUE(established);
    EXPECT_EQ(client.version(), v.wire);
    EXPECT_EQ(client.peer_common_name(), "api.test");
    const std::string message = std::string("hello over ") + v.label;
    ASSERT_TRUE(client.write_all(message));
    EXPECT_EQ(client.read_exactly(message.size()), message);
    EXPECT_EQ(handshakes(proxy, v.label, "accepted"), 1.0);
    EXPECT_EQ(legacy(proxy, v.label, "rejected").value_or(0), 0);
    EXPECT_EQ(handshakes(proxy, v.label, "rejected").value_or(0), 0);
  }
  EXPECT_EQ(proxy.metric("tlsfloor_connections_total", {{"listener", "api"}}), 1.0);
}

TEST_P(VersionPolicyTest, ObserveLetsEveryoneThroughAndCountsWhoWouldBreak) {
  const Version v = GetParam();
  RunningProxy proxy = start("observe");
  TlsClient client(proxy.port(), only(v.wire));
  ASSERT_TRUE(client.handshake());
  EXPECT_EQ(client.version(), v.wire);
  const std::string message = std::string("observed ") + v.label;
  ASSERT_TRUE(client.write_all(message));
  EXPECT_EQ(client.read_exactly(message.size()), message);

  EXPECT_EQ(handshakes(proxy, v.label, "accepted"), 1.0);
  EXPECT_EQ(legacy(proxy, v.label, "would_reject").value_or(0), v.below_tls12 ? 1.0 : 0.0);
  EXPECT_EQ(legacy(proxy, v.label, "rejected").value_or(0), 0);
  EXPECT_EQ(proxy.metric("tlsfloor_policy_info", {{"listener", "api"},
                                                  {"min_version", "TLS1.2"},
                                                  {"max_version", "TLS1.3"},
                                                  {"mode", "observe"}}),
            1.0);
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, VersionPolicyTest, testing::ValuesIn(kVersions),
                         version_name);

class VersionRangeTest : public testing::Test {
 protected:
  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
  ListenerSpec spec() {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"api.test"})};
    return spec;
  }
};

TEST_F(VersionRangeTest, AClientOfferingEverythingGetsTheBestVersionAndIsNotLegacy) {
  RunningProxy proxy(proxy_yaml({spec()}));
  TlsClient client(proxy.port());  // offers TLS 1.0 .. 1.3
  ASSERT_TRUE(client.handshake());
  EXPECT_EQ(client.version(), TLS1_3_VERSION);
  ASSERT_TRUE(client.write_all("x"));
  EXPECT_EQ(client.read_exactly(1), "x");
  EXPECT_EQ(proxy
                .metric("tlsfloor_legacy_handshakes_total",
                        {{"listener", "api"}, {"version", "TLS1.3"}, {"decision", "rejected"}})
                .value_or(0),
            0);
}

TEST_F(VersionRangeTest, TheCeilingCapsNegotiation) {
  auto listener = spec();
  listener.max_version = "TLS1.2";
  RunningProxy proxy(proxy_yaml({listener}));
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  EXPECT_EQ(client.version(), TLS1_2_VERSION);
  ASSERT_TRUE(client.write_all("capped"));
  EXPECT_EQ(client.read_exactly(6), "capped");
  EXPECT_EQ(proxy.metric("tlsfloor_handshakes_total",
                         {{"listener", "api"}, {"version", "TLS1.2"}, {"outcome", "accepted"}}),
            1.0);
}

TEST_F(VersionRangeTest, ALegacyRangeIsLabelledByItsHighestVersion) {
  RunningProxy proxy(proxy_yaml({spec()}));
  ClientOptions options;
  options.min_version = TLS1_VERSION;
  options.max_version = TLS1_1_VERSION;
  TlsClient client(proxy.port(), options);
  EXPECT_FALSE(client.handshake());
  EXPECT_EQ(client.alert_received(), kAlertProtocolVersion);
  EXPECT_EQ(proxy.metric_eventually(
                "tlsfloor_handshakes_total",
                {{"listener", "api"}, {"version", "TLS1.1"}, {"outcome", "rejected"}}, 1.0),
            1.0);
}

TEST_F(VersionRangeTest, AFloorOfTls13RefusesTls12Clients) {
  auto listener = spec();
  listener.min_version = "TLS1.3";
  RunningProxy proxy(proxy_yaml({listener}));
  ClientOptions options;
  options.max_version = TLS1_2_VERSION;
  TlsClient legacy(proxy.port(), options);
  EXPECT_FALSE(legacy.handshake());
  EXPECT_EQ(legacy.alert_received(), kAlertProtocolVersion);
  TlsClient modern(proxy.port());
  ASSERT_TRUE(modern.handshake());
  EXPECT_EQ(modern.version(), TLS1_3_VERSION);
  EXPECT_EQ(proxy.metric_eventually(
                "tlsfloor_legacy_handshakes_total",
                {{"listener", "api"}, {"version", "TLS1.2"}, {"decision", "rejected"}}, 1.0),
            1.0);
}

TEST_F(VersionRangeTest, TheCertificateIsChosenBySni) {
  auto listener = spec();
  listener.certificates = {make_self_signed(dir_, "a", {"a.test"}),
                           make_self_signed(dir_, "b", {"b.test", "*.b.test"})};
  RunningProxy proxy(proxy_yaml({listener}));
  const std::pair<std::string, std::string> cases[] = {{"b.test", "b.test"},
                                                       {"x.b.test", "b.test"},
                                                       {"a.test", "a.test"},
                                                       {"other.test", "a.test"},
                                                       {"", "a.test"}};
  for (const auto& [sni, expected] : cases) {
    SCOPED_TRACE("SNI " + sni);
    ClientOptions options;
    options.server_name = sni;
    TlsClient client(proxy.port(), options);
    ASSERT_TRUE(client.handshake());
    EXPECT_EQ(client.peer_common_name(), expected);
  }
}

TEST_F(VersionRangeTest, SeveralListenersKeepTheirOwnPoliciesAndSeries) {
  auto strict = spec();
  auto lenient = spec();
  lenient.name = "legacy";
  lenient.min_version = "TLS1.0";
  RunningProxy proxy(proxy_yaml({strict, lenient}));
  ClientOptions tls10;
  tls10.max_version = TLS1_VERSION;
  TlsClient refused(proxy.port("api"), tls10);
  EXPECT_FALSE(refused.handshake());
  TlsClient welcome(proxy.port("legacy"), tls10);
  ASSERT_TRUE(welcome.handshake());
  EXPECT_EQ(welcome.version(), TLS1_VERSION);
  ASSERT_TRUE(welcome.write_all("old"));
  EXPECT_EQ(welcome.read_exactly(3), "old");
  EXPECT_EQ(proxy.metric("tlsfloor_handshakes_total",
                         {{"listener", "legacy"}, {"version", "TLS1.0"}, {"outcome", "accepted"}}),
            1.0);
  EXPECT_EQ(proxy.metric_eventually(
                "tlsfloor_handshakes_total",
                {{"listener", "api"}, {"version", "TLS1.0"}, {"outcome", "rejected"}}, 1.0),
            1.0);
}

}  // namespace
}  // namespace tlsfloor::test
