// Staged enforcement with real clients: exceptions (by address, SNI and JA4, with expiry) and
// brownout windows (explicit, recurring, fractional), the time moved by an injected clock.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "tests/integration/proxy_config.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/test_clock.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using namespace std::chrono;
using nlohmann::json;

const config::Timestamp kStart = sys_days{year{2026} / 12 / 1} + 9h;

class StagedEnforcementTest : public testing::Test {
 protected:
  RunningProxy start(const std::string& mode, const std::string& listener_yaml,
                     const std::string& enforcement = "") {
    ListenerSpec spec;
    spec.enforcement_extra = enforcement;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"legacy.test", "other.test"})};
    spec.mode = mode;
    spec.extra_yaml = listener_yaml;
    return RunningProxy(proxy_yaml({spec}), clock_.function());
  }
  // A TLS 1.0-only client from `source`; true when the proxy let it in (and relays for it).
  bool tls10_gets_in(RunningProxy& proxy, const std::string& source,
                     const std::string& server_name = "") {
    ClientOptions options;
    options.source = source;
    options.min_version = options.max_version = TLS1_VERSION;
    options.server_name = server_name;
    TlsClient client(proxy.port(), options);
    if (!client.handshake()) {
      EXPECT_EQ(client.alert_received(), kAlertProtocolVersion) << source;
      return false;
    }
    EXPECT_EQ(client.version(), TLS1_VERSION);
    EXPECT_TRUE(client.write_all("ping"));
    EXPECT_EQ(client.read_exactly(4), "ping") << "the upstream is reached";
    return true;
  }
  std::optional<double> legacy(RunningProxy& proxy, const char* decision, double expected) {
    return proxy.metric_eventually(
        "tlsfloor_legacy_handshakes_total",
        {{"listener", "api"}, {"version", "TLS1.0"}, {"decision", decision}}, expected);
  }

  // /legacy-clients once every handshake so far is in the table.
  json poll_json(RunningProxy& proxy) {
    json doc;
    for (int i = 0; i < 2000; ++i) {
      doc = json::parse(http_get(proxy.admin_port(), "/legacy-clients").body);
      const auto& listener = doc["listeners"][0];
      if (listener["handshakes"] == legacy_total(proxy)) break;
      wait_a_moment();
    }
    return doc;
  }
  std::uint64_t legacy_total(RunningProxy& proxy) {
    double total = 0;
    for (const char* decision :
         {"allowed_exception", "rejected", "rejected_brownout", "would_reject"}) {
      total += proxy
                   .metric("tlsfloor_legacy_handshakes_total",
                           {{"listener", "api"}, {"version", "TLS1.0"}, {"decision", decision}})
                   .value_or(0);
    }
    return static_cast<std::uint64_t>(total);
  }

  TestClock clock_{kStart};
  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
};

TEST_F(StagedEnforcementTest, AnExemptAddressPassesWhileItsNeighbourIsRefused) {
  RunningProxy proxy = start("enforce",
                             "    exceptions:\n"
                             "      - name: payroll-batch\n"
                             "        clients: [127.0.0.2]\n"
                             "        expires: 2027-03-31T00:00:00Z\n"
                             "        note: OPS-1234\n");
  EXPECT_TRUE(tls10_gets_in(proxy, "127.0.0.2"));
  EXPECT_FALSE(tls10_gets_in(proxy, "127.0.0.3"));

  EXPECT_EQ(legacy(proxy, "allowed_exception", 1), 1.0);
  EXPECT_EQ(legacy(proxy, "rejected", 1), 1.0);
  const Labels exception{{"listener", "api"}, {"exception", "payroll-batch"}};
  EXPECT_EQ(proxy.metric("tlsfloor_exception_handshakes_total", exception), 1.0);
  EXPECT_EQ(proxy.metric("tlsfloor_exception_last_used_timestamp_seconds", exception),
            config::to_unix_seconds(kStart));
  EXPECT_EQ(proxy.metric("tlsfloor_exception_expiry_timestamp_seconds", exception),
            config::to_unix_seconds(sys_days{year{2027} / 3 / 31}));
  const auto doc = poll_json(proxy);
  ASSERT_EQ(doc["clients"].size(), 2u) << doc.dump(2);
  std::set<std::string> decisions;
  for (const auto& client : doc["clients"]) {
    decisions.insert(client["client"].get<std::string>() + " " +
                     client["by_version"]["TLS1.0"].begin().key());
  }
  EXPECT_EQ(decisions,
            (std::set<std::string>{"127.0.0.2 allowed_exception", "127.0.0.3 rejected"}));
}

