#include "metrics/report/render.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>

#include "tests/unit/metrics/report/report_test_log.h"

namespace tlsfloor::report {
namespace {

using namespace test_log;  // the shared log, its helpers and their using-declarations

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

  EXPECT_EQ(keys_of(json), (Strings{"floor", "ciphers", "ipv4_prefix", "ipv6_prefix", "top",
                                    "route", "owner", "totals", "affected_by_day", "clients",
                                    "routes", "fingerprints", "families", "owners"}));
  EXPECT_EQ(json["route"], nullptr);
  EXPECT_EQ(json["ciphers"], nullptr);
  EXPECT_EQ(json["floor"], "TLS1.2");
  EXPECT_EQ(json["ipv4_prefix"], 32);
  EXPECT_EQ(json["ipv6_prefix"], 128);
  EXPECT_EQ(json["top"], 50);

  const ordered_json& totals = json["totals"];
  EXPECT_EQ(keys_of(totals), (Strings{"files", "handshakes", "affected", "share", "would_break",
                                      "failing", "malformed_lines", "other_routes", "other_owners",
                                      "without_ciphers", "first_seen", "last_seen"}));
  // kLog's legacy clients were all refused: they fail today, none would break.
  EXPECT_EQ(totals["would_break"], 0);
  EXPECT_EQ(totals["failing"], 7);
  EXPECT_EQ(totals["other_routes"], 0);
  EXPECT_EQ(totals["without_ciphers"], 0);
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
  EXPECT_EQ(keys_of(client),
            (Strings{"client", "today", "affected", "share", "would_break", "failing",
                     "by_decision", "by_version", "first_seen", "last_seen", "listeners", "routes",
                     "sni", "ja4", "families", "owners", "failures", "certificates"}));
  EXPECT_EQ(client["client"], "192.0.2.10");
  EXPECT_EQ(client["certificates"], values_json({})) << "the log has no client_certificate";
  EXPECT_EQ(client["today"], "failing");
  EXPECT_EQ(client["by_decision"],
            ordered_json::parse(R"({"let_in":0,"exempt":0,"brownout":0,"refused":3})"));
  EXPECT_EQ(client["failures"], values_json({"unsupported_version"}));
  EXPECT_EQ(client["affected"], 3);
  EXPECT_DOUBLE_EQ(client["share"].get<double>(), 0.3);
  EXPECT_EQ(client["by_version"],
            ordered_json::parse(R"({"SSL3.0":0,"TLS1.0":2,"TLS1.1":1,"unknown":0})"));
  EXPECT_EQ(keys_of(client["by_version"]), (Strings{"SSL3.0", "TLS1.0", "TLS1.1", "unknown"}));
  EXPECT_EQ(client["first_seen"], at_text(0));
  EXPECT_EQ(client["last_seen"], at_text(20));
  EXPECT_EQ(client["listeners"], values_json({"api", "partners"}));
  EXPECT_EQ(client["routes"], values_json({"default"}));
  // Every route read, each listener's own: the log has two listeners, both default routes.
  ASSERT_EQ(json["routes"].size(), 2u);
  EXPECT_EQ(keys_of(json["routes"][0]),
            (Strings{"listener", "route", "handshakes", "affected", "share", "would_break",
                     "failing", "by_decision", "by_version", "first_seen", "last_seen"}));
  EXPECT_EQ(json["routes"][0]["listener"], "api");
  EXPECT_EQ(json["routes"][0]["route"], "default");
  EXPECT_EQ(json["routes"][0]["handshakes"], 9);
  EXPECT_EQ(json["routes"][0]["affected"], 6);
  // A route's share is of its own handshakes.
  EXPECT_DOUBLE_EQ(json["routes"][0]["share"].get<double>(), 6.0 / 9.0);
  EXPECT_EQ(json["routes"][1]["listener"], "partners");
  EXPECT_EQ(json["routes"][1]["affected"], 1);
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
  EXPECT_EQ(keys_of(fingerprint),
            (Strings{"ja4", "affected", "share", "would_break", "failing", "by_decision",
                     "by_version", "first_seen", "last_seen", "clients", "sni"}));
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

TEST(HandshakeReportJson, SeparatesWhoWouldBreakFromWhoFailsToday) {
  const HandshakeReport report = report_of({
      log_line("192.0.2.1", kTls1_0, 0, kJa4A, "", "api", "default", kLetIn),
      log_line("192.0.2.2", kTls1_0, 1, kJa4A, "", "api", "default", kExempt),
      log_line("192.0.2.3", kTls1_1, 2, kJa4B, "", "api", "default", kBrownout),
      log_line("192.0.2.4", kTls1_1, 3, kJa4B, "", "api", "default", kLetInButClosed),
      log_line("192.0.2.5", kTls1_0, 4, kJa4B),  // refused
  });
  const ordered_json json = ordered_json::parse(render_json(report, RenderOptions{}));
  EXPECT_EQ(json["totals"]["would_break"], 2);
  EXPECT_EQ(json["totals"]["failing"], 3);
  std::map<std::string, std::string> today;
  for (const auto& row : json["clients"]["rows"]) today[row["client"]] = row["today"];
  EXPECT_EQ(today, (std::map<std::string, std::string>{{"192.0.2.1", "would_break"},
                                                       {"192.0.2.2", "would_break"},
                                                       {"192.0.2.3", "failing"},
                                                       {"192.0.2.4", "failing"},
                                                       {"192.0.2.5", "failing"}}));
  EXPECT_EQ(json["routes"][0]["by_decision"],
            ordered_json::parse(R"({"let_in":2,"exempt":1,"brownout":1,"refused":1})"));
  const std::vector<const ClientRow*> breaking = report.clients_that_would_break();
  ASSERT_EQ(breaking.size(), 2u);
  EXPECT_EQ(report.clients_failing_today().size(), 3u);
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

}  // namespace
}  // namespace tlsfloor::report
