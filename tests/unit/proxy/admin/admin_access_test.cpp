#include "proxy/admin/admin_access.h"

#include <gtest/gtest.h>

namespace tlsfloor::admin {
namespace {

using namespace std::chrono_literals;
using Clock = AdminAccess::Clock;
const Clock::time_point kAccessNow = Clock::time_point(1000h);

AdminRequest get(std::string_view target, std::optional<std::string_view> host = "127.0.0.1:9901") {
  return {"GET", target, host, std::nullopt, std::nullopt};
}

AdminRequest reload(std::optional<std::string_view> authorization = std::nullopt) {
  return {"POST", "/reload", "127.0.0.1:9901", std::nullopt, authorization};
}

TEST(AdminAccessTest, ScrapersAndToolsGetThrough) {
  AdminAccess access({});
  for (const char* host : {"127.0.0.1:9901", "127.0.0.1", "[::1]:9901", "10.2.3.4:9901",
                           "localhost:9901", "LOCALHOST"}) {
    EXPECT_FALSE(access.check(get("/metrics", host), kAccessNow).has_value()) << host;
  }
  EXPECT_FALSE(access.check(get("/metrics", std::nullopt), kAccessNow)) << "HTTP/1.0 without Host";
}

TEST(AdminAccessTest, BrowsersCrossingOriginsAreRefused) {
  AdminAccess access({});
  AdminRequest request = get("/legacy-clients");
  request.origin = "https://evil.example";
  const auto refused = access.check(request, kAccessNow);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403u);
  request.origin = "null";  // sandboxed frames and file: pages
  EXPECT_EQ(access.check(request, kAccessNow)->status, 403u);
}

TEST(AdminAccessTest, OnlyKnownHostNamesAreAnswered) {
  AdminAccess access({.server_names = {"tlsfloor.internal"}});
  // A DNS-rebinding page arrives with its own name in Host.
  const auto rebound = access.check(get("/legacy-clients", "attacker.example:9901"), kAccessNow);
  ASSERT_TRUE(rebound.has_value());
  EXPECT_EQ(rebound->status, 403u);
  EXPECT_FALSE(access.check(get("/metrics", "tlsfloor.internal:9901"), kAccessNow));
  EXPECT_FALSE(access.check(get("/metrics", "TLSFloor.Internal"), kAccessNow));
  EXPECT_TRUE(access.check(get("/metrics", "tlsfloor.internal.attacker.example"), kAccessNow));
  EXPECT_TRUE(access.check(get("/metrics", ""), kAccessNow));
  EXPECT_TRUE(access.check(get("/metrics", "[::1"), kAccessNow));
}

TEST(AdminAccessTest, ReloadNeedsTheTokenWhenOneIsSet) {
  AdminAccess access({.token = "0123456789abcdef-secret"});
  const auto missing = access.check(reload(), kAccessNow);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 401u);
  ASSERT_EQ(missing->headers.size(), 1u);
  EXPECT_EQ(missing->headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(access.check(reload("Bearer wrong"), kAccessNow)->status, 401u);
  EXPECT_EQ(access.check(reload("Bearer 0123456789abcdef-secre"), kAccessNow)->status, 401u);
  EXPECT_EQ(access.check(reload("Bearer 0123456789abcdef-secretX"), kAccessNow)->status, 401u);
  EXPECT_EQ(access.check(reload("Basic 0123456789abcdef-secret"), kAccessNow)->status, 401u);
  EXPECT_FALSE(access.check(reload("Bearer 0123456789abcdef-secret"), kAccessNow));
  EXPECT_FALSE(access.check(reload("bearer 0123456789abcdef-secret"), kAccessNow))
      << "scheme: any case";
  // Reading needs no token.
  EXPECT_FALSE(access.check(get("/exceptions"), kAccessNow));
}

TEST(AdminAccessTest, ReloadsAreRateLimited) {
  AdminAccess access({.reloads_per_minute = 3});
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(access.check(reload(), kAccessNow)) << "burst " << i;
  const auto limited = access.check(reload(), kAccessNow);
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->status, 429u);
  ASSERT_EQ(limited->headers.size(), 1u);
  EXPECT_EQ(limited->headers[0], (std::pair<std::string, std::string>{"Retry-After", "20"}));
  // A third of a minute later, one more.
  EXPECT_FALSE(access.check(reload(), kAccessNow + 20s));
  EXPECT_TRUE(access.check(reload(), kAccessNow + 21s));
  // Other requests are never limited.
  EXPECT_FALSE(access.check(get("/metrics"), kAccessNow + 21s));
  // A quiet hour refills the burst, no more.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(access.check(reload(), kAccessNow + 1h));
  EXPECT_TRUE(access.check(reload(), kAccessNow + 1h));
}

}  // namespace
}  // namespace tlsfloor::admin
