#include "metrics/report/handshake_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/handshake_log/handshake_event.h"
#include "metrics/report/handshake_report_command.h"
#include "tests/support/test_pki.h"

namespace tlsfloor::report {
namespace {

using namespace std::chrono;
using nlohmann::ordered_json;

using handshake_log::HandshakeEvent;
using handshake_log::to_json_line;
using namespace config::wire;
constexpr std::uint16_t kUnknown = 0;  // highest_offered "unknown"

const std::string kJa4A = "t10d1310h1_a8d2b5cbd1b5_0aa7a8b4ac2b";
const std::string kJa4B = "t11d0912h1_5f2b7a6dbd6c_1e1c3f0e4b2a";
const std::string kJa4C = "t12d1516h2_8daaf6152771_02713d6af862";
const std::string kJa4D = "t13d1516h2_8daaf6152771_e5627efa2ab1";

// 2026-11-22T10:00:00Z plus `offset` seconds.
config::Timestamp at(int offset) {
  return sys_days{year{2026} / 11 / 22} + hours{10} + seconds{offset};
}

std::string at_text(int offset) { return config::format_timestamp(at(offset)); }

// A line as the proxy writes it (handshake_log::to_json_line), so the parser is tested against the
// writer rather than against hand-typed JSON.
std::string log_line(const std::string& client, std::uint16_t highest_offered, int offset,
                     const std::string& ja4, const std::string& server_name = "",
                     const std::string& listener = "api") {
  HandshakeEvent event;
  event.time = at(offset);
  event.listener = listener;
  event.client_address = client;
  event.client_port = 40000;
  if (highest_offered != kUnknown) event.offered_versions = {highest_offered};
  event.highest_offered = highest_offered;
  event.server_name = server_name;
  event.alpn = {"http/1.1"};
  event.ja3 = "0123456789abcdef0123456789abcdef";
  event.ja4 = ja4;
  event.outcome = "rejected";
  event.legacy = highest_offered < kTls1_2;
  event.decision = event.legacy ? "rejected" : "allowed";
  event.reason = "test";
  return to_json_line(event);
}

// Ten handshakes: four IPv4 clients (one of them also as an IPv4-mapped IPv6 address), two
// IPv6 clients in one /64, every version, four JA4s and one hello without a fingerprint.
const std::vector<std::string> kLog = {
    log_line("192.0.2.10", kTls1_0, 0, kJa4A, "a.example"),
    log_line("192.0.2.10", kTls1_1, 10, kJa4A, "b.example"),
    log_line("192.0.2.10", kTls1_0, 20, kJa4B, "a.example", "partners"),
    log_line("192.0.2.77", kTls1_0, 5, kJa4A),
    log_line("2001:db8::1", kSsl3_0, 30, kJa4B, "c.example"),
    log_line("2001:db8::2", kUnknown, 40, ""),
    log_line("198.51.100.1", kTls1_2, 50, kJa4C, "d.example"),
    log_line("198.51.100.1", kTls1_3, 60, kJa4D, "d.example"),
    log_line("203.0.113.5", kTls1_2, -100, kJa4C),
    log_line("::ffff:192.0.2.77", kTls1_1, 70, kJa4A),
};

HandshakeReport report_of(const std::vector<std::string>& lines,
                          HandshakeReport::Settings settings = {}) {
  HandshakeReport report(settings);
  for (const std::string& line : lines) {
    ParsedLine parsed = parse_handshake_line(line.substr(0, line.size() - 1));  // no '\n'
    EXPECT_TRUE(parsed.record) << line << ": " << parsed.error;
    if (parsed.record) report.add(*parsed.record);
  }
  return report;
}

HandshakeReport::Settings floor_at(config::TlsVersion floor, unsigned ipv4_prefix = 32,
                                   unsigned ipv6_prefix = 128) {
  HandshakeReport::Settings settings;
  settings.floor = floor;
  settings.ipv4_prefix = ipv4_prefix;
  settings.ipv6_prefix = ipv6_prefix;
  return settings;
}

std::vector<std::string> client_texts(const HandshakeReport& report) {
  std::vector<std::string> texts;
  for (const ClientRow* row : report.clients()) texts.push_back(row->client_text);
  return texts;
}

std::vector<std::string> fingerprint_texts(const HandshakeReport& report) {
  std::vector<std::string> texts;
  for (const FingerprintRow* row : report.fingerprints()) texts.push_back(row->ja4);
  return texts;
}

using Strings = std::vector<std::string>;

// --- parsing ---------------------------------------------------------------------------------

TEST(HandshakeReportParse, ReadsTheFieldsTheProxyWrites) {
  const std::string line = log_line("2001:db8::7", kTls1_1, 42, kJa4B, "api.example", "edge");
  const ParsedLine parsed = parse_handshake_line(line);
  ASSERT_TRUE(parsed.record) << parsed.error;
  EXPECT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.record->time, at(42));
  EXPECT_EQ(parsed.record->listener, "edge");
  EXPECT_EQ(parsed.record->client, config::parse_address("2001:db8::7").value());
  EXPECT_EQ(parsed.record->highest_offered, kTls1_1);
  EXPECT_EQ(parsed.record->server_name, "api.example");
  EXPECT_EQ(parsed.record->ja4, kJa4B);
}

TEST(HandshakeReportParse, NullSniIsEmptyAndEveryVersionLabelIsRead) {
  const std::vector<std::pair<std::uint16_t, std::string>> versions = {
      {kUnknown, "unknown"}, {kSsl3_0, "SSL3.0"}, {kTls1_0, "TLS1.0"},
      {kTls1_1, "TLS1.1"},   {kTls1_2, "TLS1.2"}, {kTls1_3, "TLS1.3"}};
  for (const auto& [wire, label] : versions) {
    const std::string line = log_line("192.0.2.1", wire, 0, kJa4A);
    ASSERT_NE(line.find("\"highest_offered\":\"" + label + "\""), std::string::npos) << line;
    const ParsedLine parsed = parse_handshake_line(line);
    ASSERT_TRUE(parsed.record) << parsed.error;
    EXPECT_EQ(parsed.record->highest_offered, wire) << label;
    EXPECT_EQ(parsed.record->server_name, "");
  }
}

TEST(HandshakeReportParse, OnlyTheKeysTheReportUsesAreRequired) {
  const ParsedLine parsed = parse_handshake_line(
      R"({"time":"2026-11-22T10:00:01+01:00","listener":"api","client":"192.0.2.1",)"
      R"("highest_offered":"TLS1.0","sni":null,"ja4":"","extra":[1,2]})");
  ASSERT_TRUE(parsed.record) << parsed.error;
  EXPECT_EQ(parsed.record->time, at(1) - hours{1});  // the offset is applied
  EXPECT_EQ(parsed.record->ja4, "");
}

TEST(HandshakeReportParse, SaysWhyALineIsMalformed) {
  const std::string valid_rest =
      R"("listener":"api","client":"192.0.2.1","highest_offered":"TLS1.0","sni":null,"ja4":"x")";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json at all", "not JSON (syntax error at byte 2)"},  // "no" is not "null"
      {"x", "not JSON (syntax error at byte 1)"},
      {R"({"time":)", "not JSON (syntax error at byte 9)"},
      {"[1,2]", "not a JSON object"},
      {"{" + valid_rest + "}", R"(no "time" key)"},
      {R"({"time":12,)" + valid_rest + "}", R"("time" is 12, not a string)"},
      {R"({"time":"yesterday",)" + valid_rest + "}",
       R"("time" is "yesterday", not an RFC 3339 timestamp)"},
      {R"({"time":"2026-11-22T10:00:00",)" + valid_rest + "}",
       R"("time" is "2026-11-22T10:00:00", not an RFC 3339 timestamp)"},
      {R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"host:443",)"
       R"("highest_offered":"TLS1.0","sni":null,"ja4":"x"})",
       R"("client" is "host:443", not an IP address)"},
      {R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
       R"("highest_offered":"TLS1.4","sni":null,"ja4":"x"})",
       R"("highest_offered" is "TLS1.4", not SSL3.0, TLS1.0 .. TLS1.3 or unknown)"},
      {R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
       R"("highest_offered":"TLS1.0","sni":5,"ja4":"x"})",
       R"("sni" is 5, not a string)"},
      {R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
       R"("highest_offered":"TLS1.0","sni":null,"ja4":null})",
       R"("ja4" is null, not a string)"},
      {R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
       R"("highest_offered":"TLS1.0","sni":null})",
       R"(no "ja4" key)"},
  };
  for (const auto& [line, reason] : cases) {
    const ParsedLine parsed = parse_handshake_line(line);
    EXPECT_FALSE(parsed.record) << line;
    EXPECT_EQ(parsed.error, reason) << line;
  }
}

