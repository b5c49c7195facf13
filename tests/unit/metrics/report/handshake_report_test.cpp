#include "metrics/report/handshake_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "tests/unit/metrics/report/report_test_log.h"

namespace tlsfloor::report {
namespace {

using namespace test_log;  // the shared log, its helpers and their using-declarations

TEST(DistinctValues, KeepsTheFirstValuesAndCountsTheOthersOnce) {
  DistinctValues values;
  values.add("");  // "none" is not a value
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 11; ++i) values.add("host" + std::to_string(i) + ".example");
  }
  EXPECT_EQ(values.kept(),
            (Strings{"host0.example", "host1.example", "host2.example", "host3.example",
                     "host4.example", "host5.example", "host6.example", "host7.example"}));
  EXPECT_EQ(values.more(), 3u);
  EXPECT_FALSE(values.more_is_lower_bound());
}

TEST(DistinctValues, StopsCountingAtTheBound) {
  DistinctValues values;
  const std::size_t offered = DistinctValues::kMaxKept + DistinctValues::kMaxCounted + 5;
  for (std::size_t i = 0; i < offered; ++i) values.add("v" + std::to_string(i));
  EXPECT_EQ(values.kept().size(), DistinctValues::kMaxKept);
  EXPECT_EQ(values.more(), DistinctValues::kMaxCounted);
  EXPECT_TRUE(values.more_is_lower_bound());
  values.add("v8");  // already counted: no change
  EXPECT_EQ(values.more(), DistinctValues::kMaxCounted);
}

TEST(DistinctValues, CutsLongValuesAtACharacterBoundary) {
  DistinctValues values;
  const std::string prefix(254, 'a');
  values.add(prefix + "\xc3\xa9" + "tail");  // "é" straddles byte 255
  values.add(prefix + "\xc3\xa9" + "other tail");
  ASSERT_EQ(values.kept().size(), 1u);  // equal once cut
  EXPECT_EQ(values.kept()[0], prefix);
  EXPECT_EQ(values.more(), 0u);
  values.add(std::string(300, 'b'));
  EXPECT_EQ(values.kept()[1], std::string(255, 'b'));
}

// --- the accumulator -------------------------------------------------------------------------

TEST(HandshakeReport, VersionsBelowTheFloorAreAffectedAndUnknownAlways) {
  const HandshakeReport at_tls12(floor_at(config::TlsVersion::tls1_2));
  EXPECT_TRUE(at_tls12.is_affected(kUnknown));
  EXPECT_TRUE(at_tls12.is_affected(kSsl3_0));
  EXPECT_TRUE(at_tls12.is_affected(kTls1_0));
  EXPECT_TRUE(at_tls12.is_affected(kTls1_1));
  EXPECT_FALSE(at_tls12.is_affected(kTls1_2));
  EXPECT_FALSE(at_tls12.is_affected(kTls1_3));
  EXPECT_EQ(at_tls12.affected_versions(),
            (std::vector<std::uint16_t>{kSsl3_0, kTls1_0, kTls1_1, kUnknown}));
  const HandshakeReport at_tls10(floor_at(config::TlsVersion::tls1_0));
  EXPECT_EQ(at_tls10.affected_versions(), (std::vector<std::uint16_t>{kSsl3_0, kUnknown}));
  EXPECT_FALSE(at_tls10.is_affected(kTls1_0));
}

TEST(HandshakeReport, TotalsAtTls12) {
  HandshakeReport report = report_of(kLog);
  report.count_file();
  report.count_malformed_line();
  const ReportTotals& totals = report.totals();
  EXPECT_EQ(totals.files, 1u);
  EXPECT_EQ(totals.handshakes, 10u);
  EXPECT_EQ(totals.affected, 7u);
  EXPECT_EQ(totals.malformed_lines, 1u);
  EXPECT_EQ(totals.first_seen, at(-100));  // the earliest line need not be the first
  EXPECT_EQ(totals.last_seen, at(70));
}

