// `tlsfloor report --groups` and `--pq`: the key exchange judged offline from the log's offered
// groups, alone or with a candidate floor; and the log line's key-exchange keys read back.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "metrics/report/log_line.h"
#include "metrics/report/render.h"
#include "tests/unit/metrics/report/report_test_log.h"

namespace tlsfloor::report {
namespace {

using namespace test_log;

// A line of a client at `highest` that offers `groups` (and whether that is post-quantum is the
// writer's to say, from the same list).
std::string groups_line(const std::string& client, std::uint16_t highest,
                        std::vector<std::uint16_t> groups, int offset = 0,
                        const std::string& ja4 = kJa4C) {
  HandshakeEvent event;
  event.time = at(offset);
  event.listener = "api";
  event.client_address = client;
  event.offered_versions = {highest};
  event.highest_offered = highest;
  event.ja4 = ja4;
  event.offered_groups = groups;
  event.groups_offered = groups.size();
  event.pq_offered = config::offers_post_quantum(groups);
  event.decision = "allowed";
  event.outcome = "accepted";
  event.negotiated_version = highest;
  event.cipher = "TLS_AES_128_GCM_SHA256";
  event.group = 0x001d;
  std::string line = to_json_line(event);
  line.pop_back();
  return line;
}

HandshakeRecord record_of(const std::string& line) {
  ParsedLine parsed = parse_handshake_line(line);
  EXPECT_TRUE(parsed.record.has_value()) << parsed.error << "\n" << line;
  return parsed.record.value_or(HandshakeRecord{});
}

TEST(KeyExchangeLogLine, TheGroupsReadBackAsTheyWereWritten) {
  const HandshakeRecord record =
      record_of(groups_line("192.0.2.1", kTls1_3, {0x11ec, 0x001d, 0x11ee}));
  ASSERT_TRUE(record.offered_groups.has_value());
  EXPECT_EQ(*record.offered_groups, (std::vector<std::uint16_t>{0x11ec, 0x001d, 0x11ee}));
  EXPECT_TRUE(record.pq_offered);
  EXPECT_EQ(record.group, "X25519");
  EXPECT_EQ(record.negotiated_version, kTls1_3);
  EXPECT_EQ(record.cipher, "TLS_AES_128_GCM_SHA256");
}

TEST(KeyExchangeLogLine, OlderLinesHaveNoGroupFactsAndBadOnesAreRefused) {
  EXPECT_FALSE(record_of(R"({"time":"2026-11-22T10:00:00Z","listener":"a","client":"192.0.2.1",)"
                         R"("highest_offered":"TLS1.2","sni":null,"ja4":""})")
                   .offered_groups.has_value());
  const std::string base = R"({"time":"2026-11-22T10:00:00Z","listener":"a","client":"192.0.2.1",)"
                           R"("highest_offered":"TLS1.2","sni":null,"ja4":"",)";
  EXPECT_EQ(parse_handshake_line(base + R"("offered_groups":"X25519"})").error,
            "\"offered_groups\" is not a list");
  EXPECT_EQ(parse_handshake_line(base + R"("offered_groups":["X25519",7]})").error,
            "\"offered_groups\" holds 7, not a group");
  EXPECT_EQ(parse_handshake_line(base + R"("pq_offered":"yes"})").error,
            "\"pq_offered\" is \"yes\", not true or false");
  EXPECT_EQ(parse_handshake_line(base + R"("negotiated_version":"TLS9"})").error,
            "\"negotiated_version\" is \"TLS9\", not a TLS version");
  // Without pq_offered, it is judged from the groups themselves.
  EXPECT_TRUE(record_of(base + R"("offered_groups":["0x6399","X25519"]})").pq_offered);
}

HandshakeReport judged(HandshakeReport::Settings settings, const std::vector<std::string>& lines) {
  HandshakeReport report(std::move(settings));
  for (const std::string& line : lines) report.add(record_of(line));
  return report;
}

// A line of a tlsfloor from before groups were logged.
std::string older_line(const std::string& client) {
  auto json = nlohmann::ordered_json::parse(groups_line(client, kTls1_2, {0x001d}, 5));
  for (const char* key : {"offered_groups", "offered_groups_total", "key_share_groups",
                          "key_shares_total", "pq_offered", "group"}) {
    json.erase(key);
  }
  return json.dump();
}

// Four clients: a TLS 1.3 browser offering X25519MLKEM768, a TLS 1.3 client with X25519 and
// P-256, a TLS 1.2 client offering only P-521, and an old one that names no group at all.
std::vector<std::string> population() {
  return {groups_line("192.0.2.1", kTls1_3, {0x11ec, 0x001d, 0x0017}, 1, kJa4D),
          groups_line("192.0.2.2", kTls1_3, {0x001d, 0x0017}, 2, kJa4C),
          groups_line("192.0.2.3", kTls1_2, {0x0019}, 3, kJa4B),
          groups_line("192.0.2.4", kTls1_0, {}, 4, kJa4A), older_line("192.0.2.5")};
}

TEST(KeyExchangeReport, GroupsAloneJudgeOnlyClientsThatNameGroups) {
  HandshakeReport::Settings settings;
  settings.floor.reset();
  settings.groups = std::vector<std::uint16_t>{0x001d, 0x0017};
  const HandshakeReport report = judged(settings, population());
  EXPECT_EQ(report.totals().affected, 1u) << "only the P-521 client";
  ASSERT_EQ(report.clients().size(), 1u);
  EXPECT_EQ(report.clients()[0]->client_text, "192.0.2.3");
  EXPECT_EQ(report.clients()[0]->group_lists.kept(), std::vector<std::string>{"P-521"});
  EXPECT_EQ(report.totals().without_groups, 1u) << "the older line";
}

TEST(KeyExchangeReport, Tls13OnlyWithPostQuantumGroupsLeavesOnlyTheBrowser) {
  HandshakeReport::Settings settings;
  settings.floor = config::TlsVersion::tls1_3;
  settings.groups = std::vector<std::uint16_t>{0x11ec};
  const HandshakeReport report = judged(settings, population());
  EXPECT_EQ(report.totals().affected, 4u);
  for (const ClientRow* client : report.clients()) EXPECT_NE(client->client_text, "192.0.2.1");
}

TEST(KeyExchangeReport, APostQuantumGroupIsNotUsableBelowTls13) {
  HandshakeReport::Settings settings;
  settings.floor.reset();
  settings.groups = std::vector<std::uint16_t>{0x11ec};
  const HandshakeReport report =
      judged(settings, {groups_line("192.0.2.9", kTls1_2, {0x11ec, 0x001d})});
  EXPECT_EQ(report.totals().affected, 1u);
}

TEST(KeyExchangeReport, PqListsWhoWouldStillUseClassicalKeyExchange) {
  HandshakeReport::Settings settings;
  settings.floor.reset();
  settings.pq = true;
  const HandshakeReport report = judged(settings, population());
  EXPECT_EQ(report.totals().affected, 3u)
      << "all but the browser: naming no group is classical too; the older line is not judged";
  std::ostringstream text;
  render_text(report, {}, text);
  EXPECT_EQ(text.str().rfind("Who would still use classical key exchange (no post-quantum "
                             "group offered)\n",
                             0),
            0u)
      << text.str();
  EXPECT_NE(text.str().find("GROUPS"), std::string::npos);
  const auto json = nlohmann::json::parse(render_json(report, {}));
  EXPECT_EQ(json["pq"], true);
  EXPECT_EQ(json["totals"]["without_groups"], 1);
  EXPECT_EQ(json["clients"]["rows"][0]["groups"]["values"].size(), 1u);
}

TEST(KeyExchangeReport, WithoutGroupsOrPqTheReportReadsAsBefore) {
  const HandshakeReport report = judged({}, population());
  std::ostringstream text;
  render_text(report, {}, text);
  EXPECT_EQ(text.str().find("GROUPS"), std::string::npos);
  EXPECT_EQ(text.str().find("no group facts"), std::string::npos);
  const auto json = nlohmann::json::parse(render_json(report, {}));
  EXPECT_FALSE(json.contains("groups"));
  EXPECT_FALSE(json.contains("pq"));
  EXPECT_FALSE(json["totals"].contains("without_groups"));
}

}  // namespace
}  // namespace tlsfloor::report
