#include "metrics/legacy_client_series.h"

#include <gtest/gtest.h>

#include "config/tls_version.h"
#include "tests/unit/metrics/tracker_clients.h"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace tlsfloor::metrics {
namespace {

using Sample = LegacyClientSeries::Sample;
// (client, version, decision) -> value: what one scrape shows.
using Shown = std::map<std::tuple<std::string, std::uint16_t, LegacyDecision>, std::uint64_t>;

void record(LegacyClientTracker& tracker, std::uint32_t n, int times = 1,
            std::uint16_t version = kTls10, LegacyDecision decision = LegacyDecision::rejected) {
  for (int i = 0; i < times; ++i) {
    LegacyClientTracker::Observation observation;
    observation.client = client(n);
    observation.version_wire = version;
    observation.decision = decision;
    tracker.record(observation);
  }
}

Shown scrape(LegacyClientSeries& series, const LegacyClientTracker& tracker, std::size_t top_n) {
  Shown shown;
  for (const Sample& sample : series.update(tracker.contents(), top_n)) {
    const auto [it, inserted] = shown.emplace(
        std::tuple{sample.client, sample.version_wire, sample.decision}, sample.value);
    EXPECT_TRUE(inserted) << "duplicate series for " << sample.client;
  }
  return shown;
}

TEST(LegacyClientSeriesTest, ShowsTheTopNAndFoldsTheRestIntoOther) {
  LegacyClientTracker tracker;
  record(tracker, 1, 5);
  record(tracker, 2, 3);
  record(tracker, 2, 1, kTls11, LegacyDecision::would_reject);
  record(tracker, 3, 2);
  LegacyClientSeries series;
  // Nothing was published before: the top clients get their whole counts.
  EXPECT_EQ(scrape(series, tracker, 2),
            (Shown{{{"10.0.0.1", kTls10, LegacyDecision::rejected}, 5},
                   {{"10.0.0.2", kTls10, LegacyDecision::rejected}, 3},
                   {{"10.0.0.2", kTls11, LegacyDecision::would_reject}, 1},
                   {{"other", kTls10, LegacyDecision::rejected}, 2}}));
  record(tracker, 1, 2);
  record(tracker, 3, 1);
  record(tracker, 2, 1, kTls11, LegacyDecision::would_reject);
  EXPECT_EQ(scrape(series, tracker, 2),
            (Shown{{{"10.0.0.1", kTls10, LegacyDecision::rejected}, 7},
                   {{"10.0.0.2", kTls10, LegacyDecision::rejected}, 3},
                   {{"10.0.0.2", kTls11, LegacyDecision::would_reject}, 2},
                   {{"other", kTls10, LegacyDecision::rejected}, 3}}));
}

// The client that drops out frees its count for `other`, so the one that overtakes it can take
// its whole count, including what `other` had published, and `other` still only grows.
TEST(LegacyClientSeriesTest, OvertakingSwapsCountsWithoutOtherFalling) {
  LegacyClientTracker tracker;
  record(tracker, 1, 5);
  record(tracker, 2, 3);
  LegacyClientSeries series;
  EXPECT_EQ(scrape(series, tracker, 1), (Shown{{{"10.0.0.1", kTls10, LegacyDecision::rejected}, 5},
                                               {{"other", kTls10, LegacyDecision::rejected}, 3}}));
  record(tracker, 2, 4);  // overtakes client 1; 3 of its 7 were published in other
  EXPECT_EQ(scrape(series, tracker, 1), (Shown{{{"10.0.0.2", kTls10, LegacyDecision::rejected}, 7},
                                               {{"other", kTls10, LegacyDecision::rejected}, 5}}));
}

TEST(LegacyClientSeriesTest, AClientThatLeavesHandsItsCountToOther) {
  LegacyClientTracker tracker;
  record(tracker, 1, 2);
  LegacyClientSeries series;
  scrape(series, tracker, 1);
  record(tracker, 1, 3);
  EXPECT_EQ(scrape(series, tracker, 1),
            (Shown{{{"10.0.0.1", kTls10, LegacyDecision::rejected}, 5}}));
  record(tracker, 2, 10);  // overtakes client 1, all since the last scrape
  EXPECT_EQ(scrape(series, tracker, 1), (Shown{{{"10.0.0.2", kTls10, LegacyDecision::rejected}, 10},
                                               {{"other", kTls10, LegacyDecision::rejected}, 5}}));
}

TEST(LegacyClientSeriesTest, TopNZeroShowsOnlyOther) {
  LegacyClientTracker tracker;
  record(tracker, 1, 2);
  LegacyClientSeries series;
  EXPECT_EQ(scrape(series, tracker, 0), (Shown{{{"other", kTls10, LegacyDecision::rejected}, 2}}));
}

// Under random traffic, evictions and changing ranks, every series only grows between scrapes
// (or restarts from 0 after its client was tracked afresh), and for each version and decision
// the series sum to exactly what was recorded.
TEST(LegacyClientSeriesTest, SeriesAreCountersAndSumToTheTotal) {
  LegacyClientTracker tracker(LegacyClientTracker::Options{.top_k = 20});
  LegacyClientSeries series;
  std::mt19937 random(7);
  std::map<std::pair<std::uint16_t, LegacyDecision>, std::uint64_t> recorded;
  Shown previous;
  for (int round = 0; round < 300; ++round) {
    for (int i = 0; i < 50; ++i) {
      // Skewed: a few heavy clients and a long tail that keeps evicting.
      const std::uint32_t n = random() % 4 == 0 ? random() % 5 : 5 + random() % 200;
      const std::uint16_t version = random() % 3 == 0 ? kTls11 : kTls10;
      const auto decision = random() % 2 ? LegacyDecision::rejected : LegacyDecision::would_reject;
      record(tracker, n, 1, version, decision);
      ++recorded[{version, decision}];
    }
    const Shown now = scrape(series, tracker, 8);
    std::map<std::pair<std::uint16_t, LegacyDecision>, std::uint64_t> sums;
    std::size_t clients_shown = 0;
    std::string last_client;
    for (const auto& [key, value] : now) {
      const auto& [name, version, decision] = key;
      sums[{version, decision}] += value;
      if (name != "other" && name != last_client) {
        ++clients_shown;
        last_client = name;
      }
      if (name == "other") {
        const auto before = previous.find(key);
        if (before != previous.end()) {
          EXPECT_GE(value, before->second) << "round " << round;
        }
      }
    }
    EXPECT_LE(clients_shown, 8u);
    ASSERT_EQ(sums, recorded) << "round " << round;
    previous = now;
  }
}

}  // namespace
}  // namespace tlsfloor::metrics
