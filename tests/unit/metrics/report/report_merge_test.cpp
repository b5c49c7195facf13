// HandshakeReport::merge is exact: the reports of consecutive parts of a log, merged in order,
// print what one report of the whole log prints (text and JSON, every row), whatever the cuts.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

#include "metrics/report/handshake_report.h"
#include "metrics/report/render.h"
#include "tests/unit/metrics/report/report_test_log.h"

namespace tlsfloor::report {
namespace {

using namespace test_log;  // the shared log, its helpers and their using-declarations

// A log with heavy and rare clients, many server names (so that rows keep 8, count the rest
// and stop counting at 1024), fingerprints shared by clients, three replicas with gaps, and
// times out of order.
std::vector<HandshakeRecord> random_records(std::uint64_t seed, std::size_t count) {
  std::mt19937_64 random(seed);
  const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
  std::vector<HandshakeRecord> records;
  const std::vector<std::uint16_t> versions = {kUnknown, kSsl3_0, kTls1_0,
                                               kTls1_1,  kTls1_2, kTls1_3};
  for (std::size_t i = 0; i < count; ++i) {
    HandshakeRecord record;
    const std::size_t client = pick(4) == 0 ? pick(3) : pick(300);
    const std::string address =
        client % 5 == 0
            ? "2001:db8:" + std::to_string(client % 7) + "::" + std::to_string(client)
            : "192.0." + std::to_string(client % 3) + "." + std::to_string(client % 256);
    record.client = config::parse_address(address).value();
    const std::size_t host = pick(3);
    record.host = host == 2 ? "" : "edge-" + std::to_string(host);
    // edge-1 stops for two hours in the middle; times jitter back and forth.
    int offset = static_cast<int>(i) * 7 - static_cast<int>(pick(600));
    if (host == 1 && i > count / 2) offset += 7200;
    record.time = at(offset);
    record.listener = "listener-" + std::to_string(pick(5));
    record.route = pick(3) == 0 ? "legacy" : "default";
    record.highest_offered = versions[pick(versions.size())];
    record.server_name =
        pick(10) == 0 ? "" : "name-" + std::to_string(pick(client < 3 ? 3000 : 20));
    record.ja4 = pick(20) == 0 ? "" : "t1" + std::to_string(pick(40)) + "d_fingerprint";
    record.decision = static_cast<Decision>(pick(kDecisions));
    record.failed = pick(4) == 0;
    record.failure = record.failed ? "reason-" + std::to_string(pick(12)) : "";
    record.family = pick(5) == 0 ? "" : "family-" + std::to_string(pick(8));
    record.owner = pick(3) == 0 ? "" : "owner-" + std::to_string(pick(4));
    record.certificate_subject = pick(4) == 0 ? "CN=partner-" + std::to_string(pick(6)) : "";
    // Some lines from a tlsfloor before groups were logged; the others offer a few groups,
    // some of them a post-quantum one.
    if (pick(6) != 0) {
      static const std::vector<std::uint16_t> kGroups = {0x001d, 0x0017, 0x0018, 0x11ec, 0x0100};
      record.offered_groups.emplace();
      for (std::size_t k = pick(4); k > 0; --k) {
        record.offered_groups->push_back(kGroups[pick(kGroups.size())]);
      }
      record.pq_offered = std::find(record.offered_groups->begin(), record.offered_groups->end(),
                                    0x11ec) != record.offered_groups->end();
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::string printed(const HandshakeReport& report) {
  std::ostringstream text;
  render_text(report, {.top = 0}, text);
  std::ostringstream warnings;
  write_gap_warnings(report, 100, warnings);
  return text.str() + render_json(report, {.top = 0}) + warnings.str();
}

// Where two printouts part, for a readable failure.
std::string first_difference(const std::string& got, const std::string& expected) {
  if (got == expected) return "";
  std::size_t at = 0;
  while (at < got.size() && at < expected.size() && got[at] == expected[at]) ++at;
  const std::size_t from = at < 300 ? 0 : at - 300;
  return "got ..." + got.substr(from, 400) + "\n\nexpected ..." + expected.substr(from, 400);
}

std::string merged_in_parts(const std::vector<HandshakeRecord>& records,
                            const HandshakeReport::Settings& settings,
                            std::vector<std::size_t> cuts) {
  cuts.push_back(records.size());
  HandshakeReport whole(settings);
  std::size_t begin = 0;
  for (const std::size_t end : cuts) {
    HandshakeReport part(settings);
    if (whole.totals().files == 0) part.count_file();
    for (std::size_t i = begin; i < end; ++i) part.add(records[i]);
    whole.merge(std::move(part));
    begin = end;
  }
  return printed(whole);
}

TEST(HandshakeReportMerge, PartsMergedInOrderPrintWhatOneReportPrints) {
  std::vector<HandshakeReport::Settings> settings(6);
  settings[1].ipv4_prefix = 24;
  settings[1].ipv6_prefix = 48;
  settings[2].floor = config::TlsVersion::tls1_3;
  settings[2].route = "legacy";
  settings[3].gap = std::chrono::minutes(30);
  settings[4].groups = std::vector<std::uint16_t>{0x001d, 0x0017};
  settings[4].floor = config::TlsVersion::tls1_2;
  settings[5].pq = true;
  settings[5].owner = "owner-1";
  // Three seeds of 4000 records draw every kind of value many times over (a third of what this
  // test once drew, for the sanitized run's sake: it was that run's longest test, 43 s).
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const auto records = random_records(seed, 4000);
    for (const auto& setting : settings) {
      HandshakeReport sequential(setting);
      sequential.count_file();
      for (const HandshakeRecord& record : records) sequential.add(record);
      const std::string expected = printed(sequential);
      // One cut at each end, cuts everywhere, and random cuts.
      EXPECT_EQ(first_difference(merged_in_parts(records, setting, {0}), expected), "");
      EXPECT_EQ(first_difference(merged_in_parts(records, setting, {records.size() - 1}), expected),
                "");
      std::vector<std::size_t> every;
      for (std::size_t i = 1; i < records.size(); i += 97) every.push_back(i);
      EXPECT_EQ(first_difference(merged_in_parts(records, setting, every), expected), "");
      std::mt19937_64 random(seed);
      std::vector<std::size_t> cuts;
      for (int i = 0; i < 8; ++i) cuts.push_back(random() % records.size());
      std::sort(cuts.begin(), cuts.end());
      EXPECT_EQ(first_difference(merged_in_parts(records, setting, cuts), expected), "")
          << "seed " << seed;
    }
  }
}

DistinctValues values_of(const std::vector<std::string>& values) {
  DistinctValues distinct;
  for (const std::string& value : values) distinct.add(value);
  return distinct;
}

void expect_same(const DistinctValues& a, const DistinctValues& b) {
  EXPECT_EQ(a.kept(), b.kept());
  EXPECT_EQ(a.more(), b.more());
  EXPECT_EQ(a.more_is_lower_bound(), b.more_is_lower_bound());
}

TEST(HandshakeReportMerge, DistinctValuesKeepTheFirstSeenAcrossParts) {
  const auto names = [](int from, int to) {
    std::vector<std::string> values;
    for (int i = from; i < to; ++i) values.push_back("v" + std::to_string(i));
    return values;
  };
  const auto concat = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases = {
      {names(0, 3), names(0, 20)},  // the later part repeats the earlier's kept values first
      {names(0, 7), concat(names(10, 18), names(0, 7))},  // ... or after its own kept ones
      {names(0, 8), names(5, 30)},
      {names(0, 20), names(10, 40)},
      {names(0, 1000), names(500, 1600)},  // counting stops in the merge
      {names(0, 1100), names(0, 5)},       // stopped before
      {{}, names(0, 2000)},                // stopped after
      {names(0, 30), concat(names(100, 1200), names(0, 8))},
  };
  for (const auto& [first, second] : cases) {
    DistinctValues merged = values_of(first);
    merged.merge(values_of(second));
    expect_same(merged, values_of(concat(first, second)));
  }
}

TEST(HandshakeReportMerge, GapsOfAReplicaDoNotDependOnTheOrderOfItsLines) {
  std::vector<int> offsets;
  for (int i = 0; i < 100; ++i) offsets.push_back(i * 60);             // an hour and a half
  for (int i = 0; i < 50; ++i) offsets.push_back(4 * 3600 + i * 60);   // 2h10m later
  for (int i = 0; i < 50; ++i) offsets.push_back(6 * 3600 + i * 600);  // 1h10m later, sparse
  const std::chrono::seconds gap = std::chrono::hours(1);
  std::mt19937_64 random(7);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(offsets.begin(), offsets.end(), random);
    ReplicaRow whole("edge");
    ReplicaRow first("edge");
    ReplicaRow second("edge");
    for (std::size_t i = 0; i < offsets.size(); ++i) {
      whole.add(at(offsets[i]), gap);
      (i % 3 == 0 ? first : second).add(at(offsets[i]), gap);
    }
    second.merge(first, gap);
    for (const ReplicaRow* row : {&whole, &second}) {
      EXPECT_EQ(row->lines(), 200u);
      EXPECT_EQ(row->gaps(), 2u);
      EXPECT_FALSE(row->gaps_is_lower_bound());
      EXPECT_EQ(row->first_seen(), at(0));
      EXPECT_EQ(row->last_seen(), at(6 * 3600 + 49 * 600));
      ASSERT_TRUE(row->longest_gap());
      EXPECT_EQ(row->longest_gap()->from, at(99 * 60));
      EXPECT_EQ(row->longest_gap()->to, at(4 * 3600));
    }
  }
}

TEST(HandshakeReportMerge, AReplicaWithCountlessGapsStaysBounded) {
  ReplicaRow replica("edge");
  const std::chrono::seconds gap = std::chrono::minutes(1);
  // 10,000 stretches, each line two minutes after the last; one gap of a day among them.
  for (int i = 0; i < 10000; ++i) replica.add(at(i * 120 + (i >= 5000 ? 86400 : 0)), gap);
  EXPECT_TRUE(replica.gaps_is_lower_bound());
  EXPECT_GE(replica.gaps(), ReplicaRow::kMaxSpans - 1);
  EXPECT_LE(replica.gaps(), 2 * ReplicaRow::kMaxSpans);
  ASSERT_TRUE(replica.longest_gap());
  EXPECT_EQ(replica.longest_gap()->from, at(4999 * 120));
  EXPECT_EQ(replica.longest_gap()->to, at(5000 * 120 + 86400));
}

TEST(HandshakeReportMerge, WithoutAGapThresholdNoGapIsLookedFor) {
  ReplicaRow replica("edge");
  replica.add(at(0), std::chrono::seconds(0));
  replica.add(at(86400), std::chrono::seconds(0));
  EXPECT_EQ(replica.lines(), 2u);
  EXPECT_EQ(replica.gaps(), 0u);
  EXPECT_FALSE(replica.longest_gap());
}

}  // namespace
}  // namespace tlsfloor::report
