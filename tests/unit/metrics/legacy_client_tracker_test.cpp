#include "metrics/legacy_client_tracker.h"

#include <gtest/gtest.h>

#include "config/bounded_text.h"
#include "config/tls_version.h"
#include "tests/support/heap.h"
#include "tests/unit/metrics/tracker_clients.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tlsfloor::metrics {
namespace {

using Decision = LegacyClientTracker::Decision;
using Observation = LegacyClientTracker::Observation;
using ClientStats = LegacyClientTracker::ClientStats;
using VersionDecision = std::pair<std::uint16_t, Decision>;

LegacyClientTracker::TimePoint at(int seconds) {
  return LegacyClientTracker::TimePoint{} + std::chrono::seconds(seconds);
}

Observation seen(config::AddressPrefix key, std::uint16_t version = kTls10,
                 Decision decision = Decision::rejected, int when = 0) {
  Observation observation;
  observation.client = key;
  observation.version_wire = version;
  observation.decision = decision;
  observation.when = at(when);
  return observation;
}

std::uint64_t sum(const std::map<VersionDecision, std::uint64_t>& counts) {
  std::uint64_t total = 0;
  for (const auto& [key, n] : counts) total += n;
  return total;
}

// Conservation: what tracked clients really observed plus `other` is everything recorded,
// in total and for each version and decision; each entry's breakdown sums to count - error.
void expect_conserved(const LegacyClientTracker& tracker,
                      const std::map<VersionDecision, std::uint64_t>& recorded) {
  std::map<VersionDecision, std::uint64_t> accounted;
  std::uint64_t observed = 0;
  for (const ClientStats& stats : tracker.snapshot()) {
    ASSERT_GE(stats.count, stats.error);
    EXPECT_EQ(sum(stats.by_version_decision), stats.count - stats.error) << to_string(stats.client);
    observed += stats.count - stats.error;
    for (const auto& [key, n] : stats.by_version_decision) accounted[key] += n;
  }
  const ClientStats other = tracker.other();
  EXPECT_EQ(other.error, 0u);
  EXPECT_EQ(sum(other.by_version_decision), other.count);
  for (const auto& [key, n] : other.by_version_decision) accounted[key] += n;
  EXPECT_EQ(observed + other.count, tracker.total());
  EXPECT_EQ(sum(recorded), tracker.total());
  EXPECT_EQ(accounted, recorded);
}

TEST(LegacyClientTrackerTest, DecisionsAreSpelledAsLabels) {
  EXPECT_EQ(to_string(Decision::allowed_exception), "allowed_exception");
  EXPECT_EQ(to_string(Decision::rejected), "rejected");
  EXPECT_EQ(to_string(Decision::rejected_brownout), "rejected_brownout");
  EXPECT_EQ(to_string(Decision::would_reject), "would_reject");
}

TEST(LegacyClientTrackerTest, CountsByVersionAndDecision) {
  LegacyClientTracker tracker;
  tracker.record(seen(client(1), kTls10, Decision::rejected));
  tracker.record(seen(client(1), kTls10, Decision::rejected));
  tracker.record(seen(client(1), kTls11, Decision::would_reject));
  tracker.record(seen(client(1), kTls10, Decision::would_reject));
  tracker.record(seen(client(1), kTls11, Decision::allowed_exception));
  tracker.record(seen(client(1), kTls11, Decision::rejected_brownout));
  tracker.record(seen(client(2), kTls11, Decision::would_reject));
  const auto snapshot = tracker.snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[0].client, client(1));
  EXPECT_EQ(snapshot[0].count, 6u);
  EXPECT_EQ(snapshot[0].error, 0u);
  EXPECT_EQ(snapshot[0].by_version_decision,
            (std::map<VersionDecision, std::uint64_t>{{{kTls10, Decision::rejected}, 2},
                                                      {{kTls10, Decision::would_reject}, 1},
                                                      {{kTls11, Decision::allowed_exception}, 1},
                                                      {{kTls11, Decision::rejected_brownout}, 1},
                                                      {{kTls11, Decision::would_reject}, 1}}));
  EXPECT_EQ(snapshot[1].client, client(2));
  EXPECT_EQ(snapshot[1].by_version_decision,
            (std::map<VersionDecision, std::uint64_t>{{{kTls11, Decision::would_reject}, 1}}));
  EXPECT_EQ(tracker.total(), 7u);
  EXPECT_EQ(tracker.tracked(), 2u);
  EXPECT_EQ(tracker.other().count, 0u);
}

