#include "proxy/policy/route_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tlsfloor::policy {
namespace {

config::RouteConfig route(std::vector<std::string> names) {
  config::RouteConfig route;
  route.server_names = std::move(names);
  return route;
}

class RouteTableTest : public testing::Test {
 protected:
  // 1: exact names; 2: a wildcard; 3: a longer wildcard inside 2's; 4: an exact name inside 2's.
  RouteTable table_{std::vector<config::RouteConfig>{
      route({"legacy.example.com", "old.example.org"}),
      route({"*.example.com"}),
      route({"*.old.example.com"}),
      route({"shop.example.com"}),
  }};
};

TEST_F(RouteTableTest, ExactNamesMatchCaseInsensitivelyWithOrWithoutTheTrailingDot) {
  EXPECT_EQ(table_.match("legacy.example.com"), 1u);
  EXPECT_EQ(table_.match("LEGACY.Example.COM"), 1u);
  EXPECT_EQ(table_.match("legacy.example.com."), 1u);
  EXPECT_EQ(table_.match("old.example.org"), 1u);
  EXPECT_EQ(table_.match("shop.example.com"), 4u);
}

TEST_F(RouteTableTest, AnExactNameBeatsAWildcardAndALongerWildcardAShorterOne) {
  EXPECT_EQ(table_.match("www.example.com"), 2u);
  EXPECT_EQ(table_.match("a.b.example.com"), 2u);  // a wildcard covers any depth
  EXPECT_EQ(table_.match("x.old.example.com"), 3u);
  EXPECT_EQ(table_.match("y.x.old.example.com"), 3u);
  EXPECT_EQ(table_.match("old.example.com"), 2u);  // *.old... needs a label before "old"
  EXPECT_EQ(table_.match("shop.example.com"), 4u);
}

TEST_F(RouteTableTest, NoSniAnIpLiteralOrNoMatchGetTheDefaultRoute) {
  EXPECT_EQ(table_.match(""), RouteTable::kDefault);
  EXPECT_EQ(table_.match("."), RouteTable::kDefault);
  EXPECT_EQ(table_.match("example.com"), RouteTable::kDefault);  // the wildcard needs a label
  EXPECT_EQ(table_.match("example.net"), RouteTable::kDefault);
  EXPECT_EQ(table_.match("notexample.com"), RouteTable::kDefault);
  EXPECT_EQ(table_.match("192.0.2.1"), RouteTable::kDefault);
  EXPECT_EQ(table_.match("2001:db8::1"), RouteTable::kDefault);
  EXPECT_EQ(table_.match(std::string(254, 'a')), RouteTable::kDefault);
  EXPECT_EQ(table_.match(std::string(300, 'a') + ".example.com"), RouteTable::kDefault);
}

TEST(RouteTableEmptyTest, EveryClientGetsTheDefaultRoute) {
  const RouteTable table;
  EXPECT_EQ(table.match("legacy.example.com"), RouteTable::kDefault);
}

TEST(RouteTableManyTest, AThousandRoutesEachMatchTheirOwnNames) {
  std::vector<config::RouteConfig> routes;
  for (int i = 0; i < 1000; ++i) {
    routes.push_back(route({"host" + std::to_string(i) + ".example.com",
                            "*.zone" + std::to_string(i) + ".example.net"}));
  }
  const RouteTable table(routes);
  for (std::size_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(table.match("host" + std::to_string(i) + ".example.com"), i + 1);
    EXPECT_EQ(table.match("a.zone" + std::to_string(i) + ".example.net"), i + 1);
  }
}

}  // namespace
}  // namespace tlsfloor::policy

namespace tlsfloor::policy {
namespace {

std::vector<config::AlpnUpstream> by_alpn(std::vector<std::string> protocols) {
  std::vector<config::AlpnUpstream> map;
  for (std::string& protocol : protocols) map.push_back({std::move(protocol), {}, {}});
  return map;
}

TEST(UpstreamForAlpnTest, TheNegotiatedProtocolPicksItsEntry) {
  const auto map = by_alpn({"h2", "http/1.1", "acme-tls/1"});
  EXPECT_EQ(upstream_for_alpn(map, "h2"), 1u);
  EXPECT_EQ(upstream_for_alpn(map, "http/1.1"), 2u);
  EXPECT_EQ(upstream_for_alpn(map, "acme-tls/1"), 3u);
}

TEST(UpstreamForAlpnTest, NoAlpnOrAnotherProtocolGoesToTheFallback) {
  const auto map = by_alpn({"h2", "http/1.1"});
  EXPECT_EQ(upstream_for_alpn(map, ""), kFallbackUpstream);
  EXPECT_EQ(upstream_for_alpn(map, "http/1.0"), kFallbackUpstream);
  EXPECT_EQ(upstream_for_alpn({}, "h2"), kFallbackUpstream);  // a route without a map
}

TEST(UpstreamForAlpnTest, NamesAreComparedByteForByte) {
  // RFC 7301: protocol names are opaque bytes; "H2" is not h2, and no prefix matches.
  const auto map = by_alpn({"h2", "http/1.1"});
  EXPECT_EQ(upstream_for_alpn(map, "H2"), kFallbackUpstream);
  EXPECT_EQ(upstream_for_alpn(map, "h"), kFallbackUpstream);
  EXPECT_EQ(upstream_for_alpn(map, "h2c"), kFallbackUpstream);
  EXPECT_EQ(upstream_for_alpn(map, std::string_view("h2\0", 3)), kFallbackUpstream);
}

}  // namespace
}  // namespace tlsfloor::policy
