#include "proxy/admin/legacy_clients_json.h"
#include "proxy/families/family_matcher.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tlsfloor::admin {
namespace {

using namespace std::chrono;
using config::LegacyDecision;
using metrics::LegacyClientTracker;
using metrics::ListenerLegacyClients;
using nlohmann::json;

config::Timestamp at(int second) {
  return sys_days{year{2026} / 11 / 22} + hours{10} + seconds{second};
}

void record(LegacyClientTracker& tracker, const char* address, std::uint16_t version,
            LegacyDecision decision, int second, const char* sni = "", const char* ja4 = "",
            const char* cipher = "", const char* route = "default", const char* failure = "",
            const char* family = "", const char* owner = "") {
  LegacyClientTracker::Observation observation;
  observation.family = family;
  observation.owner = owner;
  observation.failure = failure;
  observation.client = config::parse_address(address).value();
  observation.version_wire = version;
  observation.decision = decision;
  observation.server_name = sni;
  observation.ja4 = ja4;
  observation.cipher = cipher;
  observation.route = route;
  observation.when = at(second);
  tracker.record(observation);
}

class LegacyClientsJsonTest : public testing::Test {
 protected:
  void SetUp() override {
    record(api_, "192.0.2.1", 0x0301, LegacyDecision::rejected, 1, "a.example", "t10d1", "",
           "default", "unsupported_version", "schannel-win7", "payments");
    record(api_, "192.0.2.1", 0x0301, LegacyDecision::rejected, 5, "b.example", "t10d1", "", "shop",
           "unsupported_version", "unknown");
    record(api_, "192.0.2.2", 0x0302, LegacyDecision::would_reject, 2, "", "t11i2",
           "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
    record(web_, "2001:db8::7", 0x0302, LegacyDecision::would_reject, 3);
    record(web_, "2001:db8::7", 0x0302, LegacyDecision::would_reject, 4);
    record(web_, "2001:db8::7", 0x0301, LegacyDecision::would_reject, 4);
  }

  json query(LegacyClientsFilter filter = {}) {
    const auto text = legacy_clients_json(
        {{"api", 1000, api_.contents()}, {"web", 1000, web_.contents()}}, filter, at(60));
    EXPECT_TRUE(text.has_value());
    return json::parse(text.value_or("null"));
  }

  LegacyClientTracker api_;
  LegacyClientTracker web_;
};

TEST_F(LegacyClientsJsonTest, EveryFieldOfEveryClientHeaviestFirst) {
  const json doc = query();
  EXPECT_EQ(doc["generated_at"], "2026-11-22T10:01:00.000Z");
  ASSERT_EQ(doc["listeners"].size(), 2u);
  EXPECT_EQ(doc["listeners"][0],
            json::parse(R"({"listener":"api","top_k":1000,"tracked":2,"handshakes":3,
                "other":{"handshakes":0,"by_version":{},"first_seen":null,"last_seen":null}})"));
  ASSERT_EQ(doc["clients"].size(), 3u);
  // Ties on handshakes (two each) are ordered by listener, then client.
  EXPECT_EQ(doc["clients"][0]["client"], "2001:db8::7");
  EXPECT_EQ(doc["clients"][0]["handshakes"], 3);
  json expected = json::parse(R"({"listener":"api","client":"192.0.2.1","handshakes":2,
                "overcount_bound":0,"by_version":{"TLS1.0":{"rejected":2}},
                "first_seen":"2026-11-22T10:00:01.000Z","last_seen":"2026-11-22T10:00:05.000Z",
                "server_names":["a.example","b.example"],"routes":["default","shop"],
                "ja4":["t10d1"],"families":[
                  {"family":"schannel-win7","name":"FAMILY_NAME","advice":"FAMILY_ADVICE",
                   "link":"FAMILY_LINK"},
                  {"family":"unknown","name":null,"advice":null,"link":null}],
                "owners":["payments"],"last_cipher":null,"last_certificate":null,
                "last_group":null,"offered_groups":[],"key_share_groups":[],"pq_offered":false,
                "below":["version"],"failures":{"unsupported_version":2},
                "client_certificate":null})");
  // A family is named with what to do about it, from the table.
  const families::Family* win7 = families::find_family("schannel-win7");
  ASSERT_NE(win7, nullptr);
  expected["families"][0]["name"] = win7->name;
  expected["families"][0]["advice"] = win7->advice;
  expected["families"][0]["link"] = win7->link;
  EXPECT_EQ(doc["clients"][1], expected);
  EXPECT_EQ(doc["clients"][2]["client"], "192.0.2.2");
  EXPECT_EQ(doc["clients"][2]["last_cipher"], "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
  EXPECT_EQ(doc["clients"][2]["server_names"], json::array());
  EXPECT_EQ(doc["clients"][2]["failures"], json::object()) << "its handshake completed";
  EXPECT_EQ(doc["total_clients"], 3);
  EXPECT_EQ(doc["offset"], 0);
  EXPECT_EQ(doc["limit"], LegacyClientsFilter::kDefaultPage);
  EXPECT_EQ(doc["next_offset"], nullptr);
  EXPECT_EQ(doc["clients"][0]["by_version"],
            json::parse(R"({"TLS1.0":{"would_reject":1},"TLS1.1":{"would_reject":2}})"));
}

TEST_F(LegacyClientsJsonTest, NamesTheKeyExchangeOfAClientBelowTheGroupsFloor) {
  LegacyClientTracker tracker;
  const std::vector<std::uint16_t> offered{0x0019, 0x11ee};
  const std::vector<std::uint16_t> shares{0x0019};
  LegacyClientTracker::Observation observation;
  observation.client = config::parse_address("198.51.100.9").value();
  observation.version_wire = 0x0304;
  observation.below_version = false;
  observation.below_groups = true;
  observation.offered_groups = offered;
  observation.key_share_groups = shares;
  observation.group = 0x0019;
  observation.when = at(9);
  tracker.record(observation);
  const auto text = legacy_clients_json({{"edge", 1000, tracker.contents()}}, {}, at(60));
  ASSERT_TRUE(text.has_value());
  const json client = json::parse(*text)["clients"][0];
  EXPECT_EQ(client["below"], json::parse(R"(["groups"])"));
  EXPECT_EQ(client["offered_groups"], json::parse(R"(["P-521","0x11ee"])"));
  EXPECT_EQ(client["key_share_groups"], json::parse(R"(["P-521"])"));
  EXPECT_EQ(client["last_group"], "P-521");
  EXPECT_EQ(client["pq_offered"], false);
}

TEST_F(LegacyClientsJsonTest, FiltersByRoute) {
  const json doc = query({.route = "shop"});
  ASSERT_EQ(doc["clients"].size(), 1u);
  EXPECT_EQ(doc["clients"][0]["client"], "192.0.2.1");
  EXPECT_EQ(query({.route = "default"})["clients"].size(), 3u);
  EXPECT_EQ(query({.route = "nowhere"})["clients"].size(), 0u);
}

TEST_F(LegacyClientsJsonTest, FiltersByFamily) {
  const json doc = query({.family = "schannel-win7"});
  ASSERT_EQ(doc["clients"].size(), 1u);
  EXPECT_EQ(doc["clients"][0]["client"], "192.0.2.1");
  EXPECT_EQ(doc["total_clients"], 1);
  EXPECT_EQ(query({.family = "unknown"})["clients"].size(), 1u);
  EXPECT_EQ(query({.family = "java6"})["clients"].size(), 0u);
}

TEST_F(LegacyClientsJsonTest, FiltersByOwner) {
  const json doc = query({.owner = "payments"});
  ASSERT_EQ(doc["clients"].size(), 1u);
  EXPECT_EQ(doc["clients"][0]["client"], "192.0.2.1");
  // "unowned": the clients no owner matched.
  EXPECT_EQ(query({.owner = "unowned"})["total_clients"], 2);
  EXPECT_EQ(query({.owner = "billing"})["clients"].size(), 0u);
}

TEST_F(LegacyClientsJsonTest, FiltersByListener) {
  const json doc = query({.listener = "api", .version = std::nullopt});
  ASSERT_EQ(doc["listeners"].size(), 1u);
  EXPECT_EQ(doc["listeners"][0]["listener"], "api");
  ASSERT_EQ(doc["clients"].size(), 2u);
  EXPECT_EQ(doc["clients"][0]["listener"], "api");
  EXPECT_EQ(doc["clients"][1]["listener"], "api");
  EXPECT_FALSE(legacy_clients_json({{"api", 1000, api_.contents()}},
                                   {.listener = "nope", .version = std::nullopt}, at(0))
                   .has_value());
}

TEST_F(LegacyClientsJsonTest, FiltersAndOrdersByVersion) {
  const json doc = query({.version = 0x0301});
  ASSERT_EQ(doc["clients"].size(), 2u);
  // 192.0.2.1 has two TLS 1.0 handshakes, 2001:db8::7 one (and two at TLS 1.1).
  EXPECT_EQ(doc["clients"][0]["client"], "192.0.2.1");
  EXPECT_EQ(doc["clients"][1]["client"], "2001:db8::7");
  EXPECT_EQ(query({.version = 0x0300})["clients"], json::array());
}

TEST_F(LegacyClientsJsonTest, PagesThroughTheClientsInOrder) {
  const json first = query({.limit = 2});
  ASSERT_EQ(first["clients"].size(), 2u);
  EXPECT_EQ(first["total_clients"], 3);
  EXPECT_EQ(first["next_offset"], 2);
  EXPECT_EQ(first["clients"][0]["client"], "2001:db8::7");
  const json second = query({.limit = 2, .offset = 2});
  ASSERT_EQ(second["clients"].size(), 1u);
  EXPECT_EQ(second["clients"][0]["client"], "192.0.2.2");
  EXPECT_EQ(second["next_offset"], nullptr);
  // Past the end: an empty page, not an error. Over the most a page holds: the most.
  EXPECT_EQ(query({.offset = 9})["clients"], json::array());
  EXPECT_EQ(query({.limit = 5000})["limit"], LegacyClientsFilter::kMaxPage);
}

TEST_F(LegacyClientsJsonTest, OtherHoldsEvictedClients) {
  LegacyClientTracker small(LegacyClientTracker::Options{.top_k = 1});
  record(small, "192.0.2.1", 0x0301, LegacyDecision::rejected, 1);
  record(small, "192.0.2.2", 0x0301, LegacyDecision::rejected, 2);  // evicts .1 into other
  const json doc = json::parse(*legacy_clients_json({{"api", 1, small.contents()}}, {}, at(60)));
  EXPECT_EQ(doc["listeners"][0]["other"],
            json::parse(R"({"handshakes":1,"by_version":{"TLS1.0":{"rejected":1}},
                "first_seen":"2026-11-22T10:00:01.000Z","last_seen":"2026-11-22T10:00:01.000Z"})"));
  ASSERT_EQ(doc["clients"].size(), 1u);
  EXPECT_EQ(doc["clients"][0]["handshakes"], 2);
  EXPECT_EQ(doc["clients"][0]["overcount_bound"], 1);
}

}  // namespace
}  // namespace tlsfloor::admin