TEST(LegacyClientTrackerTest, VersionsNoLabelNamesAreCountedAsUnknown) {
  LegacyClientTracker tracker;
  for (const std::uint16_t version : {0x0001, 0x0200, 0x0305, 0x7f1c, 0x0000, 0x0300, 0x0304}) {
    tracker.record(seen(client(1), version, Decision::rejected));
  }
  EXPECT_EQ(tracker.snapshot().at(0).by_version_decision,
            (std::map<VersionDecision, std::uint64_t>{{{0x0000, Decision::rejected}, 5},
                                                      {{0x0300, Decision::rejected}, 1},
                                                      {{0x0304, Decision::rejected}, 1}}));
}

TEST(LegacyClientTrackerTest, FirstAndLastSeenComeFromTheInjectedTimes) {
  LegacyClientTracker tracker;
  // Out of order, as two worker threads may record them.
  for (const int when : {100, 50, 200, 150}) {
    tracker.record(seen(client(1), kTls10, Decision::rejected, when));
  }
  const auto snapshot = tracker.snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].first_seen, at(50));
  EXPECT_EQ(snapshot[0].last_seen, at(200));
}

TEST(LegacyClientTrackerTest, LastCipherIsThatOfTheLatestHandshakeThatNamedOne) {
  LegacyClientTracker tracker;
  const auto record = [&](int when, std::string_view cipher) {
    Observation observation = seen(client(1), kTls10, Decision::would_reject, when);
    observation.cipher = cipher;
    tracker.record(observation);
  };
  const auto last_cipher = [&] { return tracker.snapshot().at(0).last_cipher; };
  record(10, "ECDHE-RSA-AES128-SHA");
  EXPECT_EQ(last_cipher(), "ECDHE-RSA-AES128-SHA");
  record(20, "AES128-SHA");
  EXPECT_EQ(last_cipher(), "AES128-SHA");
  record(30, "");  // not known: keeps the previous one
  EXPECT_EQ(last_cipher(), "AES128-SHA");
  record(15, "DES-CBC3-SHA");  // recorded late, but older than the latest
  EXPECT_EQ(last_cipher(), "AES128-SHA");
  record(30, "ECDHE-ECDSA-AES256-SHA");  // as late as the latest: recorded later wins
  EXPECT_EQ(last_cipher(), "ECDHE-ECDSA-AES256-SHA");
}

TEST(LegacyClientTrackerTest, KeepsTheFirstDistinctServerNamesAndFingerprints) {
  LegacyClientTracker tracker({.top_k = 10, .max_server_names = 3, .max_fingerprints = 2});
  struct Value {
    std::string_view server_name;
    std::string_view ja4;
  };
  const std::vector<Value> values{
      {"a.example", "t10d1"}, {"b.example", "t10d1"},
      {"a.example", "t10d2"}, {"", ""},  // no SNI, no fingerprint: nothing to keep
      {"c.example", "t10d3"}, {"d.example", "t10d2"},
      {"b.example", "t10d4"}};
  for (const Value& value : values) {
    Observation observation = seen(client(1));
    observation.server_name = value.server_name;
    observation.ja4 = value.ja4;
    tracker.record(observation);
  }
  const auto snapshot = tracker.snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].server_names,
            (std::vector<std::string>{"a.example", "b.example", "c.example"}));
  EXPECT_EQ(snapshot[0].fingerprints, (std::vector<std::string>{"t10d1", "t10d2"}));
  EXPECT_EQ(snapshot[0].count, values.size());
}

