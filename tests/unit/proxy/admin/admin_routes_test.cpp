#include "proxy/admin/admin_routes.h"

#include "proxy/families/family_matcher.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <vector>

namespace tlsfloor::admin {
namespace {

class AdminRoutesTest : public testing::Test {
 protected:
  bool serving_ = true;
  std::vector<LegacyClientsFilter> filters_seen_;
  AdminState state_{[] { return std::string("tlsfloor_up 1\n"); }, [this] { return serving_; },
                    [this](const LegacyClientsFilter& filter) -> std::optional<std::string> {
                      filters_seen_.push_back(filter);
                      if (filter.listener && *filter.listener != "api") return std::nullopt;
                      return std::string("{}\n");
                    },
                    [] { return std::string("{\"exceptions\":[]}\n"); },
                    [this] {
                      ++reloads_;
                      return reload_ok_ ? ReloadOutcome{true, "configuration reloaded\n"}
                                        : ReloadOutcome{false, "t.yaml:3:5: bad\n"};
                    }};
  int reloads_ = 0;
  bool reload_ok_ = true;
};

TEST_F(AdminRoutesTest, ExceptionsAreJson) {
  const auto response = route(state_, "GET", "/exceptions");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, "{\"exceptions\":[]}\n");
  EXPECT_EQ(route(state_, "POST", "/exceptions").status, 405u);
}

TEST_F(AdminRoutesTest, ReloadIsAPost) {
  const auto ok = route(state_, "POST", "/reload");
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, "configuration reloaded\n");
  reload_ok_ = false;
  const auto refused = route(state_, "POST", "/reload");
  EXPECT_EQ(refused.status, 422u);
  EXPECT_EQ(refused.body, "t.yaml:3:5: bad\n");
  const auto get = route(state_, "GET", "/reload");
  EXPECT_EQ(get.status, 405u);
  EXPECT_EQ(get.allow, "POST");
  EXPECT_EQ(reloads_, 2) << "a GET must not reload";
  serving_ = false;
  EXPECT_EQ(route(state_, "POST", "/reload").status, 503u);
  EXPECT_EQ(reloads_, 2);
}

TEST_F(AdminRoutesTest, LegacyClientsPassesTheFilter) {
  const auto all = route(state_, "GET", "/legacy-clients");
  EXPECT_EQ(all.status, 200u);
  EXPECT_EQ(all.content_type, "application/json");
  EXPECT_EQ(all.body, "{}\n");
  const auto filtered = route(state_, "GET", "/legacy-clients?listener=api&version=TLS1.0");
  EXPECT_EQ(filtered.status, 200u);
  ASSERT_EQ(filters_seen_.size(), 2u);
  EXPECT_EQ(filters_seen_[0].listener, std::nullopt);
  EXPECT_EQ(filters_seen_[0].version, std::nullopt);
  EXPECT_EQ(filters_seen_[1].listener, "api");
  EXPECT_EQ(filters_seen_[1].version, 0x0301);
  // Percent-escapes are decoded; SSL 3.0 can be asked for too.
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?listener=%61pi&version=SSL3.0").status, 200u);
  EXPECT_EQ(filters_seen_[2].listener, "api");
  EXPECT_EQ(filters_seen_[2].version, 0x0300);
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?family=java6").status, 200u);
  EXPECT_EQ(filters_seen_[3].family, "java6");
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?family=unknown").status, 200u);
  EXPECT_EQ(filters_seen_[4].family, "unknown");
}

TEST_F(AdminRoutesTest, LegacyClientsArePagedByLimitAndOffset) {
  EXPECT_EQ(route(state_, "GET", "/legacy-clients").status, 200u);
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?limit=1000&offset=2000").status, 200u);
  ASSERT_EQ(filters_seen_.size(), 2u);
  EXPECT_EQ(filters_seen_[0].limit, LegacyClientsFilter::kDefaultPage);
  EXPECT_EQ(filters_seen_[0].offset, 0u);
  EXPECT_EQ(filters_seen_[1].limit, 1000u);
  EXPECT_EQ(filters_seen_[1].offset, 2000u);
}

TEST_F(AdminRoutesTest, SinceAsksTheLedgerForThatTime) {
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?since=90d&owner=payments").status, 200u);
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?since=3650d").status, 200u);
  ASSERT_EQ(filters_seen_.size(), 2u);
  EXPECT_EQ(filters_seen_[0].since, std::chrono::days(90));
  EXPECT_EQ(filters_seen_[0].owner, "payments");
  EXPECT_EQ(filters_seen_[1].since, std::chrono::days(3650));
  for (const char* bad : {"3651d", "0d", "90", "-1d", "1.5d", ""}) {
    const auto refused = route(state_, "GET", std::string("/legacy-clients?since=") + bad);
    EXPECT_EQ(refused.status, 400u) << bad;
    EXPECT_EQ(refused.body, std::string("invalid since \"") + bad +
                                "\" (expected a duration up to 3650d, e.g. 90d or 12h)\n");
  }
  EXPECT_EQ(filters_seen_.size(), 2u);
}

