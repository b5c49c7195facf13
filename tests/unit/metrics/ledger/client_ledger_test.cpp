// The client ledger: who was seen, per listener, route and client, for months; bounded in entries
// (least recently seen evicted first, counted) and each entry in bytes; expired past its horizon.
#include "metrics/ledger/client_ledger.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "config/bounded_text.h"
#include "tests/support/heap.h"

namespace tlsfloor::ledger {
namespace {

using config::LegacyDecision;
using std::chrono::days;
using std::chrono::hours;

const config::Timestamp kDay0 = config::parse_timestamp("2026-11-01T00:00:00Z").value();

LedgerFact fact(std::string_view client, config::Timestamp when, std::uint16_t version = 0x0301,
                LegacyDecision decision = LegacyDecision::would_reject) {
  return {.listener = "api",
          .route = "default",
          .client = client,
          .version_wire = version,
          .decision = decision,
          .family = "java-7",
          .owner = "payments",
          .ja4 = "t10d1310h1_c9f8b8f3d2a1_0f5e3b6f3c2d",
          .server_name = "api.example.com",
          .below_version = true,
          .when = when};
}

TEST(ClientLedgerTest, AClientsHandshakesAreCountedByVersionAndDecisionBetweenFirstAndLastSeen) {
  ClientLedger ledger;
  ledger.record(fact("192.0.2.7", kDay0 + days(2)));
  ledger.record(fact("192.0.2.7", kDay0, 0x0302, LegacyDecision::rejected));
  ledger.record(fact("192.0.2.7", kDay0 + days(1), 0x9a9a));  // an invented version: unknown
  const LedgerRows rows = ledger.rows();
  ASSERT_EQ(rows.size(), 1u);
  const auto& [key, entry] = rows[0];
  EXPECT_EQ(key, (LedgerKey{"api", "default", "192.0.2.7"}));
  EXPECT_EQ(entry.first_seen, kDay0) << "recorded out of order, the earliest is kept";
  EXPECT_EQ(entry.last_seen, kDay0 + days(2));
  EXPECT_EQ(entry.handshakes(), 3u);
  const auto would_reject = static_cast<std::size_t>(LegacyDecision::would_reject);
  const auto rejected = static_cast<std::size_t>(LegacyDecision::rejected);
  EXPECT_EQ(entry.counts[config::wire_version_index(0x0301)][would_reject], 1u);
  EXPECT_EQ(entry.counts[config::wire_version_index(0x0302)][rejected], 1u);
  EXPECT_EQ(entry.counts[0][would_reject], 1u);
  EXPECT_EQ(entry.families, std::vector<std::string>{"java-7"});
  EXPECT_EQ(entry.owners, std::vector<std::string>{"payments"});
  EXPECT_TRUE(entry.below_version);
  EXPECT_FALSE(entry.below_ciphers);
}

TEST(ClientLedgerTest, ListenersRoutesAndClientsAreEntriesOfTheirOwn) {
  ClientLedger ledger;
  LedgerFact other_route = fact("192.0.2.7", kDay0);
  other_route.route = "shop";
  LedgerFact other_listener = fact("192.0.2.7", kDay0);
  other_listener.listener = "web";
  ledger.record(fact("192.0.2.7", kDay0));
  ledger.record(other_route);
  ledger.record(other_listener);
  ledger.record(fact("192.0.2.8", kDay0));
  EXPECT_EQ(ledger.counters().entries, 4u);
}

TEST(ClientLedgerTest, TheLeastRecentlySeenIsEvictedForRoomAndCounted) {
  ClientLedger ledger({.max_entries = 3});
  ledger.record(fact("192.0.2.1", kDay0 + days(1)));
  ledger.record(fact("192.0.2.2", kDay0));
  ledger.record(fact("192.0.2.3", kDay0 + days(2)));
  // .2 is the least recently seen: a newcomer takes its place, though .2 came second.
  ledger.record(fact("192.0.2.4", kDay0 + days(3)));
  std::vector<std::string> clients;
  for (const auto& [key, entry] : ledger.rows()) clients.push_back(key.client);
  EXPECT_EQ(clients, (std::vector<std::string>{"192.0.2.1", "192.0.2.3", "192.0.2.4"}));
  EXPECT_EQ(ledger.counters().evicted, 1u);
  // Seen again, .1 is the most recent: the next newcomer evicts .3.
  ledger.record(fact("192.0.2.1", kDay0 + days(4)));
  ledger.record(fact("192.0.2.5", kDay0 + days(5)));
  clients.clear();
  for (const auto& [key, entry] : ledger.rows()) clients.push_back(key.client);
  EXPECT_EQ(clients, (std::vector<std::string>{"192.0.2.1", "192.0.2.4", "192.0.2.5"}));
  EXPECT_EQ(ledger.counters().evicted, 2u);
  // A smaller bound (a reload) evicts at once, least recently seen first.
  ledger.set_bounds({.max_entries = 1});
  ASSERT_EQ(ledger.rows().size(), 1u);
  EXPECT_EQ(ledger.rows()[0].first.client, "192.0.2.5");
  EXPECT_EQ(ledger.counters().evicted, 4u);
  // 0 keeps nothing.
  ledger.set_bounds({.max_entries = 0});
  ledger.record(fact("192.0.2.6", kDay0 + days(6)));
  EXPECT_EQ(ledger.counters().entries, 0u);
}

TEST(ClientLedgerTest, EntriesNotSeenWithinTheHorizonExpire) {
  ClientLedger ledger({.horizon = days(30)});
  ledger.record(fact("192.0.2.1", kDay0));
  ledger.record(fact("192.0.2.2", kDay0 + days(10)));
  EXPECT_EQ(ledger.expire(kDay0 + days(30)), 0u) << "exactly the horizon old: kept";
  EXPECT_EQ(ledger.expire(kDay0 + days(30) + hours(1)), 1u);
  ASSERT_EQ(ledger.rows().size(), 1u);
  EXPECT_EQ(ledger.rows()[0].first.client, "192.0.2.2");
  EXPECT_EQ(ledger.counters().expired, 1u);
  EXPECT_EQ(ledger.counters().evicted, 0u);
}

TEST(ClientLedgerTest, SeenSinceListsTheMostRecentlySeenFirst) {
  ClientLedger ledger;
  ledger.record(fact("192.0.2.1", kDay0));
  ledger.record(fact("192.0.2.3", kDay0 + days(20)));
  ledger.record(fact("192.0.2.2", kDay0 + days(20)));
  ledger.record(fact("192.0.2.4", kDay0 + days(5)));
  std::vector<std::string> clients;
  for (const auto& [key, entry] : ledger.seen_since(kDay0 + days(5))) clients.push_back(key.client);
  // Equal times by key.
  EXPECT_EQ(clients, (std::vector<std::string>{"192.0.2.2", "192.0.2.3", "192.0.2.4"}));
}

TEST(ClientLedgerTest, RestoredEntriesMergeWithWhatWasRecordedAndKeepTheBound) {
  ClientLedger ledger({.max_entries = 2});
  ledger.record(fact("192.0.2.1", kDay0 + days(10)));
  LedgerEntry remembered;
  remembered.first_seen = kDay0;
  remembered.last_seen = kDay0 + days(1);
  remembered.counts[config::wire_version_index(0x0301)][0] = 5;
  remembered.families = {"schannel-7"};
  LedgerEntry older = remembered;
  older.last_seen = kDay0;
  ledger.restore({{{"api", "default", "192.0.2.1"}, remembered},
                  {{"api", "default", "192.0.2.9"}, older},
                  {{"api", "default", "192.0.2.8"}, remembered}});
  const LedgerRows rows = ledger.rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].first.client, "192.0.2.1");
  EXPECT_EQ(rows[0].second.first_seen, kDay0);
  EXPECT_EQ(rows[0].second.last_seen, kDay0 + days(10));
  EXPECT_EQ(rows[0].second.handshakes(), 6u);
  EXPECT_EQ(rows[0].second.families, (std::vector<std::string>{"java-7", "schannel-7"}));
  EXPECT_EQ(rows[1].first.client, "192.0.2.8");
  EXPECT_EQ(ledger.counters().evicted, 1u);
}