TEST(LegacyClientTrackerTest, KeepsTheFirstDistinctFamilies) {
  LegacyClientTracker tracker({.top_k = 10, .max_families = 2});
  for (std::string_view family : {"java6", "unknown", "java6", "schannel-win7", ""}) {
    Observation observation = seen(client(1));
    observation.family = family;
    tracker.record(observation);
  }
  // One address may be a NAT in front of several stacks; the first ones seen are kept.
  EXPECT_EQ(tracker.snapshot().at(0).families, (std::vector<std::string>{"java6", "unknown"}));
}

TEST(LegacyClientTrackerTest, LongValuesAreCut) {
  LegacyClientTracker tracker;
  const std::string long_name(1000, 'x');
  Observation observation = seen(client(1));
  observation.server_name = long_name;
  observation.cipher = long_name;
  tracker.record(observation);
  // A second value equal to the first after cutting is the same value.
  const std::string other_long_name = std::string(config::kMaxClientText, 'x') + "y";
  observation.server_name = other_long_name;
  tracker.record(observation);
  const auto snapshot = tracker.snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].server_names,
            std::vector<std::string>{std::string(config::kMaxClientText, 'x')});
  EXPECT_EQ(snapshot[0].last_cipher.size(), config::kMaxClientText);
}

TEST(LegacyClientTrackerTest, SnapshotIsHeaviestFirstThenEarliestThenByKey) {
  LegacyClientTracker tracker;
  // client(5): 3 handshakes from t=20; client(6): 3 from t=10; client(7) and client(3): 1 each
  // at t=30 (tie on both count and first_seen: key order); client(4): 2.
  for (int i = 0; i < 3; ++i) tracker.record(seen(client(5), kTls10, Decision::rejected, 20));
  tracker.record(seen(client(7), kTls10, Decision::rejected, 30));
  for (int i = 0; i < 3; ++i) tracker.record(seen(client(6), kTls10, Decision::rejected, 10));
  tracker.record(seen(client(3), kTls10, Decision::rejected, 30));
  for (int i = 0; i < 2; ++i) tracker.record(seen(client(4), kTls10, Decision::rejected, 40));
  std::vector<config::AddressPrefix> order;
  for (const ClientStats& stats : tracker.snapshot()) order.push_back(stats.client);
  EXPECT_EQ(order, (std::vector<config::AddressPrefix>{client(6), client(5), client(4), client(3),
                                                       client(7)}));
}

TEST(LegacyClientTrackerTest, FullTableReplacesTheMinimumAndFoldsItIntoOther) {
  LegacyClientTracker tracker({.top_k = 2});
  std::map<VersionDecision, std::uint64_t> recorded;
  const auto record = [&](const Observation& observation) {
    tracker.record(observation);
    recorded[{observation.version_wire, observation.decision}] += 1;
  };
  record(seen(client(1), kTls10, Decision::rejected, 1));
  record(seen(client(1), kTls10, Decision::rejected, 2));
  record(seen(client(2), kTls11, Decision::would_reject, 3));
  record(seen(client(2), kTls10, Decision::rejected, 4));
  record(seen(client(1), kTls10, Decision::rejected, 5));  // client 1: 3, client 2: 2
  record(seen(client(3), kTls11, Decision::allowed_exception, 6));

  EXPECT_EQ(tracker.tracked(), 2u);
  const auto snapshot = tracker.snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[0].client, client(1));
  EXPECT_EQ(snapshot[0].count, 3u);
  EXPECT_EQ(snapshot[0].error, 0u);
  // Client 3 took client 2's place: count = 2 + 1, error = 2, only its own handshake counted.
  EXPECT_EQ(snapshot[1].client, client(3));
  EXPECT_EQ(snapshot[1].count, 3u);
  EXPECT_EQ(snapshot[1].error, 2u);
  EXPECT_EQ(snapshot[1].by_version_decision,
            (std::map<VersionDecision, std::uint64_t>{{{kTls11, Decision::allowed_exception}, 1}}));
  EXPECT_EQ(snapshot[1].first_seen, at(6));

  const ClientStats other = tracker.other();
  EXPECT_EQ(other.count, 2u);
  EXPECT_EQ(other.by_version_decision,
            (std::map<VersionDecision, std::uint64_t>{{{kTls10, Decision::rejected}, 1},
                                                      {{kTls11, Decision::would_reject}, 1}}));
  EXPECT_EQ(other.first_seen, at(3));
  EXPECT_EQ(other.last_seen, at(4));
  EXPECT_TRUE(other.server_names.empty());
  expect_conserved(tracker, recorded);
}