TEST_F(StagedEnforcementTest, ServerNameAndFingerprintExceptions) {
  // Learn the TLS 1.0 client's JA4 from a first proxy's table of refused clients.
  std::string ja4;
  {
    RunningProxy probe = start("enforce", "");
    EXPECT_FALSE(tls10_gets_in(probe, "127.0.0.2"));
    const json doc = poll_json(probe);
    ASSERT_EQ(doc["clients"].size(), 1u);
    ja4 = doc["clients"][0]["ja4"][0];
  }
  RunningProxy proxy = start("enforce",
                             "    exceptions:\n"
                             "      - name: old-site\n"
                             "        server_names: [\"*.test\"]\n"
                             "        clients: [127.0.0.0/24]\n"
                             "        expires: 2027-03-31T00:00:00Z\n"
                             "      - name: vendor-appliance\n"
                             "        ja4: [" +
                                 ja4 +
                                 "]\n"
                                 "        clients: [127.0.1.0/24]\n"
                                 "        expires: 2027-03-31T00:00:00Z\n");
  EXPECT_TRUE(tls10_gets_in(proxy, "127.0.0.2", "legacy.test"));
  EXPECT_FALSE(tls10_gets_in(proxy, "127.0.0.2")) << "no SNI: the first exception needs one";
  EXPECT_TRUE(tls10_gets_in(proxy, "127.0.1.2")) << "the fingerprint matches";
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_exception_handshakes_total",
                                    {{"listener", "api"}, {"exception", "vendor-appliance"}}, 1),
            1.0);
  EXPECT_EQ(proxy.metric("tlsfloor_exception_handshakes_total",
                         {{"listener", "api"}, {"exception", "old-site"}}),
            1.0);
}

TEST_F(StagedEnforcementTest, AnExpiredExceptionNoLongerMatches) {
  RunningProxy proxy = start("enforce",
                             "    exceptions:\n"
                             "      - name: until-ten\n"
                             "        clients: [127.0.0.2]\n"
                             "        expires: 2026-12-01T10:00:00Z\n");
  EXPECT_TRUE(tls10_gets_in(proxy, "127.0.0.2"));
  clock_.set(kStart + 59min);
  EXPECT_TRUE(tls10_gets_in(proxy, "127.0.0.2"));
  clock_.set(kStart + 1h);  // 10:00: expired
  EXPECT_FALSE(tls10_gets_in(proxy, "127.0.0.2"));
  EXPECT_EQ(legacy(proxy, "allowed_exception", 2), 2.0);
  EXPECT_EQ(legacy(proxy, "rejected", 1), 1.0);
}

TEST_F(StagedEnforcementTest, BrownoutRefusesOnlyInsideItsWindows) {
  RunningProxy proxy =
      start("brownout", "",
            "brownout: {windows: [{start: 2026-12-01T10:00:00Z, end: 2026-12-01T11:00:00Z}]}");
  const Labels listener{{"listener", "api"}};
  EXPECT_TRUE(tls10_gets_in(proxy, "127.0.0.2")) << "09:00: before the window";
  EXPECT_EQ(proxy.metric("tlsfloor_brownout_active", listener), 0.0);
  clock_.set(kStart + 1h + 30min);
  EXPECT_FALSE(tls10_gets_in(proxy, "127.0.0.2")) << "10:30: inside";
  EXPECT_EQ(proxy.metric("tlsfloor_brownout_active", listener), 1.0);
  clock_.set(kStart + 2h);
  EXPECT_TRUE(tls10_gets_in(proxy, "127.0.0.2")) << "11:00: the window has ended";
  EXPECT_EQ(proxy.metric("tlsfloor_brownout_active", listener), 0.0);
  EXPECT_EQ(legacy(proxy, "rejected_brownout", 1), 1.0);
  EXPECT_EQ(legacy(proxy, "would_reject", 2), 2.0);
  // Modern clients never notice.
  clock_.set(kStart + 1h + 30min);
  ClientOptions modern;
  modern.source = "127.0.0.2";
  TlsClient client(proxy.port(), modern);
  EXPECT_TRUE(client.handshake());
}

