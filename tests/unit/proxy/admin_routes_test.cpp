#include "proxy/admin_routes.h"

#include <gtest/gtest.h>

namespace tlsfloor::proxy {
namespace {

class AdminRoutesTest : public testing::Test {
 protected:
  bool serving_ = true;
  AdminState state_{[] { return std::string("tlsfloor_up 1\n"); }, [this] { return serving_; }};
};

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

TEST_F(AdminRoutesTest, OtherMethodsAndPathsAreRefused) {
  const auto post = route(state_, "POST", "/metrics");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.allow, "GET");
  EXPECT_EQ(route(state_, "DELETE", "/healthz").status, 405u);
  EXPECT_EQ(route(state_, "GET", "/").status, 404u);
  EXPECT_EQ(route(state_, "GET", "/metricsx").status, 404u);
}

}  // namespace
}  // namespace tlsfloor::proxy