TEST(LegacyClientTrackerTest, AmongEqualMinimaTheLongestIdleIsEvicted) {
  LegacyClientTracker tracker({.top_k = 3});
  tracker.record(seen(client(1)));
  tracker.record(seen(client(2)));
  tracker.record(seen(client(3)));
  tracker.record(seen(client(1)));
  tracker.record(seen(client(3)));
  tracker.record(seen(client(2)));  // all at 2; client 1 reached 2 first
  tracker.record(seen(client(4)));
  std::vector<config::AddressPrefix> kept;
  for (const ClientStats& stats : tracker.snapshot()) kept.push_back(stats.client);
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<config::AddressPrefix>{client(2), client(3), client(4)}));
}

TEST(LegacyClientTrackerTest, EvictedClientComesBackWithAnErrorBound) {
  LegacyClientTracker tracker({.top_k = 1});
  tracker.record(seen(client(1)));
  tracker.record(seen(client(2)));  // evicts 1: count 2, error 1
  tracker.record(seen(client(1)));  // evicts 2: count 3, error 2
  const auto snapshot = tracker.snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].client, client(1));
  EXPECT_EQ(snapshot[0].count, 3u);
  EXPECT_EQ(snapshot[0].error, 2u);
  EXPECT_EQ(tracker.other().count, 2u);
}

TEST(LegacyClientTrackerTest, ZeroTopKFoldsEverythingIntoOther) {
  LegacyClientTracker tracker({.top_k = 0});
  Observation observation = seen(client(1), kTls11, Decision::would_reject, 7);
  observation.server_name = "a.example";
  observation.cipher = "AES128-SHA";
  tracker.record(observation);
  tracker.record(seen(client(2), kTls10, Decision::rejected, 9));
  EXPECT_EQ(tracker.tracked(), 0u);
  EXPECT_TRUE(tracker.snapshot().empty());
  const ClientStats other = tracker.other();
  EXPECT_EQ(other.count, 2u);
  EXPECT_EQ(other.first_seen, at(7));
  EXPECT_EQ(other.last_seen, at(9));
  EXPECT_TRUE(other.server_names.empty());
  EXPECT_TRUE(other.last_cipher.empty());
  expect_conserved(tracker,
                   {{{kTls11, Decision::would_reject}, 1}, {{kTls10, Decision::rejected}, 1}});
}