TEST_F(StagedEnforcementTest, ABrownoutFractionRefusesTheSameClientsAllWindowLong) {
  RunningProxy proxy =
      start("brownout", "", "brownout: {every: {period: 1h, duration: 30m}, fraction: 0.5}");
  clock_.set(kStart + 5min);  // 09:05, inside the 09:00 window
  std::set<std::string> refused;
  for (int i = 1; i <= 40; ++i) {
    const std::string source = "127.0.2." + std::to_string(i);
    if (!tls10_gets_in(proxy, source)) refused.insert(source);
  }
  // 40 draws at one half: all the same would be a 2^-39 coincidence.
  EXPECT_GT(refused.size(), 0u);
  EXPECT_LT(refused.size(), 40u);
  clock_.set(kStart + 25min);  // later in the same window: the same answers
  for (int i = 1; i <= 40; ++i) {
    const std::string source = "127.0.2." + std::to_string(i);
    EXPECT_EQ(!tls10_gets_in(proxy, source), refused.contains(source)) << source;
  }
  clock_.set(kStart + 35min);  // between windows: everyone passes
  for (const auto& source : refused) EXPECT_TRUE(tls10_gets_in(proxy, source)) << source;
}

// Last use survives a restart through the state file, and GET /exceptions says how each
// override stands.
TEST_F(StagedEnforcementTest, LastUseSurvivesARestartThroughTheStateFile) {
  const std::string state = (dir_.path() / "state.json").string();
  ListenerSpec spec;
  spec.upstream_port = upstream_.port();
  spec.certificates = {make_self_signed(dir_, "api", {"api.test"})};
  spec.extra_yaml =
      "    exceptions:\n"
      "      - {name: payroll, clients: [127.0.0.2], expires: 2027-03-31T00:00:00Z}\n"
      "      - {name: idle, clients: [127.0.0.9], expires: 2026-12-05T00:00:00Z}\n";
  const std::string yaml = proxy_yaml({spec}, "5s", "state_file: \"" + state + "\"\n");
  const auto exceptions = [](RunningProxy& proxy) {
    return json::parse(http_get(proxy.admin_port(), "/exceptions").body)["exceptions"];
  };
  {
    RunningProxy proxy(yaml, clock_.function());
    EXPECT_TRUE(tls10_gets_in(proxy, "127.0.0.2"));
    const json list = exceptions(proxy);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0]["name"], "payroll");
    EXPECT_EQ(list[0]["handshakes"], 1);
    EXPECT_EQ(list[0]["last_used"], "2026-12-01T09:00:00.000Z");
    EXPECT_EQ(list[0]["status"], "active");
    EXPECT_EQ(list[1]["last_used"], nullptr);
    EXPECT_EQ(list[1]["status"], "expiring") << "expires within 7 days";
  }  // a clean stop writes the state file
  ASSERT_TRUE(std::filesystem::exists(state));

  clock_.set(kStart + days(15));  // 15 days later, no traffic since
  RunningProxy restarted(yaml, clock_.function());
  const json list = exceptions(restarted);
  EXPECT_EQ(list[0]["handshakes"], 0) << "counts are per process";
  EXPECT_EQ(list[0]["last_used"], "2026-12-01T09:00:00.000Z") << "remembered";
  EXPECT_EQ(list[0]["first_loaded"], "2026-12-01T09:00:00.000Z");
  EXPECT_EQ(list[0]["status"], "unused") << "no match for 14 days";
  EXPECT_EQ(list[1]["status"], "expired");
  EXPECT_EQ(restarted.metric("tlsfloor_exception_last_used_timestamp_seconds",
                             {{"listener", "api"}, {"exception", "payroll"}}),
            config::to_unix_seconds(kStart));
}

