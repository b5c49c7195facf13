#include "proxy/policy/exceptions.h"

#include <gtest/gtest.h>

namespace tlsfloor::policy {
namespace {

using namespace std::chrono;

const config::Timestamp kNow = sys_days{year{2026} / 11 / 22};

config::AddressPrefix prefix(const char* text) {
  std::string error;
  return config::parse_address_prefix(text, &error).value();
}

config::ExceptionConfig exception(const char* name) {
  config::ExceptionConfig e;
  e.name = name;
  e.expires = kNow + days(30);
  return e;
}

ClientIdentity client(const char* address, std::string_view sni = "", std::string_view ja4 = "") {
  return {config::parse_address(address).value(), sni, ja4};
}

TEST(ExceptionsTest, ClientsMatchByAddressOrNetwork) {
  auto e = exception("a");
  e.clients = {prefix("10.20.0.0/16"), prefix("192.0.2.10"), prefix("2001:db8::/48")};
  const std::vector list{e};
  EXPECT_TRUE(match_exception(list, client("10.20.3.4"), kNow).has_value());
  EXPECT_TRUE(match_exception(list, client("192.0.2.10"), kNow).has_value());
  EXPECT_FALSE(match_exception(list, client("192.0.2.11"), kNow).has_value()) << "the neighbour";
  EXPECT_TRUE(match_exception(list, client("2001:db8:0:1::5"), kNow).has_value());
  // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
  EXPECT_TRUE(match_exception(list, client("::ffff:10.20.3.4"), kNow).has_value());
}

TEST(ExceptionsTest, EveryListedSelectorMustMatch) {
  auto e = exception("a");
  e.clients = {prefix("10.0.0.0/8")};
  e.server_names = {"legacy.example.com", "*.old.example.com"};
  e.ja4 = {"t10d070600_c50f5591e341_1a3805c3aa63"};
  const std::vector list{e};
  const char* ja4 = "t10d070600_c50f5591e341_1a3805c3aa63";
  EXPECT_TRUE(
      match_exception(list, client("10.1.1.1", "Legacy.Example.COM", ja4), kNow).has_value());
  EXPECT_TRUE(
      match_exception(list, client("10.1.1.1", "a.old.example.com", ja4), kNow).has_value());
  EXPECT_FALSE(
      match_exception(list, client("11.1.1.1", "legacy.example.com", ja4), kNow).has_value());
  EXPECT_FALSE(match_exception(list, client("10.1.1.1", "new.example.com", ja4), kNow).has_value());
  EXPECT_FALSE(match_exception(list, client("10.1.1.1", "", ja4), kNow).has_value()) << "no SNI";
  EXPECT_FALSE(
      match_exception(list, client("10.1.1.1", "legacy.example.com", "t10d"), kNow).has_value());
}

TEST(ExceptionsTest, TheFirstUnexpiredMatchWins) {
  auto expired = exception("expired");
  expired.clients = {prefix("10.0.0.0/8")};
  expired.expires = kNow;  // expires at this very instant: no longer matches
  auto broad = exception("broad");
  broad.clients = {prefix("10.0.0.0/8")};
  auto narrow = exception("narrow");
  narrow.clients = {prefix("10.1.1.1")};
  const std::vector list{expired, broad, narrow};
  EXPECT_EQ(match_exception(list, client("10.1.1.1"), kNow)->exception->name, "broad");
  EXPECT_EQ(match_exception(list, client("10.1.1.1"), kNow - seconds(1))->exception->name,
            "expired");
  EXPECT_FALSE(match_exception(list, client("10.1.1.1"), kNow + days(30)).has_value())
      << "all expired";
}

TEST(ExceptionsTest, WildcardsCoverExactlyOneLabel) {
  EXPECT_TRUE(server_name_matches("*.old.example.com", "a.old.example.com"));
  EXPECT_TRUE(server_name_matches("*.old.example.com", "A.OLD.example.com"));
  EXPECT_FALSE(server_name_matches("*.old.example.com", "old.example.com"));
  EXPECT_FALSE(server_name_matches("*.old.example.com", "a.b.old.example.com"));
  EXPECT_FALSE(server_name_matches("*.old.example.com", "aold.example.com"));
  EXPECT_TRUE(server_name_matches("legacy.example.com", "LEGACY.example.com"));
  EXPECT_FALSE(server_name_matches("legacy.example.com", ""));
}

}  // namespace
}  // namespace tlsfloor::policy