TEST(LegacyClientTrackerTest, MemoryIsBoundedByTopK) {
  LegacyClientTracker tracker({.top_k = 100});
  std::map<VersionDecision, std::uint64_t> recorded;
  std::size_t most_tracked = 0;
  for (std::uint32_t n = 0; n < 10'000; ++n) {
    const Decision decision = n % 3 == 0 ? Decision::rejected : Decision::would_reject;
    tracker.record(seen(client(n), kTls10, decision, static_cast<int>(n)));
    recorded[{kTls10, decision}] += 1;
    most_tracked = std::max(most_tracked, tracker.tracked());
  }
  EXPECT_EQ(tracker.tracked(), 100u);
  EXPECT_EQ(most_tracked, 100u);
  EXPECT_EQ(tracker.total(), 10'000u);
  EXPECT_EQ(tracker.other().count, 9'900u);
  expect_conserved(tracker, recorded);
}

TEST(LegacyClientTrackerTest, SaysWhichFloorsAndHowHandshakesFailed) {
  LegacyClientTracker tracker(LegacyClientTracker::Options{.max_failures = 2});
  Observation first = seen(client(1));
  first.failure = "unsupported_version";
  tracker.record(first);
  Observation second = seen(client(1), config::wire::kTls1_2, Decision::would_reject, 1);
  second.below_version = false;
  second.below_ciphers = true;
  tracker.record(second);  // completed: no failure
  for (const char* failure : {"no_shared_cipher", "closed", "timeout", "unsupported_version"}) {
    Observation more = seen(client(1));
    more.failure = failure;
    tracker.record(more);
  }
  const ClientStats stats = tracker.snapshot().at(0);
  EXPECT_TRUE(stats.below_version);
  EXPECT_TRUE(stats.below_ciphers);
  // The first two reasons by name, the rest as "other": a client cannot grow its entry with them.
  using Failures = std::vector<std::pair<std::string, std::uint64_t>>;
  EXPECT_EQ(stats.failures,
            (Failures{{"unsupported_version", 2}, {"no_shared_cipher", 1}, {"other", 2}}));
}

// The longest value of every text a client's entry keeps, 16 of each (the observation holds
// views: they live as long as the test).
struct LongestValues {
  LongestValues() {
    for (int i = 0; i < 16; ++i) {
      const std::string value(300, static_cast<char>('a' + i));
      server_names.push_back(value);
      ja4s.push_back(value.substr(0, 36));
      routes.push_back(value.substr(0, 64));
      failures.push_back(value.substr(0, 32));
      // Family ids come from the fixed table: none is longer than 24 characters.
      families.push_back(value.substr(0, 24));
      owners.push_back(value.substr(0, 64));  // the owner directory's longest name
    }
    // More groups than the tracker keeps, offered and in key shares.
    for (std::uint16_t g = 1; g <= 64; ++g) groups.push_back(g);
  }
  // The `k`th handshake of a client at its worst: every text at its longest, below every floor.
  void fill(Observation& observation, int k) const {
    observation.server_name = server_names[k % 16];
    observation.ja4 = ja4s[(k + 1) % 16];
    observation.route = routes[(k + 2) % 16];
    observation.cipher = "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
    observation.certificate = "RSA4096";
    observation.below_ciphers = true;
    observation.below_groups = true;
    observation.failure = failures[(k + 3) % 16];
    observation.family = families[(k + 4) % 16];
    observation.owner = owners[(k + 5) % 16];
    observation.offered_groups = groups;
    observation.key_share_groups = groups;
    observation.group = 0x001d;
  }
  std::vector<std::string> server_names, ja4s, routes, failures, families, owners;
  std::vector<std::uint16_t> groups;
};

// The worst case a client can make of its entry (what the README states): every version and
// decision, the most names, fingerprints, routes, failure reasons, owners and groups, each at its
// longest.
TEST(LegacyClientTrackerTest, AClientsEntryHoldsAtMostAFewKibibytes) {
  constexpr std::size_t kClients = 2000;
  const auto heap = [] { return test::heap_in_use(); };
  const std::size_t before = heap();
  {
    LegacyClientTracker tracker(LegacyClientTracker::Options{.top_k = kClients});
    const LongestValues longest;
    const std::size_t after_values = heap();
    for (std::uint32_t n = 0; n < kClients; ++n) {
      int k = 0;
      for (std::uint16_t version : {0, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304}) {
        for (Decision decision : {Decision::allowed_exception, Decision::rejected,
                                  Decision::rejected_brownout, Decision::would_reject}) {
          Observation observation = seen(client(n), version, decision, k);
          longest.fill(observation, k);
          tracker.record(observation);
          ++k;
        }
      }
    }
    const std::size_t per_client = (heap() - after_values) / kClients;
    std::printf("worst-case entry: %zu bytes per client\n", per_client);
    EXPECT_LE(per_client, 12u * 1024) << "the README states about 12 KiB per client";
  }
  EXPECT_LE(heap(), before + 64 * 1024) << "everything is given back";
}

TEST(LegacyClientTrackerTest, HeavyClientsSurviveAFloodOfOneOffClients) {
  constexpr std::uint32_t kHeavy = 5;
  constexpr std::uint64_t kPerHeavy = 1'000;
  constexpr std::uint32_t kOneOff = 10'000;
  LegacyClientTracker tracker({.top_k = 100});
  std::map<VersionDecision, std::uint64_t> recorded;
  const auto record = [&](config::AddressPrefix key, std::uint16_t version, Decision decision) {
    tracker.record(seen(key, version, decision));
    recorded[{version, decision}] += 1;
  };
  // Heavy clients are 1'000'000 and up, far from the one-off ones.
  for (std::uint32_t i = 0; i < kOneOff; ++i) {
    record(client(i), kTls10, Decision::would_reject);
    if (i % 2 == 0) record(client(1'000'000 + (i / 2) % kHeavy), kTls11, Decision::rejected);
  }
  ASSERT_EQ(tracker.total(), kHeavy * kPerHeavy + kOneOff);
  EXPECT_EQ(tracker.tracked(), 100u);
  const auto snapshot = tracker.snapshot();
  ASSERT_GE(snapshot.size(), kHeavy);
  // The heavy clients lead, each with count >= true count >= count - error.
  for (std::uint32_t i = 0; i < kHeavy; ++i) {
    const ClientStats& stats = snapshot[i];
    EXPECT_GE(stats.client, client(1'000'000)) << to_string(stats.client);
    EXPECT_GE(stats.count, kPerHeavy) << to_string(stats.client);
    EXPECT_LE(stats.count - stats.error, kPerHeavy) << to_string(stats.client);
  }
  // And every one of them is there (not one heavy client twice).
  std::vector<config::AddressPrefix> heavy;
  for (std::uint32_t i = 0; i < kHeavy; ++i) heavy.push_back(snapshot[i].client);
  std::sort(heavy.begin(), heavy.end());
  EXPECT_TRUE(std::adjacent_find(heavy.begin(), heavy.end()) == heavy.end());
  // No one-off client can look heavy: their estimates are at most min + 1 <= total/k + 1.
  for (std::size_t i = kHeavy; i < snapshot.size(); ++i) {
    EXPECT_LE(snapshot[i].count, tracker.total() / 100 + 1);
    EXPECT_LE(snapshot[i].count - snapshot[i].error, 1u);
  }
  expect_conserved(tracker, recorded);
}

TEST(LegacyClientTrackerTest, ConcurrentRecordsAreAllCounted) {
  constexpr int kThreads = 4;
  constexpr std::uint32_t kPerThread = 10'000;
  LegacyClientTracker tracker({.top_k = 100});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&tracker, t] {
      for (std::uint32_t i = 0; i < kPerThread; ++i) {
        // One in four handshakes is from a client every thread shares; the rest are from
        // clients of this thread only, mostly one-off.
        const config::AddressPrefix key =
            i % 4 == 0 ? client(0) : client(1 + static_cast<std::uint32_t>(t) * kPerThread + i);
        Observation observation =
            seen(key, i % 2 == 0 ? kTls10 : kTls11,
                 t % 2 == 0 ? Decision::rejected : Decision::would_reject, static_cast<int>(i));
        observation.server_name = i % 3 == 0 ? "a.example" : "b.example";
        observation.cipher = "AES128-SHA";
        tracker.record(observation);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(tracker.total(), static_cast<std::uint64_t>(kThreads) * kPerThread);
  EXPECT_EQ(tracker.tracked(), 100u);
  const std::map<VersionDecision, std::uint64_t> recorded{
      {{kTls10, Decision::rejected}, 10'000},
      {{kTls11, Decision::rejected}, 10'000},
      {{kTls10, Decision::would_reject}, 10'000},
      {{kTls11, Decision::would_reject}, 10'000}};
  expect_conserved(tracker, recorded);
  // The shared client (10,000 handshakes, far above total/k = 400) is tracked and leads.
  const auto snapshot = tracker.snapshot();
  ASSERT_FALSE(snapshot.empty());
  EXPECT_EQ(snapshot[0].client, client(0));
  EXPECT_GE(snapshot[0].count, 10'000u);
  EXPECT_LE(snapshot[0].count - snapshot[0].error, 10'000u);
  EXPECT_EQ(snapshot[0].server_names, (std::vector<std::string>{"a.example", "b.example"}));
}

}  // namespace
}  // namespace tlsfloor::metrics

namespace tlsfloor::metrics {
namespace {

// legacy_clients.key: certificate: one partner behind many addresses is one client, named by
// its certificate's subject; a client without one falls back to its address.
TEST(LegacyClientTrackerTest, ACertificateSubjectNamesOneClientBehindManyAddresses) {
  LegacyClientTracker tracker;
  LegacyClientTracker::CertificateSeen certificate{"CN=partner-a,O=Example", "CN=ca",  "0A",
                                                   std::string(64, 'f'),     at(1000), "verified"};
  for (std::uint32_t n = 1; n <= 3; ++n) {
    Observation observation = seen(client(n), kTls10, Decision::would_reject, static_cast<int>(n));
    observation.subject = certificate.subject;
    observation.certificate_seen = &certificate;
    tracker.record(observation);
  }
  tracker.record(seen(client(9), kTls10, Decision::rejected, 5));  // no certificate
  const auto snapshot = tracker.snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[0].count, 3u);
  EXPECT_EQ(client_label(snapshot[0]), "CN=partner-a,O=Example");
  EXPECT_EQ(snapshot[0].addresses, (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3"}));
  ASSERT_TRUE(snapshot[0].last_client_certificate);
  EXPECT_EQ(snapshot[0].last_client_certificate->serial, "0A");
  EXPECT_EQ(snapshot[0].last_client_certificate->result, "verified");
  EXPECT_EQ(client_label(snapshot[1]), "10.0.0.9");
  EXPECT_TRUE(snapshot[1].addresses.empty());
  EXPECT_FALSE(snapshot[1].last_client_certificate);
}

// The same worst case for clients named by their certificate (legacy_clients.key:
// certificate): the subject as the key, the last certificate's every text at its longest, and
// more addresses than are kept.
TEST(LegacyClientTrackerTest, ACertificateClientsEntryHoldsAtMostAFewKibibytesToo) {
  constexpr std::size_t kClients = 2000;
  const auto heap = [] { return test::heap_in_use(); };
  LegacyClientTracker tracker(LegacyClientTracker::Options{.top_k = kClients});
  const LongestValues longest_values;
  std::vector<std::string> subjects;
  for (std::size_t n = 0; n < kClients; ++n) {
    subjects.push_back(std::to_string(n) + std::string(2048, 'x'));  // cut when kept
  }
  const LegacyClientTracker::CertificateSeen longest{
      "", std::string(2048, 'i'), std::string(40, 'A'), std::string(64, 'f'), at(1000), "verified"};
  const std::size_t after_values = heap();
  for (std::uint32_t n = 0; n < kClients; ++n) {
    int k = 0;
    for (std::uint16_t version : {0, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304}) {
      for (Decision decision : {Decision::allowed_exception, Decision::rejected,
                                Decision::rejected_brownout, Decision::would_reject}) {
        LegacyClientTracker::CertificateSeen certificate = longest;
        certificate.subject = subjects[n];
        // A new address every time: more than are kept.
        Observation observation =
            seen(client(n * 32 + static_cast<std::uint32_t>(k)), version, decision, k);
        observation.subject = subjects[n];
        observation.certificate_seen = &certificate;
        longest_values.fill(observation, k);
        tracker.record(observation);
        ++k;
      }
    }
  }
  const std::size_t per_client = (heap() - after_values) / kClients;
  std::printf("worst-case entry keyed by certificate: %zu bytes per client\n", per_client);
  EXPECT_LE(per_client, 12u * 1024) << "the README states about 12 KiB per client";
  EXPECT_EQ(tracker.snapshot().size(), kClients);
}

}  // namespace
}  // namespace tlsfloor::metrics