TEST(HandshakeReport, ClientsAtTls12) {
  const HandshakeReport report = report_of(kLog);
  // Heaviest first; the two single-handshake clients by text.
  ASSERT_EQ(client_texts(report),
            (Strings{"192.0.2.10", "192.0.2.77", "2001:db8::1", "2001:db8::2"}));
  const auto clients = report.clients();

  const ClientRow& heaviest = *clients[0];
  EXPECT_EQ(heaviest.client, config::parse_address("192.0.2.10").value());
  EXPECT_EQ(heaviest.affected.count, 3u);
  EXPECT_EQ(heaviest.affected.with_version(kTls1_0), 2u);
  EXPECT_EQ(heaviest.affected.with_version(kTls1_1), 1u);
  EXPECT_EQ(heaviest.affected.with_version(kSsl3_0), 0u);
  EXPECT_EQ(heaviest.affected.with_version(kUnknown), 0u);
  EXPECT_EQ(heaviest.affected.first_seen, at(0));
  EXPECT_EQ(heaviest.affected.last_seen, at(20));
  EXPECT_EQ(heaviest.server_names.kept(), (Strings{"a.example", "b.example"}));
  EXPECT_EQ(heaviest.fingerprints.kept(), (Strings{kJa4A, kJa4B}));
  EXPECT_EQ(heaviest.listeners.kept(), (Strings{"api", "partners"}));

  // The IPv4-mapped address is the same client as the plain one.
  const ClientRow& mapped = *clients[1];
  EXPECT_EQ(mapped.affected.count, 2u);
  EXPECT_EQ(mapped.affected.with_version(kTls1_0), 1u);
  EXPECT_EQ(mapped.affected.with_version(kTls1_1), 1u);
  EXPECT_EQ(mapped.affected.first_seen, at(5));
  EXPECT_EQ(mapped.affected.last_seen, at(70));
  EXPECT_EQ(mapped.server_names.kept(), Strings{});
  EXPECT_EQ(mapped.fingerprints.kept(), Strings{kJa4A});

  EXPECT_EQ(clients[2]->affected.with_version(kSsl3_0), 1u);
  EXPECT_EQ(clients[2]->server_names.kept(), Strings{"c.example"});
  EXPECT_EQ(clients[3]->affected.with_version(kUnknown), 1u);
  EXPECT_EQ(clients[3]->fingerprints.kept(), Strings{});  // no JA4 is not a JA4
}

TEST(HandshakeReport, FingerprintsAtTls12) {
  const HandshakeReport report = report_of(kLog);
  ASSERT_EQ(fingerprint_texts(report), (Strings{kJa4A, kJa4B, ""}));
  const auto fingerprints = report.fingerprints();
  const FingerprintRow& a = *fingerprints[0];
  EXPECT_EQ(a.affected.count, 4u);
  EXPECT_EQ(a.affected.with_version(kTls1_0), 2u);
  EXPECT_EQ(a.affected.with_version(kTls1_1), 2u);
  EXPECT_EQ(a.affected.first_seen, at(0));
  EXPECT_EQ(a.affected.last_seen, at(70));
  EXPECT_EQ(a.clients, 2u);  // 192.0.2.10 and 192.0.2.77 (twice, once IPv4-mapped)
  EXPECT_EQ(a.server_names.kept(), (Strings{"a.example", "b.example"}));
  const FingerprintRow& b = *fingerprints[1];
  EXPECT_EQ(b.affected.count, 2u);
  EXPECT_EQ(b.affected.with_version(kTls1_0), 1u);
  EXPECT_EQ(b.affected.with_version(kSsl3_0), 1u);
  EXPECT_EQ(b.clients, 2u);
  EXPECT_EQ(b.server_names.kept(), (Strings{"a.example", "c.example"}));
  const FingerprintRow& none = *fingerprints[2];
  EXPECT_EQ(none.affected.with_version(kUnknown), 1u);
  EXPECT_EQ(none.clients, 1u);
}

TEST(HandshakeReport, AFloorOfTls13AlsoCountsTls12Clients) {
  const HandshakeReport report = report_of(kLog, floor_at(config::TlsVersion::tls1_3));
  EXPECT_EQ(report.totals().handshakes, 10u);
  EXPECT_EQ(report.totals().affected, 9u);  // all but the TLS 1.3 hello
  EXPECT_EQ(client_texts(report), (Strings{"192.0.2.10", "192.0.2.77", "198.51.100.1",
                                           "2001:db8::1", "2001:db8::2", "203.0.113.5"}));
  const ClientRow& tls12_client = *report.clients()[2];
  EXPECT_EQ(tls12_client.affected.count, 1u);  // its TLS 1.3 handshake is not affected
  EXPECT_EQ(tls12_client.affected.with_version(kTls1_2), 1u);
  EXPECT_EQ(tls12_client.fingerprints.kept(), Strings{kJa4C});
  EXPECT_EQ(fingerprint_texts(report), (Strings{kJa4A, kJa4B, kJa4C, ""}));
  EXPECT_EQ(report.fingerprints()[2]->clients, 2u);
  EXPECT_EQ(report.fingerprints()[2]->affected.first_seen, at(-100));
}

