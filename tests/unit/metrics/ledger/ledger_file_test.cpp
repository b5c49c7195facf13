// The client ledger's file: what is written reads back the same; anything else is refused with
// a reason, and a file of more entries than the bound keeps the most recently seen.
#include "metrics/ledger/ledger_file.h"

#include <gtest/gtest.h>

#include <string>

namespace tlsfloor::ledger {
namespace {

const config::Timestamp kSeenDay = config::parse_timestamp("2026-11-01T00:00:00Z").value();

LedgerRows two_clients() {
  ClientLedger ledger;
  LedgerFact fact{.listener = "api",
                  .route = "default",
                  .client = "192.0.2.7",
                  .version_wire = 0x0301,
                  .decision = config::LegacyDecision::would_reject,
                  .family = "java-7",
                  .owner = "payments",
                  .ja4 = "t10d1310h1_c9f8b8f3d2a1_0f5e3b6f3c2d",
                  .server_name = "api.example.com",
                  .below_version = true,
                  .below_groups = true,
                  .when = kSeenDay};
  ledger.record(fact);
  fact.decision = config::LegacyDecision::rejected;
  fact.when = kSeenDay + std::chrono::days(29);
  ledger.record(fact);
  fact.client = "CN=batch,O=Example";
  fact.route = "shop";
  fact.version_wire = 0;
  fact.owner = "";
  fact.server_name = "\xff\xfe";  // not UTF-8: replaced in the file, never a throw
  ledger.record(fact);
  return ledger.rows();
}

TEST(LedgerFileTest, WhatIsWrittenReadsBack) {
  const LedgerRows rows = two_clients();
  const std::string text = ledger_to_json(rows);
  // One entry a line, the counts by version and decision.
  EXPECT_NE(text.find("\"by_version\":{\"TLS1.0\":{\"rejected\":1,\"would_reject\":1}}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\"below\":[\"version\",\"groups\"]"), std::string::npos) << text;
  std::string error;
  std::size_t dropped = 99;
  const auto read = ledger_from_json(text, 10, &error, &dropped);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(dropped, 0u);
  ASSERT_EQ(read->size(), 2u);
  // Read back most recently seen first.
  for (const auto& row : *read) {
    const auto same =
        std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.first == row.first; });
    ASSERT_NE(same, rows.end());
    LedgerEntry expected = same->second;
    if (row.first.route == "shop") expected.server_names = {"\xEF\xBF\xBD\xEF\xBF\xBD"};
    EXPECT_EQ(row.second, expected) << row.first.client;
  }
  // And what was read writes the same text again.
  EXPECT_EQ(ledger_to_json(*read).size(), text.size());
}

TEST(LedgerFileTest, BeyondTheBoundTheMostRecentlySeenAreKept) {
  std::string error;
  std::size_t dropped = 0;
  const auto read = ledger_from_json(ledger_to_json(two_clients()), 1, &error, &dropped);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(dropped, 1u);
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ(read->front().second.last_seen, kSeenDay + std::chrono::days(29));
}

TEST(LedgerFileTest, AnythingElseIsRefusedWithAReason) {
  const std::string entry =
      R"({"listener":"api","route":"default","client":"192.0.2.7","first_seen":)"
      R"("2026-11-01T00:00:00.000Z","last_seen":"2026-11-02T00:00:00.000Z",)";
  const struct {
    std::string text;
    std::string reason;
  } cases[] = {
      {"", "not JSON"},
      {"[]", "not a version 1 client ledger"},
      {R"({"version": 2, "clients": []})", "not a version 1 client ledger"},
      {R"({"version": 1, "clients": {}})", "not a version 1 client ledger"},
      {R"({"version": 1, "clients": [{}]})", "an entry lacks listener"},
      {R"({"version": 1, "clients": [)" + entry + R"("by_version": []}]})",
       "an entry lacks by_version"},
      {R"({"version": 1, "clients": [)" + entry + R"("by_version": {"TLS9": {}}}]})",
       "unknown version TLS9"},
      {R"({"version": 1, "clients": [)" + entry +
           R"("by_version": {"TLS1.0": {"would_reject": -1}}}]})",
       "bad count for TLS1.0 would_reject"},
      {R"({"version": 1, "clients": [)" + entry + R"("by_version": {"TLS1.0": {"let_in": 1}}}]})",
       "bad count for TLS1.0 let_in"},
      {R"({"version": 1, "clients": [)" + entry + R"("by_version": {}, "owners": "x"}]})",
       "an entry's families, owners, fingerprints or server_names is not a list of strings"},
      {R"({"version": 1, "clients": [{"listener":"api","route":"default","client":"x",)"
       R"("first_seen":"2026-11-03T00:00:00Z","last_seen":"2026-11-02T00:00:00Z",)"
       R"("by_version": {}}]})",
       "an entry's first_seen or last_seen is not a time, or the first is after the last"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(ledger_from_json(c.text, 10, &error)) << c.text;
    EXPECT_EQ(error, c.reason) << c.text;
  }
  // The smallest valid entry.
  std::string error;
  const auto read = ledger_from_json(
      R"({"version": 1, "clients": [)" + entry + R"("by_version": {}}]})", 10, &error);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(read->at(0).second.handshakes(), 0u);
}

}  // namespace
}  // namespace tlsfloor::ledger
