// Who still uses legacy TLS, seen from outside: real clients of every version, each bound to
// its own loopback source address (127.0.0.2, 127.0.0.3, ...), against the real proxy; the
// per-client table (GET /legacy-clients and its metrics) and the handshake log are checked
// field by field.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/integration/proxy_config.h"
#include "tests/support/files.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

ClientOptions from(const std::string& source, std::uint16_t version) {
  ClientOptions options;
  options.source = source;
  options.min_version = options.max_version = version;
  return options;
}

// The client's local port, as the proxy sees it.
std::uint16_t local_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

// Every sample of tlsfloor_legacy_client_handshakes_total: (client, version, decision) -> value.
std::map<std::tuple<std::string, std::string, std::string>, double> client_series(
    const std::string& exposition) {
  static const std::regex sample(R"re(^tlsfloor_legacy_client_handshakes_total\{(.*)\} (\S+)$)re");
  static const std::regex label(R"re((\w+)="([^"]*)")re");
  std::map<std::tuple<std::string, std::string, std::string>, double> series;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (!std::regex_match(line, match, sample)) continue;
    std::map<std::string, std::string> labels;
    const std::string text = match[1];
    for (std::sregex_iterator it(text.begin(), text.end(), label), end; it != end; ++it) {
      labels[(*it)[1]] = (*it)[2];
    }
    series[{labels["client"], labels["version"], labels["decision"]}] = std::stod(match[2]);
  }
  return series;
}

// Polls `probe` until `done(value)` or 20 s pass; returns the last value. The proxy records
// after the client has seen the outcome, on its own threads; the log is written by another.
template <typename Probe, typename Done>
auto poll_until(Probe probe, Done done) {
  auto value = probe();
  for (int i = 0; i < 2000 && !done(value); ++i) {
    wait_a_moment();
    value = probe();
  }
  return value;
}

class LegacyClientsTest : public testing::Test {
 protected:
  // One listener "api" (floor TLS1.2) in `mode`; `top_level` and `listener_extra` add YAML.
  RunningProxy start(const std::string& mode, const std::string& top_level = "",
                     const std::string& listener_extra = "") {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"old.test", "api.test"})};
    spec.mode = mode;
    spec.extra_yaml = listener_extra;
    return RunningProxy(proxy_yaml({spec}, "5s", top_level));
  }
  json legacy_clients(RunningProxy& proxy, const std::string& query = "") {
    const auto response = http_get(proxy.admin_port(), "/legacy-clients" + query);
    EXPECT_EQ(response.status, 200) << response.body;
    return json::parse(response.body);
  }
  // The table once it holds `total` legacy handshakes.
  json table_with(RunningProxy& proxy, std::uint64_t total) {
    return poll_until([&] { return legacy_clients(proxy); },
                      [&](const json& doc) { return doc["listeners"][0]["handshakes"] == total; });
  }
  // The log once it has `count` lines.
  std::vector<json> log_with(std::size_t count) {
    return poll_until([&] { return read_log(log_path()); },
                      [&](const std::vector<json>& lines) { return lines.size() >= count; });
  }
  std::string log_yaml(bool legacy_only) const {
    return "access_log: {path: \"" + log_path().string() +
           "\", legacy_only: " + (legacy_only ? "true" : "false") + "}\n";
  }
  std::filesystem::path log_path() const { return dir_.path() / "handshakes.log"; }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
};