TEST_F(StagedEnforcementTest, ACorruptStateFileIsAFreshStart) {
  const std::string state = dir_.write("state.json", "{\"version\": 1, \"exc");
  ListenerSpec spec;
  spec.upstream_port = upstream_.port();
  spec.certificates = {make_self_signed(dir_, "api", {"api.test"})};
  spec.extra_yaml =
      "    exceptions:\n"
      "      - {name: payroll, clients: [127.0.0.2], expires: 2027-03-31T00:00:00Z}\n";
  RunningProxy proxy(proxy_yaml({spec}, "5s", "state_file: \"" + state + "\"\n"),
                     clock_.function());
  EXPECT_TRUE(tls10_gets_in(proxy, "127.0.0.2"));
  // Rewritten at start, valid again.
  const auto text = [&] {
    std::ifstream in(state);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  // The control thread writes it just after start: wait for it rather than race it.
  const auto rewritten = [&] { return json::accept(text()); };
  ASSERT_TRUE(eventually_equals(rewritten, true)) << text();
  const json doc = json::parse(text());
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["exceptions"][0]["exception"], "payroll");
}

TEST_F(StagedEnforcementTest, AnHttpRefusalIsReadableByAnHttpClient) {
  RunningProxy proxy = start("enforce", "", "on_reject: http");
  ClientOptions options;
  options.min_version = options.max_version = TLS1_VERSION;
  TlsClient client(proxy.port(), options);
  ASSERT_TRUE(client.handshake()) << "the legacy handshake completes so the answer can be read";
  ASSERT_TRUE(client.write_all("GET /orders HTTP/1.1\r\nHost: api.test\r\n\r\n"));
  ReadEnd how{};
  const std::string response = client.read_to_end(&how);
  EXPECT_TRUE(response.starts_with("HTTP/1.1 426 Upgrade Required\r\n")) << response;
  EXPECT_NE(response.find("\r\nConnection: close\r\n"), std::string::npos) << response;
  EXPECT_NE(response.find("\r\nUpgrade: TLS/1.2\r\n"), std::string::npos) << response;
  EXPECT_TRUE(
      response.ends_with("This service requires TLS 1.2 or newer. Your client connected "
                         "with TLS 1.0: please update it or its TLS settings.\n"))
      << response;
  EXPECT_EQ(how, ReadEnd::close_notify);
  EXPECT_EQ(proxy.metric_eventually(
                "tlsfloor_handshakes_total",
                {{"listener", "api"}, {"version", "TLS1.0"}, {"outcome", "rejected"}}, 1),
            1.0);
  EXPECT_EQ(legacy(proxy, "rejected", 1), 1.0);
  // curl (OpenSSL, another TLS stack) as an operator would try it.
  const std::string url = "https://127.0.0.1:" + std::to_string(proxy.port()) + "/";
  const std::string body = (dir_.path() / "body.txt").string();
  const std::string command = "curl -sk --tlsv1.0 --tls-max 1.0 --ciphers DEFAULT@SECLEVEL=0 -o '" +
                              body + "' -w '%{http_code}' '" + url + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char status[16] = {};
  const std::size_t n = std::fread(status, 1, sizeof status - 1, pipe);
  ::pclose(pipe);
  EXPECT_EQ(std::string(status, n), "426");
  // A modern client is proxied as usual, and only it reached the upstream.
  TlsClient modern(proxy.port());
  ASSERT_TRUE(modern.handshake());
  ASSERT_TRUE(modern.write_all("ping"));
  EXPECT_EQ(modern.read_exactly(4), "ping");
  EXPECT_EQ(upstream_.accepted(), 1) << "refused clients never reach the upstream";
}

// A refused client that completes the handshake but never sends its request cannot hold the
// connection: the handshake deadline still applies while tlsfloor waits for the request head.
TEST_F(StagedEnforcementTest, AnHttpRefusalDoesNotWaitForeverForTheRequest) {
  ListenerSpec spec;
  spec.upstream_port = upstream_.port();
  spec.certificates = {make_self_signed(dir_, "api", {"api.test"})};
  spec.enforcement_extra = "on_reject: http";
  spec.handshake_timeout = "1s";
  RunningProxy proxy(proxy_yaml({spec}), clock_.function());
  ClientOptions options;
  options.min_version = options.max_version = TLS1_VERSION;
  TlsClient client(proxy.port(), options);
  ASSERT_TRUE(client.handshake());
  ReadEnd how{};
  EXPECT_EQ(client.read_to_end(&how), "") << "no request, no answer";
  EXPECT_NE(how, ReadEnd::error) << "closed by tlsfloor, not by the test's socket timeout";
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_connections_active", {{"listener", "api"}}, 0), 0.0);
  EXPECT_EQ(upstream_.accepted(), 0);
}

}  // namespace
}  // namespace tlsfloor::test
