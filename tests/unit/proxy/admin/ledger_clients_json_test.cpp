// GET /legacy-clients?since=: the ledger's entries through the live view's filters and pages.
#include "proxy/admin/ledger_clients_json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tlsfloor::admin {
namespace {

using config::LegacyDecision;
using nlohmann::json;
using std::chrono::days;

const config::Timestamp kLedgerNow = config::parse_timestamp("2026-12-01T00:00:00Z").value();

class LedgerClientsJsonTest : public testing::Test {
 protected:
  void SetUp() override {
    record("api", "default", "192.0.2.1", 0x0301, "schannel-win7", "payments", 40);
    record("api", "shop", "192.0.2.2", 0x0302, "unknown", "", 20);
    record("web", "default", "192.0.2.3", 0x0301, "java7", "", 10);
  }
  void record(const char* listener, const char* route, const char* client, std::uint16_t version,
              const char* family, const char* owner, int days_ago) {
    ledger_.record({.listener = listener,
                    .route = route,
                    .client = client,
                    .version_wire = version,
                    .decision = LegacyDecision::would_reject,
                    .family = family,
                    .owner = owner,
                    .below_version = true,
                    .when = kLedgerNow - days(days_ago)});
  }
  json query(LegacyClientsFilter filter) {
    return json::parse(ledger_clients_json(ledger_.seen_since(kLedgerNow - *filter.since),
                                           ledger_.bounds(), filter, kLedgerNow));
  }
  static std::vector<std::string> clients(const json& document) {
    std::vector<std::string> names;
    for (const auto& client : document["clients"]) names.push_back(client["client"]);
    return names;
  }
  ledger::ClientLedger ledger_;
};

TEST_F(LedgerClientsJsonTest, TheClientsSeenInThatTimeMostRecentFirst) {
  const json all = query({.since = days(90)});
  EXPECT_EQ(all["source"], "ledger");
  EXPECT_EQ(all["since"], "2026-09-02T00:00:00.000Z");
  EXPECT_EQ(all["horizon_days"], 400);
  EXPECT_EQ(all["max_entries"], 10000);
  EXPECT_EQ(all["total_clients"], 3);
  EXPECT_EQ(clients(all), (std::vector<std::string>{"192.0.2.3", "192.0.2.2", "192.0.2.1"}));
  const json& first = all["clients"][2];
  EXPECT_EQ(first["listener"], "api");
  EXPECT_EQ(first["route"], "default");
  EXPECT_EQ(first["first_seen"], "2026-10-22T00:00:00.000Z");
  EXPECT_EQ(first["handshakes"], 1);
  EXPECT_EQ(first["by_version"], json::parse(R"({"TLS1.0": {"would_reject": 1}})"));
  // Families as the live view shows them: with what to do.
  EXPECT_EQ(first["families"][0]["family"], "schannel-win7");
  EXPECT_FALSE(first["families"][0]["advice"].get<std::string>().empty());
  EXPECT_EQ(first["owners"], json::array({"payments"}));
  EXPECT_EQ(first["below"], json::array({"version"}));
  EXPECT_EQ(clients(query({.since = days(30)})),
            (std::vector<std::string>{"192.0.2.3", "192.0.2.2"}));
}

TEST_F(LedgerClientsJsonTest, TheFiltersAndPagesOfTheLiveView) {
  EXPECT_EQ(clients(query({.listener = "api", .since = days(90)})),
            (std::vector<std::string>{"192.0.2.2", "192.0.2.1"}));
  EXPECT_EQ(clients(query({.route = "shop", .since = days(90)})),
            std::vector<std::string>{"192.0.2.2"});
  EXPECT_EQ(clients(query({.version = 0x0301, .since = days(90)})),
            (std::vector<std::string>{"192.0.2.3", "192.0.2.1"}));
  EXPECT_EQ(clients(query({.family = "java7", .since = days(90)})),
            std::vector<std::string>{"192.0.2.3"});
  EXPECT_EQ(clients(query({.owner = "payments", .since = days(90)})),
            std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(clients(query({.owner = "unowned", .since = days(90)})),
            (std::vector<std::string>{"192.0.2.3", "192.0.2.2"}));
  const json page = query({.since = days(90), .limit = 2, .offset = 1});
  EXPECT_EQ(clients(page), (std::vector<std::string>{"192.0.2.2", "192.0.2.1"}));
  EXPECT_EQ(page["next_offset"], nullptr);
  EXPECT_EQ(query({.since = days(90), .limit = 1})["next_offset"], 1);
}

}  // namespace
}  // namespace tlsfloor::admin