TEST(HandshakeReport, AFloorOfTls10CountsOnlySsl3AndUnknown) {
  const HandshakeReport report = report_of(kLog, floor_at(config::TlsVersion::tls1_0));
  EXPECT_EQ(report.totals().affected, 2u);
  EXPECT_EQ(client_texts(report), (Strings{"2001:db8::1", "2001:db8::2"}));
}

TEST(HandshakeReport, ClientsAreGroupedByPrefix) {
  const HandshakeReport report = report_of(kLog, floor_at(config::TlsVersion::tls1_2, 24, 64));
  ASSERT_EQ(client_texts(report), (Strings{"192.0.2.0/24", "2001:db8::/64"}));
  const ClientRow& v4 = *report.clients()[0];
  EXPECT_EQ(v4.affected.count, 5u);
  EXPECT_EQ(v4.affected.first_seen, at(0));
  EXPECT_EQ(v4.affected.last_seen, at(70));
  const ClientRow& v6 = *report.clients()[1];
  EXPECT_EQ(v6.affected.count, 2u);
  EXPECT_EQ(v6.affected.with_version(kSsl3_0), 1u);
  EXPECT_EQ(v6.affected.with_version(kUnknown), 1u);
  // One client now, for both JA4s it used.
  EXPECT_EQ(report.fingerprints()[0]->clients, 1u);
  EXPECT_EQ(report.fingerprints()[1]->clients, 2u);  // B: the /24 and the /64
}

TEST(HandshakeReport, EqualCountsAreOrderedByText) {
  const HandshakeReport report = report_of({
      log_line("192.0.2.9", kTls1_0, 0, "ja4_z"),
      log_line("192.0.2.10", kTls1_0, 0, "ja4_y"),
      log_line("10.0.0.1", kTls1_0, 0, "ja4_x"),
  });
  // Text order, not address order: "10." < "192.0.2.10" < "192.0.2.9".
  EXPECT_EQ(client_texts(report), (Strings{"10.0.0.1", "192.0.2.10", "192.0.2.9"}));
  EXPECT_EQ(fingerprint_texts(report), (Strings{"ja4_x", "ja4_y", "ja4_z"}));
}

}  // namespace
}  // namespace tlsfloor::report

namespace tlsfloor::report {
namespace {

using namespace test_log;

TEST(HandshakeReportRoutes, CountsEveryRouteAndFiltersByName) {
  const std::vector<std::string> lines{
      log_line("192.0.2.1", kTls1_0, 0, kJa4A, "legacy.example.com", "edge", "legacy"),
      log_line("192.0.2.1", kTls1_0, 1, kJa4A, "legacy.example.com", "edge", "legacy"),
      log_line("192.0.2.2", kTls1_1, 2, kJa4B, "shop.example.com", "edge", "shop"),
      log_line("192.0.2.3", kTls1_3, 3, kJa4D, "api.example.com", "edge"),
      log_line("192.0.2.4", kTls1_3, 4, kJa4D, "other.example", "api", "legacy"),
  };
  const HandshakeReport all = report_of(lines);
  const auto routes = all.routes();
  ASSERT_EQ(routes.size(), 4u);
  EXPECT_EQ(routes[0]->listener, "edge");
  EXPECT_EQ(routes[0]->route, "legacy");
  EXPECT_EQ(routes[0]->affected.count, 2u);
  EXPECT_EQ(routes[1]->route, "shop");
  EXPECT_EQ(routes[1]->affected.count, 1u);
  // Clean routes are listed too (by listener, then route): the proof they are safe.
  EXPECT_EQ(routes[2]->listener, "api");
  EXPECT_EQ(routes[2]->route, "legacy");
  EXPECT_EQ(routes[2]->handshakes, 1u);
  EXPECT_EQ(routes[3]->route, "default");
  EXPECT_EQ(all.clients()[0]->routes.kept(), (std::vector<std::string>{"legacy"}));

  HandshakeReport::Settings only_legacy;
  only_legacy.route = "legacy";
  const HandshakeReport legacy = report_of(lines, only_legacy);
  EXPECT_EQ(legacy.totals().handshakes, 3u);  // two on edge, one on api
  EXPECT_EQ(legacy.totals().affected, 2u);
  EXPECT_EQ(legacy.totals().other_routes, 2u);
  ASSERT_EQ(legacy.clients().size(), 1u);
  EXPECT_EQ(legacy.clients()[0]->client_text, "192.0.2.1");
}

TEST(HandshakeReportRoutes, ALineWithoutARouteIsTheDefaultRoute) {
  const auto parsed = parse_handshake_line(
      R"({"time":"2026-11-22T10:00:00.000Z","listener":"api","client":"192.0.2.1",)"
      R"("highest_offered":"TLS1.0","sni":null,"ja4":"t10"})");
  ASSERT_TRUE(parsed.record) << parsed.error;
  EXPECT_EQ(parsed.record->route, "default");
  const auto bad = parse_handshake_line(
      R"({"time":"2026-11-22T10:00:00.000Z","listener":"api","route":7,"client":"192.0.2.1",)"
      R"("highest_offered":"TLS1.0","sni":null,"ja4":"t10"})");
  EXPECT_FALSE(bad.record);
  EXPECT_EQ(bad.error, "\"route\" is 7, not a string");
}

}  // namespace
}  // namespace tlsfloor::report