TEST(HandshakeReportParse, QuotedValuesAreAsciiAndShort) {
  const ParsedLine parsed = parse_handshake_line(
      R"({"time":"\u001b[2J\u00e9)" + std::string(100, 'x') +
      R"(","listener":"api","client":"192.0.2.1","highest_offered":"TLS1.0","sni":null,"ja4":""})");
  ASSERT_FALSE(parsed.record);
  EXPECT_EQ(parsed.error, R"("time" is "\u001b[2J\u00e9)" + std::string(64 - 16, 'x') +
                              "..., not an RFC 3339 timestamp");
}

// --- bounded value sets ----------------------------------------------------------------------

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

// --- JSON ------------------------------------------------------------------------------------

std::vector<std::string> keys_of(const ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

ordered_json values_json(const Strings& values, std::size_t more = 0, bool lower_bound = false) {
  ordered_json json;
  json["values"] = values;
  json["more"] = more;
  json["more_is_lower_bound"] = lower_bound;
  return json;
}

TEST(HandshakeReportJson, CarriesEveryTotalAndRow) {
  HandshakeReport report = report_of(kLog);
  report.count_file();
  report.count_file();
  report.count_malformed_line();
  const std::string text = render_json(report, RenderOptions{});
  ASSERT_EQ(text.back(), '\n');
  const ordered_json json = ordered_json::parse(text);

  EXPECT_EQ(keys_of(json), (Strings{"floor", "ipv4_prefix", "ipv6_prefix", "top", "totals",
                                    "clients", "fingerprints"}));
  EXPECT_EQ(json["floor"], "TLS1.2");
  EXPECT_EQ(json["ipv4_prefix"], 32);
  EXPECT_EQ(json["ipv6_prefix"], 128);
  EXPECT_EQ(json["top"], 50);

  const ordered_json& totals = json["totals"];
  EXPECT_EQ(keys_of(totals), (Strings{"files", "handshakes", "affected", "share", "malformed_lines",
                                      "first_seen", "last_seen"}));
  EXPECT_EQ(totals["files"], 2);
  EXPECT_EQ(totals["handshakes"], 10);
  EXPECT_EQ(totals["affected"], 7);
  EXPECT_DOUBLE_EQ(totals["share"].get<double>(), 0.7);
  EXPECT_EQ(totals["malformed_lines"], 1);
  EXPECT_EQ(totals["first_seen"], at_text(-100));
  EXPECT_EQ(totals["last_seen"], at_text(70));

  const ordered_json& clients = json["clients"];
  EXPECT_EQ(keys_of(clients), (Strings{"total", "omitted", "rows"}));
  EXPECT_EQ(clients["total"], 4);
  EXPECT_EQ(clients["omitted"], 0);
  ASSERT_EQ(clients["rows"].size(), 4u);
  const ordered_json& client = clients["rows"][0];
  EXPECT_EQ(keys_of(client), (Strings{"client", "affected", "share", "by_version", "first_seen",
                                      "last_seen", "listeners", "sni", "ja4"}));
  EXPECT_EQ(client["client"], "192.0.2.10");
  EXPECT_EQ(client["affected"], 3);
  EXPECT_DOUBLE_EQ(client["share"].get<double>(), 0.3);
  EXPECT_EQ(client["by_version"],
            ordered_json::parse(R"({"SSL3.0":0,"TLS1.0":2,"TLS1.1":1,"unknown":0})"));
  EXPECT_EQ(keys_of(client["by_version"]), (Strings{"SSL3.0", "TLS1.0", "TLS1.1", "unknown"}));
  EXPECT_EQ(client["first_seen"], at_text(0));
  EXPECT_EQ(client["last_seen"], at_text(20));
  EXPECT_EQ(client["listeners"], values_json({"api", "partners"}));
  EXPECT_EQ(client["sni"], values_json({"a.example", "b.example"}));
  EXPECT_EQ(client["ja4"], values_json({kJa4A, kJa4B}));
  EXPECT_DOUBLE_EQ(clients["rows"][1]["share"].get<double>(), 0.2);
  EXPECT_EQ(clients["rows"][2]["client"], "2001:db8::1");
  EXPECT_DOUBLE_EQ(clients["rows"][2]["share"].get<double>(), 0.1);
  EXPECT_EQ(clients["rows"][3]["client"], "2001:db8::2");
  EXPECT_EQ(clients["rows"][3]["ja4"], values_json({}));

  const ordered_json& fingerprints = json["fingerprints"];
  EXPECT_EQ(fingerprints["total"], 3);
  EXPECT_EQ(fingerprints["omitted"], 0);
  ASSERT_EQ(fingerprints["rows"].size(), 3u);
  const ordered_json& fingerprint = fingerprints["rows"][0];
  EXPECT_EQ(keys_of(fingerprint), (Strings{"ja4", "affected", "share", "by_version", "first_seen",
                                           "last_seen", "clients", "sni"}));
  EXPECT_EQ(fingerprint["ja4"], kJa4A);
  EXPECT_EQ(fingerprint["affected"], 4);
  EXPECT_DOUBLE_EQ(fingerprint["share"].get<double>(), 0.4);
  EXPECT_EQ(fingerprint["by_version"],
            ordered_json::parse(R"({"SSL3.0":0,"TLS1.0":2,"TLS1.1":2,"unknown":0})"));
  EXPECT_EQ(fingerprint["first_seen"], at_text(0));
  EXPECT_EQ(fingerprint["last_seen"], at_text(70));
  EXPECT_EQ(fingerprint["clients"], 2);
  EXPECT_EQ(fingerprint["sni"], values_json({"a.example", "b.example"}));
  EXPECT_EQ(fingerprints["rows"][2]["ja4"], "");
  EXPECT_EQ(fingerprints["rows"][2]["by_version"]["unknown"], 1);
}

TEST(HandshakeReportJson, TopLimitsTheRowsAndCountsTheRest) {
  const HandshakeReport report = report_of(kLog, floor_at(config::TlsVersion::tls1_3));
  RenderOptions options;
  options.top = 2;
  const ordered_json json = ordered_json::parse(render_json(report, options));
  EXPECT_EQ(json["top"], 2);
  EXPECT_EQ(json["clients"]["total"], 6);
  EXPECT_EQ(json["clients"]["omitted"], 4);
  ASSERT_EQ(json["clients"]["rows"].size(), 2u);
  EXPECT_EQ(json["clients"]["rows"][1]["client"], "192.0.2.77");
  EXPECT_EQ(json["fingerprints"]["total"], 4);
  EXPECT_EQ(json["fingerprints"]["omitted"], 2);
  ASSERT_EQ(json["fingerprints"]["rows"].size(), 2u);
  // The floor decides the version columns.
  EXPECT_EQ(keys_of(json["clients"]["rows"][0]["by_version"]),
            (Strings{"SSL3.0", "TLS1.0", "TLS1.1", "TLS1.2", "unknown"}));

  options.top = 0;
  const ordered_json all = ordered_json::parse(render_json(report, options));
  EXPECT_EQ(all["clients"]["omitted"], 0);
  EXPECT_EQ(all["clients"]["rows"].size(), 6u);
  EXPECT_EQ(all["fingerprints"]["rows"].size(), 4u);
}

TEST(HandshakeReportJson, AnEmptyReportHasNullTimesAndNoRows) {
  const ordered_json json = ordered_json::parse(render_json(HandshakeReport{}, RenderOptions{}));
  EXPECT_EQ(json["totals"]["handshakes"], 0);
  EXPECT_EQ(json["totals"]["share"], 0.0);
  EXPECT_TRUE(json["totals"]["first_seen"].is_null());
  EXPECT_TRUE(json["totals"]["last_seen"].is_null());
  EXPECT_EQ(json["clients"]["rows"], ordered_json::array());
  EXPECT_EQ(json["fingerprints"]["total"], 0);
}

TEST(HandshakeReportJson, ManyServerNamesAreBounded) {
  std::vector<std::string> lines;
  for (int i = 0; i < 12; ++i) {
    lines.push_back(log_line("192.0.2.1", kTls1_0, i, kJa4A, "h" + std::to_string(i) + ".example"));
  }
  const ordered_json json = ordered_json::parse(render_json(report_of(lines), RenderOptions{}));
  const ordered_json& sni = json["clients"]["rows"][0]["sni"];
  EXPECT_EQ(sni["values"].size(), DistinctValues::kMaxKept);
  EXPECT_EQ(sni["values"][0], "h0.example");
  EXPECT_EQ(sni["more"], 4);
  EXPECT_EQ(sni["more_is_lower_bound"], false);
}

// --- text ------------------------------------------------------------------------------------

std::string text_of(const HandshakeReport& report, std::size_t top = 50) {
  std::ostringstream out;
  RenderOptions options;
  options.top = top;
  render_text(report, options, out);
  return out.str();
}

TEST(HandshakeReportText, IsAnAlignedTableWithTotals) {
  HandshakeReport report = report_of({
      log_line("192.0.2.10", kTls1_0, 0, kJa4A, "a.example"),
      log_line("192.0.2.10", kTls1_1, 10, kJa4A, "b.example"),
      log_line("2001:db8::1", kSsl3_0, 30, kJa4B),
      log_line("198.51.100.1", kTls1_3, 60, kJa4D, "d.example"),
  });
  report.count_file();
  report.count_malformed_line();
  EXPECT_EQ(text_of(report),
            "Who would break at a floor of TLS1.2\n"
            "  log files        1\n"
            "  handshakes       4\n"
            "  affected         3 (75.00%)\n"
            "  malformed lines  1 (skipped)\n"
            "  first seen       2026-11-22T10:00:00.000Z\n"
            "  last seen        2026-11-22T10:01:00.000Z\n"
            "  clients grouped  IPv4 /32, IPv6 /128\n"
            "\n"
            "Clients: 2 affected, heaviest first\n"
            "CLIENT       AFFECTED   SHARE  SSL3.0  TLS1.0  TLS1.1  unknown  FIRST SEEN       "
            "         LAST SEEN                 LISTENERS  SNI                  JA4\n"
            "192.0.2.10          2  50.00%       0       1       1        0  "
            "2026-11-22T10:00:00.000Z  2026-11-22T10:00:10.000Z  api        "
            "a.example,b.example  " +
                kJa4A +
                "\n"
                "2001:db8::1         1  25.00%       1       0       0        0  "
                "2026-11-22T10:00:30.000Z  2026-11-22T10:00:30.000Z  api        -"
                "                    " +
                kJa4B +
                "\n"
                "\n"
                "Fingerprints (JA4): 2 affected, heaviest first\n"
                "JA4                                   AFFECTED   SHARE  SSL3.0  TLS1.0  TLS1.1 "
                " unknown  FIRST SEEN                LAST SEEN                 CLIENTS  SNI\n" +
                kJa4A +
                "         2  50.00%       0       1       1        0  "
                "2026-11-22T10:00:00.000Z  2026-11-22T10:00:10.000Z        1  "
                "a.example,b.example\n" +
                kJa4B +
                "         1  25.00%       1       0       0        0  "
                "2026-11-22T10:00:30.000Z  2026-11-22T10:00:30.000Z        1  -\n");
}

TEST(HandshakeReportText, TopSaysHowManyRowsAreShown) {
  const HandshakeReport report = report_of(kLog);
  const std::string text = text_of(report, 1);
  EXPECT_NE(text.find("Clients: 4 affected, heaviest first (showing 1; --top 0 shows all)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n192.0.2.10 "), std::string::npos) << text;
  EXPECT_EQ(text.find("192.0.2.77"), std::string::npos) << text;
  EXPECT_NE(text.find("Fingerprints (JA4): 3 affected, heaviest first (showing 1; --top 0 shows "
                      "all)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find(kJa4B + " "), std::string::npos) << text;  // only in the client's JA4 list

  const std::string all = text_of(report, 0);
  EXPECT_EQ(all.find("showing"), std::string::npos) << all;
  EXPECT_NE(all.find("\n192.0.2.77 "), std::string::npos) << all;
  EXPECT_NE(all.find("\n(none) "), std::string::npos) << all;  // the hello without a JA4
}

TEST(HandshakeReportText, SaysWhenNobodyIsAffected) {
  const HandshakeReport report = report_of({log_line("192.0.2.1", kTls1_3, 0, kJa4D)});
  const std::string text = text_of(report);
  EXPECT_NE(text.find("  affected         0 (0.00%)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Clients: none affected\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Fingerprints (JA4): none affected\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("CLIENT"), std::string::npos) << text;
}

TEST(HandshakeReportText, ControlCharactersFromTheLogAreEscaped) {
  const HandshakeReport report = report_of(
      {log_line("192.0.2.1", kTls1_0, 0, "ja4\x1b[2J", "evil\x1b]0;title\x07.example\xc2\x9b")});
  const std::string text = text_of(report);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos);
  EXPECT_NE(text.find(R"(evil\x1b]0;title\x07.example\u009b)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(ja4\x1b[2J)"), std::string::npos) << text;
}

TEST(HandshakeReportText, SharesNeverRoundToNoneOrAll) {
  // Records added directly: twenty thousand lines through the JSON parser would only slow the
  // test down.
  const auto record = [](const char* client, std::uint16_t version) {
    HandshakeRecord handshake;
    handshake.client = config::parse_address(client).value();
    handshake.highest_offered = version;
    handshake.listener = "api";
    handshake.ja4 = kJa4A;
    return handshake;
  };
  const auto fill = [&](HandshakeReport& report) {
    report.add(record("192.0.2.1", kTls1_0));
    for (int i = 0; i < 20000; ++i) report.add(record("192.0.2.2", kTls1_2));
  };
  HandshakeReport few(floor_at(config::TlsVersion::tls1_1));
  fill(few);
  EXPECT_NE(text_of(few).find("  affected         1 (<0.01%)\n"), std::string::npos);
  HandshakeReport all(floor_at(config::TlsVersion::tls1_3));
  fill(all);
  EXPECT_NE(text_of(all).find("  affected         20001 (100.00%)\n"), std::string::npos);
  all.add(record("192.0.2.3", kTls1_3));
  EXPECT_NE(text_of(all).find("  affected         20001 (>99.99%)\n"), std::string::npos);
}

// --- the command (files, malformed lines, exit codes) ----------------------------------------

struct CommandOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CommandOutput run(const std::vector<std::string>& paths,
                  ReportOptions::Format format = ReportOptions::Format::json) {
  ReportOptions options;
  options.log_paths = paths;
  options.format = format;
  std::ostringstream out;
  std::ostringstream err;
  CommandOutput result;
  result.exit_code = run_report(options, out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line;
  return text;
}

TEST(HandshakeReportCommand, SkipsAndReportsMalformedLinesWithTheirPosition) {
  test::TempDir dir;
  const std::string path =
      dir.write("handshakes.log", kLog[0] + "\n" + "garbage\n" + "  \r\n" + kLog[1] +
                                      R"({"time":"soon"})" + "\n" + kLog[3] +
                                      kLog[4].substr(0, kLog[4].size() - 1));  // no final '\n'
  const CommandOutput result = run({path});
  EXPECT_EQ(result.exit_code, kReportWritten);
  EXPECT_EQ(result.err, path + ":3: not JSON (syntax error at byte 1)\n" + path +
                            ":6: no \"listener\" key\n" +
                            "tlsfloor report: 2 malformed lines skipped\n");
  const ordered_json json = ordered_json::parse(result.out);
  EXPECT_EQ(json["totals"]["files"], 1);
  EXPECT_EQ(json["totals"]["handshakes"], 4);
  EXPECT_EQ(json["totals"]["affected"], 4);
  EXPECT_EQ(json["totals"]["malformed_lines"], 2);
}

TEST(HandshakeReportCommand, ShowsOnlyTheFirstMalformedLines) {
  test::TempDir dir;
  std::string text = kLog[0];
  for (int i = 0; i < 25; ++i) text += "{}\n";
  const std::string path = dir.write("handshakes.log", text);
  const CommandOutput result = run({path}, ReportOptions::Format::text);
  EXPECT_EQ(result.exit_code, kReportWritten);
  EXPECT_NE(result.err.find(path + ":2: no \"time\" key\n"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(path + ":11: no \"time\" key\n"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(path + ":12:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("tlsfloor report: 25 malformed lines skipped (the first 10 shown)\n"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.out.find("  malformed lines  25 (skipped)\n"), std::string::npos) << result.out;
}

TEST(HandshakeReportCommand, ReadsSeveralLogsIntoOneReport) {
  test::TempDir dir;
  // Each client has one handshake in each log.
  const std::string older = dir.write("handshakes.log.1", joined({kLog[0], kLog[3]}));
  const std::string newer = dir.write("handshakes.log", joined({kLog[1], kLog[9], kLog[6]}));
  const CommandOutput result = run({older, newer});
  EXPECT_EQ(result.exit_code, kReportWritten);
  EXPECT_EQ(result.err, "");
  const ordered_json json = ordered_json::parse(result.out);
  EXPECT_EQ(json["totals"]["files"], 2);
  EXPECT_EQ(json["totals"]["handshakes"], 5);
  EXPECT_EQ(json["totals"]["affected"], 4);
  EXPECT_EQ(json["totals"]["last_seen"], at_text(70));
  ASSERT_EQ(json["clients"]["rows"].size(), 2u);
  EXPECT_EQ(json["clients"]["rows"][0]["client"], "192.0.2.10");
  EXPECT_EQ(json["clients"]["rows"][0]["affected"], 2);
  EXPECT_EQ(json["clients"]["rows"][0]["last_seen"], at_text(10));
  EXPECT_EQ(json["clients"]["rows"][1]["client"], "192.0.2.77");
  EXPECT_EQ(json["clients"]["rows"][1]["affected"], 2);
  EXPECT_EQ(json["fingerprints"]["rows"][0]["affected"], 4);
  EXPECT_EQ(json["fingerprints"]["rows"][0]["clients"], 2);
}

TEST(HandshakeReportCommand, AnOverlongLineIsSkippedNotHeld) {
  test::TempDir dir;
  const std::string path =
      dir.write("handshakes.log", kLog[0] + std::string(kMaxLineLength + 1, 'x') + "\n" + kLog[1]);
  const CommandOutput result = run({path});
  EXPECT_EQ(result.exit_code, kReportWritten);
  EXPECT_EQ(result.err, path + ":2: longer than " + std::to_string(kMaxLineLength) + " bytes\n" +
                            "tlsfloor report: 1 malformed line skipped\n");
  EXPECT_EQ(ordered_json::parse(result.out)["totals"]["handshakes"], 2);
}

TEST(HandshakeReportCommand, ALogWithoutHandshakesIsExitCode3) {
  test::TempDir dir;
  const std::string empty = dir.write("empty.log", "");
  const std::string blank = dir.write("blank.log", "\n\n");
  const CommandOutput result = run({empty, blank});
  EXPECT_EQ(result.exit_code, kReportEmpty);
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(ordered_json::parse(result.out)["totals"]["files"], 2);
}

TEST(HandshakeReportCommand, UnopenableLogsAreAllNamedAndNothingIsReported) {
  test::TempDir dir;
  const std::string good = dir.write("handshakes.log", kLog[0]);
  const std::string missing = (dir.path() / "missing.log").string();
  const CommandOutput result = run({good, missing, dir.path().string()});
  EXPECT_EQ(result.exit_code, kReportUnreadable);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "tlsfloor report: cannot open " + missing +
                            ": No such file or directory\n"
                            "tlsfloor report: cannot open " +
                            dir.path().string() + ": Is a directory\n");
}

}  // namespace
}  // namespace tlsfloor::report