TEST_F(AdminRoutesTest, FamiliesListsTheWholeTableWithWhatToDo) {
  const auto answer = route(state_, "GET", "/families");
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.content_type, "application/json");
  const auto doc = nlohmann::json::parse(answer.body);
  ASSERT_EQ(doc["families"].size(), families::all_families().size());
  for (const auto& family : doc["families"]) {
    EXPECT_FALSE(family["name"].get<std::string>().empty()) << family;
    EXPECT_FALSE(family["advice"].get<std::string>().empty()) << family;
    EXPECT_TRUE(family["link"].get<std::string>().starts_with("https://")) << family;
  }
  EXPECT_EQ(doc["unknown_below"], families::kUnknownBelow);
  EXPECT_EQ(route(state_, "POST", "/families").status, 405u);
}

TEST_F(AdminRoutesTest, LegacyClientsRefusesWhatItCannotAnswer) {
  const auto unknown_listener = route(state_, "GET", "/legacy-clients?listener=web");
  EXPECT_EQ(unknown_listener.status, 404u);
  EXPECT_EQ(unknown_listener.body, "no listener named \"web\"\n");
  const auto bad_version = route(state_, "GET", "/legacy-clients?version=TLS1.4");
  EXPECT_EQ(bad_version.status, 400u);
  EXPECT_EQ(bad_version.body,
            "invalid version \"TLS1.4\" (expected one of: SSL3.0, TLS1.0, TLS1.1, TLS1.2, "
            "TLS1.3)\n");
  const auto unknown = route(state_, "GET", "/legacy-clients?clients=10");
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(unknown.body,
            "unknown parameter \"clients\" (expected: listener, route, version, family, owner, "
            "since, limit, offset)\n");
  const auto bad_family = route(state_, "GET", "/legacy-clients?family=windows");
  EXPECT_EQ(bad_family.status, 400u);
  EXPECT_EQ(bad_family.body, "unknown family \"windows\" (GET /families lists them)\n");
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?limit=0").status, 400u);
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?limit=1001").body,
            "invalid limit \"1001\" (expected 1 to 1000)\n");
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?offset=-1").status, 400u);
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?offset=1e3").status, 400u);
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?listener=%6").status, 400u);
  EXPECT_EQ(route(state_, "GET", "/legacy-clients?listener=%zz").status, 400u);
  EXPECT_EQ(route(state_, "POST", "/legacy-clients").status, 405u);
}

TEST_F(AdminRoutesTest, MetricsAreServedInTheExpositionFormat) {
  const auto response = route(state_, "GET", "/metrics");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response.body, "tlsfloor_up 1\n");
}

TEST_F(AdminRoutesTest, QueryStringsAreIgnored) {
  EXPECT_EQ(route(state_, "GET", "/metrics?name[]=x").status, 200u);
  EXPECT_EQ(route(state_, "GET", "/healthz?probe=1").status, 200u);
}

TEST_F(AdminRoutesTest, HealthTurnsUnavailableWhileDraining) {
  EXPECT_EQ(route(state_, "GET", "/healthz").body, "ok\n");
  serving_ = false;
  const auto response = route(state_, "GET", "/healthz");
  EXPECT_EQ(response.status, 503u);
  EXPECT_EQ(response.body, "draining\n");
}

TEST_F(AdminRoutesTest, LivenessHoldsWhileDraining) {
  // A liveness probe must not fail during a drain, or the process is killed mid-drain.
  EXPECT_EQ(route(state_, "GET", "/livez").status, 200u);
  serving_ = false;
  const auto draining = route(state_, "GET", "/livez");
  EXPECT_EQ(draining.status, 200u);
  EXPECT_EQ(draining.body, "ok (draining)\n");
  EXPECT_EQ(route(state_, "POST", "/livez").status, 405u);
}

TEST_F(AdminRoutesTest, OtherMethodsAndPathsAreRefused) {
  const auto post = route(state_, "POST", "/metrics");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.allow, "GET");
  EXPECT_EQ(route(state_, "DELETE", "/healthz").status, 405u);
  EXPECT_EQ(route(state_, "GET", "/").status, 404u);
  EXPECT_EQ(route(state_, "GET", "/metricsx").status, 404u);
}

}  // namespace
}  // namespace tlsfloor::admin