namespace tlsfloor::report {
namespace {

using namespace test_log;

// A log line whose client offered `suites` ("c02f"); nullopt: a line of a tlsfloor before the
// cipher floor, without the key.
std::string offering(const std::string& client, std::uint16_t version,
                     const std::optional<Strings>& suites) {
  const std::string line = log_line(client, version, 0, kJa4C);
  auto json = nlohmann::ordered_json::parse(line);
  if (suites) {
    json["offered_ciphers"] = *suites;
  } else {
    json.erase("offered_ciphers");
  }
  return json.dump() + "\n";
}

HandshakeReport::Settings only_ciphers() {
  HandshakeReport::Settings settings;
  settings.floor.reset();
  // ECDHE-RSA-AES128-GCM-SHA256 (TLS 1.2 only) and ECDHE-RSA-AES128-SHA (TLS 1.0 and up).
  settings.ciphers =
      std::vector<config::CipherSuite>{{0xc02f, 0x0303, 0x0303}, {0xc013, 0x0301, 0x0303}};
  settings.ciphers_text = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA";
  return settings;
}

const std::vector<std::string> kCipherLog = {
    offering("192.0.2.1", kTls1_2, Strings{"1301", "c02f", "000a"}),  // shares the GCM suite
    offering("192.0.2.2", kTls1_2, Strings{"000a", "002f"}),          // 3DES and static RSA only
    offering("192.0.2.3", kTls1_0, Strings{"c02f"}),          // GCM, but it cannot at TLS 1.0
    offering("192.0.2.4", kTls1_0, Strings{"c013", "0035"}),  // ECDHE-CBC at TLS 1.0
    offering("192.0.2.5", kTls1_3, Strings{"1301"}),          // TLS 1.3 suites are not in the list
    offering("192.0.2.6", kTls1_2, std::nullopt),  // an older line: not judged by ciphers
    offering("192.0.2.7", kUnknown, Strings{"000a"}),
};

TEST(HandshakeReportCiphers, AloneTheyJudgeTheSuitesAtEachClientsBestVersion) {
  const HandshakeReport report = report_of(kCipherLog, only_ciphers());
  EXPECT_EQ(client_texts(report), (Strings{"192.0.2.2", "192.0.2.3"}));
  EXPECT_EQ(report.totals().affected, 2u);
  EXPECT_EQ(report.totals().without_ciphers, 1u);
  // A cipher list can strand clients at any version below TLS 1.3.
  EXPECT_EQ(report.affected_versions(),
            (std::vector<std::uint16_t>{kSsl3_0, kTls1_0, kTls1_1, kTls1_2, kUnknown}));
}

TEST(HandshakeReportCiphers, WithAFloorEitherAffects) {
  HandshakeReport::Settings settings = only_ciphers();
  settings.floor = config::TlsVersion::tls1_2;
  const HandshakeReport report = report_of(kCipherLog, settings);
  EXPECT_EQ(client_texts(report), (Strings{"192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.7"}));
}

TEST(HandshakeReportCiphers, AMalformedSuiteListIsAMalformedLine) {
  auto json = nlohmann::ordered_json::parse(offering("192.0.2.1", kTls1_2, Strings{"c02f"}));
  for (const auto& bad : {nlohmann::ordered_json("c02f"), nlohmann::ordered_json({"c02"}),
                          nlohmann::ordered_json({"zz2f"}), nlohmann::ordered_json({47})}) {
    json["offered_ciphers"] = bad;
    const ParsedLine parsed = parse_handshake_line(json.dump());
    EXPECT_FALSE(parsed.record.has_value()) << bad;
    EXPECT_NE(parsed.error.find("offered_ciphers"), std::string::npos) << parsed.error;
  }
}

}  // namespace
}  // namespace tlsfloor::report