TEST_F(LegacyClientsTest, CountsEachSourceAddressAndLogsEveryHandshake) {
  RunningProxy proxy = start("observe", log_yaml(false));
  std::vector<std::uint16_t> old_ports;
  for (int i = 0; i < 3; ++i) {
    ClientOptions options = from("127.0.0.2", TLS1_VERSION);
    options.server_name = "old.test";
    options.alpn = {"http/1.1"};
    TlsClient client(proxy.port(), options);
    ASSERT_TRUE(client.handshake()) << "observe mode lets legacy clients in";
    old_ports.push_back(local_port(client.fd()));
  }
  TlsClient tls11(proxy.port(), from("127.0.0.3", TLS1_1_VERSION));
  ASSERT_TRUE(tls11.handshake());
  TlsClient modern(proxy.port(), from("127.0.0.4", TLS1_3_VERSION));
  ASSERT_TRUE(modern.handshake());

  const json doc = table_with(proxy, 4);
  ASSERT_EQ(doc["clients"].size(), 2u) << doc.dump(2) << "\nthe TLS 1.3 client is not legacy";
  const json& heavy = doc["clients"][0];
  EXPECT_EQ(heavy["listener"], "api");
  EXPECT_EQ(heavy["client"], "127.0.0.2");
  EXPECT_EQ(heavy["handshakes"], 3);
  EXPECT_EQ(heavy["overcount_bound"], 0);
  EXPECT_EQ(heavy["by_version"], json::parse(R"({"TLS1.0":{"would_reject":3}})"));
  EXPECT_EQ(heavy["server_names"], json::parse(R"(["old.test"])"));
  ASSERT_EQ(heavy["ja4"].size(), 1u);
  // TLS 1.0, SNI, ALPN "http/1.1" (first and last characters "h1").
  EXPECT_TRUE(std::regex_match(heavy["ja4"][0].get<std::string>(),
                               std::regex(R"(t10d\d{4}h1_[0-9a-f]{12}_[0-9a-f]{12})")))
      << heavy["ja4"][0];
  EXPECT_TRUE(std::regex_match(heavy["last_cipher"].get<std::string>(), std::regex("TLS_.*")));
  EXPECT_LE(heavy["first_seen"].get<std::string>(), heavy["last_seen"].get<std::string>());
  const json& light = doc["clients"][1];
  EXPECT_EQ(light["client"], "127.0.0.3");
  EXPECT_EQ(light["by_version"], json::parse(R"({"TLS1.1":{"would_reject":1}})"));
  EXPECT_EQ(light["server_names"], json::array());
  EXPECT_TRUE(std::regex_match(light["ja4"][0].get<std::string>(), std::regex("t11i.*")));

  // Filters.
  const json tls11_only = legacy_clients(proxy, "?version=TLS1.1");
  ASSERT_EQ(tls11_only["clients"].size(), 1u);
  EXPECT_EQ(tls11_only["clients"][0]["client"], "127.0.0.3");
  EXPECT_EQ(legacy_clients(proxy, "?listener=api")["clients"].size(), 2u);
  EXPECT_EQ(http_get(proxy.admin_port(), "/legacy-clients?listener=web").status, 404);

  // Metrics: the same counts, per client.
  const auto series = client_series(proxy.scrape());
  EXPECT_EQ(series, (std::map<std::tuple<std::string, std::string, std::string>, double>{
                        {{"127.0.0.2", "TLS1.0", "would_reject"}, 3},
                        {{"127.0.0.3", "TLS1.1", "would_reject"}, 1}}));
  EXPECT_EQ(proxy.metric("tlsfloor_legacy_clients_tracked", {{"listener", "api"}}), 2.0);

  // The log: one line per handshake. Two workers write them, each as its handshake ends, so
  // the file's order is not the clients' order: compare by client and port.
  std::vector<json> lines = log_with(5);
  ASSERT_EQ(lines.size(), 5u);
  std::sort(lines.begin(), lines.end(), [](const json& a, const json& b) {
    return std::tie(a["client"].get_ref<const std::string&>(), a["client_port"]) <
           std::tie(b["client"].get_ref<const std::string&>(), b["client_port"]);
  });
  std::sort(old_ports.begin(), old_ports.end());
  for (int i = 0; i < 3; ++i) {
    const json& line = lines[i];
    SCOPED_TRACE(line.dump());
    EXPECT_TRUE(std::regex_match(line["time"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    EXPECT_EQ(line["listener"], "api");
    EXPECT_EQ(line["client"], "127.0.0.2");
    EXPECT_EQ(line["client_port"], old_ports[i]);
    EXPECT_EQ(line["offered_versions"], json::parse(R"(["TLS1.0"])"));
    EXPECT_EQ(line["highest_offered"], "TLS1.0");
    EXPECT_EQ(line["negotiated_version"], "TLS1.0");
    EXPECT_EQ(line["cipher"], heavy["last_cipher"]);
    EXPECT_EQ(line["sni"], "old.test");
    EXPECT_EQ(line["alpn"], json::parse(R"(["http/1.1"])"));
    EXPECT_TRUE(std::regex_match(line["ja3"].get<std::string>(), std::regex("[0-9a-f]{32}")));
    EXPECT_EQ(line["ja4"], heavy["ja4"][0]);
    EXPECT_EQ(line["outcome"], "accepted");
    EXPECT_EQ(line["legacy"], true);
    EXPECT_EQ(line["decision"], "would_reject");
    EXPECT_EQ(line["reason"], "below_floor_observed");
  }
  EXPECT_EQ(lines[0]["ja3"], lines[2]["ja3"]) << "same client, same fingerprint";
  EXPECT_EQ(lines[3]["client"], "127.0.0.3");
  EXPECT_EQ(lines[3]["sni"], nullptr);
  EXPECT_EQ(lines[3]["alpn"], json::array());
  EXPECT_EQ(lines[4]["client"], "127.0.0.4");
  EXPECT_EQ(lines[4]["offered_versions"], json::parse(R"(["TLS1.3"])"));
  EXPECT_EQ(lines[4]["negotiated_version"], "TLS1.3");
  EXPECT_EQ(lines[4]["legacy"], false);
  EXPECT_EQ(lines[4]["decision"], "allowed");
  EXPECT_EQ(lines[4]["reason"], "meets_floor");
  EXPECT_TRUE(std::regex_match(lines[4]["ja4"].get<std::string>(), std::regex("t13i.*")));
  // Counted just after the write: the lines can be in the file a moment before the counter moves.
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_access_log_lines_total",
                                    {{"path", log_path().string()}}, 5.0),
            5.0);
  EXPECT_EQ(proxy.metric("tlsfloor_access_log_dropped_total",
                         {{"path", log_path().string()}, {"reason", "queue_full"}}),
            0.0);
}

TEST_F(LegacyClientsTest, RejectedClientsAreSeenTooAndLegacyOnlyLogsSkipTheRest) {
  // The log is the listener's own here, and only for legacy handshakes.
  RunningProxy proxy = start("enforce", "", "    " + log_yaml(true));
  for (int i = 0; i < 2; ++i) {
    ClientOptions options = from("127.0.0.2", TLS1_VERSION);
    options.server_name = "old.test";
    TlsClient client(proxy.port(), options);
    EXPECT_FALSE(client.handshake());
  }
  TlsClient modern(proxy.port(), from("127.0.0.4", TLS1_2_VERSION));
  ASSERT_TRUE(modern.handshake());
  TlsClient last(proxy.port(), from("127.0.0.3", TLS1_1_VERSION));
  EXPECT_FALSE(last.handshake());

  const json doc = table_with(proxy, 3);
  ASSERT_EQ(doc["clients"].size(), 2u) << doc.dump(2);
  EXPECT_EQ(doc["clients"][0]["client"], "127.0.0.2");
  EXPECT_EQ(doc["clients"][0]["by_version"], json::parse(R"({"TLS1.0":{"rejected":2}})"));
  EXPECT_EQ(doc["clients"][0]["server_names"], json::parse(R"(["old.test"])"));
  EXPECT_EQ(doc["clients"][0]["last_cipher"], nullptr) << "no cipher was negotiated";

  const std::vector<json> lines = log_with(3);
  ASSERT_EQ(lines.size(), 3u) << "the TLS 1.2 handshake is not legacy: not logged";
  EXPECT_EQ(lines[0]["outcome"], "rejected");
  EXPECT_EQ(lines[0]["decision"], "rejected");
  EXPECT_EQ(lines[0]["reason"], "below_floor_enforced");
  EXPECT_EQ(lines[0]["negotiated_version"], nullptr);
  EXPECT_EQ(lines[0]["cipher"], nullptr);
  EXPECT_EQ(lines[0]["sni"], "old.test");
  EXPECT_EQ(lines[2]["client"], "127.0.0.3");
  EXPECT_EQ(lines[2]["highest_offered"], "TLS1.1");
}

TEST_F(LegacyClientsTest, APrefixGroupsANetworkIntoOneClient) {
  RunningProxy proxy = start("enforce", "legacy_clients: {ipv4_prefix: 24}\n");
  for (const char* source : {"127.0.0.2", "127.0.0.3", "127.0.1.2"}) {
    TlsClient client(proxy.port(), from(source, TLS1_VERSION));
    EXPECT_FALSE(client.handshake());
  }
  const json doc = table_with(proxy, 3);
  ASSERT_EQ(doc["clients"].size(), 2u) << doc.dump(2);
  EXPECT_EQ(doc["clients"][0]["client"], "127.0.0.0/24");
  EXPECT_EQ(doc["clients"][0]["handshakes"], 2);
  EXPECT_EQ(doc["clients"][1]["client"], "127.0.1.0/24");
}

// Thousands of distinct clients (a scan, a NATed fleet) cannot grow the table or the series
// past their bounds, and a heavy client among them is still found and counted exactly.
TEST_F(LegacyClientsTest, TheBoundsHoldUnderThousandsOfClients) {
  RunningProxy proxy = start("enforce", "legacy_clients: {top_k: 16, metrics_top_n: 4}\n");
  constexpr int kDistinct = 1500;
  constexpr int kHeavy = 150;  // more than the (1500 + 150) / 16 that Space-Saving guarantees
  int heavy_sent = 0;
  for (int i = 0; i < kDistinct; ++i) {
    const std::string source =
        "127.1." + std::to_string(i / 250) + "." + std::to_string(1 + i % 250);
    TlsClient client(proxy.port(), from(source, TLS1_VERSION));
    ASSERT_FALSE(client.handshake());
    if (i % 10 == 0) {
      TlsClient heavy(proxy.port(), from("127.0.0.9", TLS1_1_VERSION));
      ASSERT_FALSE(heavy.handshake());
      ++heavy_sent;
    }
  }
  ASSERT_EQ(heavy_sent, kHeavy);
  const json doc = table_with(proxy, kDistinct + kHeavy);
  EXPECT_EQ(doc["listeners"][0]["tracked"], 16);
  ASSERT_EQ(doc["clients"].size(), 16u);
  const json& heavy = doc["clients"][0];
  EXPECT_EQ(heavy["client"], "127.0.0.9");
  EXPECT_EQ(heavy["by_version"], json::parse(R"({"TLS1.1":{"rejected":150}})"))
      << "tracked from its first handshake: exact";
  EXPECT_EQ(proxy.metric("tlsfloor_legacy_clients_tracked", {{"listener", "api"}}), 16.0);

  const auto series = client_series(proxy.scrape());
  std::set<std::string> clients;
  double sum = 0;
  for (const auto& [key, value] : series) {
    clients.insert(std::get<0>(key));
    sum += value;
  }
  EXPECT_LE(clients.size(), 5u) << "4 clients and other";
  EXPECT_TRUE(clients.contains("other"));
  EXPECT_TRUE(clients.contains("127.0.0.9"));
  EXPECT_EQ(sum, kDistinct + kHeavy) << "the series add up to every legacy handshake";
}

TEST_F(LegacyClientsTest, AnUnwritableLogIsAConfigErrorWithItsPosition) {
  ListenerSpec spec;
  spec.upstream_port = upstream_.port();
  spec.certificates = {make_self_signed(dir_, "api", {"api.test"})};
  const std::string yaml =
      proxy_yaml({spec}, "5s", "access_log: {path: /nonexistent-dir/handshakes.log}\n");
  try {
    RunningProxy proxy(yaml);
    FAIL() << "the proxy started with a log it cannot write";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(std::regex_search(
        e.what(), std::regex(R"(config\.yaml:5:20: cannot open access log )"
                             R"(/nonexistent-dir/handshakes\.log: No such file or directory)")))
        << e.what();
  }
}

}  // namespace
}  // namespace tlsfloor::test