TEST(ClientLedgerTest, AnEntrysValuesAreTheFirstFewEachCut) {
  ClientLedger ledger;
  const std::string long_name(1000, 'a');
  for (int i = 0; i < 10; ++i) {
    LedgerFact f = fact("192.0.2.1", kDay0);
    const std::string name = std::to_string(i) + long_name;
    f.server_name = name;
    ledger.record(f);
  }
  const LedgerEntry entry = ledger.rows().at(0).second;
  ASSERT_EQ(entry.server_names.size(), kMaxValuesPerEntry);
  EXPECT_EQ(entry.server_names[0], ("0" + long_name).substr(0, config::kMaxClientText));
  EXPECT_EQ(entry.server_names[3].front(), '3');
}

// What the README states of an entry at its worst: every version and decision, the most values
// of each kind at their longest, the longest key.
TEST(ClientLedgerTest, AnEntryHoldsAtMostAFewKibibytes) {
  constexpr std::size_t kClients = 2000;
  const std::size_t before = test::heap_in_use();
  {
    ClientLedger ledger({.max_entries = kClients});
    std::vector<std::string> values;
    for (int i = 0; i < 4; ++i) values.push_back(std::to_string(i) + std::string(300, 'v'));
    const std::string listener(255, 'l');
    const std::string route(255, 'r');
    const std::size_t after_values = test::heap_in_use();
    for (std::size_t n = 0; n < kClients; ++n) {
      const std::string client = std::to_string(n) + std::string(300, 'c');
      int k = 0;
      for (std::uint16_t version : {0, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304}) {
        for (LegacyDecision decision :
             {LegacyDecision::allowed_exception, LegacyDecision::rejected,
              LegacyDecision::rejected_brownout, LegacyDecision::would_reject}) {
          LedgerFact f = fact(client, kDay0 + std::chrono::seconds(n), version, decision);
          f.listener = listener;
          f.route = route;
          f.family = f.owner = f.ja4 = f.server_name = values[k++ % 4];
          ledger.record(f);
        }
      }
    }
    const std::size_t per_client = (test::heap_in_use() - after_values) / kClients;
    std::printf("worst-case ledger entry: %zu bytes\n", per_client);
    EXPECT_LE(per_client, 7u * 1024) << "the README states at most 7 KiB per entry";
  }
  EXPECT_LE(test::heap_in_use(), before + 64 * 1024) << "everything is given back";
}

}  // namespace
}  // namespace tlsfloor::ledger
