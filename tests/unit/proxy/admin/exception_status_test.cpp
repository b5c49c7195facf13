#include "proxy/admin/exception_status.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tlsfloor::admin {
namespace {

using namespace std::chrono;
const config::Timestamp kStatusNow = sys_days{year{2026} / 11 / 22} + 12h;

config::ExceptionConfig payroll() {
  config::ExceptionConfig exception;
  exception.name = "payroll-batch";
  std::string error;
  exception.clients = {config::parse_address_prefix("10.20.0.0/16", &error).value()};
  exception.server_names = {"*.old.example.com"};
  exception.min_version = config::TlsVersion::tls1_1;
  exception.expires = kStatusNow + days(30);
  exception.note = "OPS-1234";
  return exception;
}

TEST(ExceptionStatusTest, EachStatusInItsOrder) {
  auto exception = payroll();
  const auto loaded = kStatusNow - days(20);
  EXPECT_EQ(exception_status(exception, kStatusNow - days(1), loaded, kStatusNow),
            ExceptionStatus::active);
  // Unused: no match for 14 days, counted from the last use, or from loading if never used.
  EXPECT_EQ(exception_status(exception, kStatusNow - days(14), loaded, kStatusNow),
            ExceptionStatus::unused);
  EXPECT_EQ(exception_status(exception, std::nullopt, loaded, kStatusNow), ExceptionStatus::unused);
  EXPECT_EQ(exception_status(exception, std::nullopt, kStatusNow - days(13), kStatusNow),
            ExceptionStatus::active);
  exception.unused_after = days(30);
  EXPECT_EQ(exception_status(exception, std::nullopt, loaded, kStatusNow), ExceptionStatus::active);
  // Expiring within 7 days outranks unused; expired outranks everything.
  exception.expires = kStatusNow + days(7);
  EXPECT_EQ(exception_status(exception, std::nullopt, kStatusNow - days(60), kStatusNow),
            ExceptionStatus::expiring);
  exception.expires = kStatusNow;
  EXPECT_EQ(exception_status(exception, kStatusNow - hours(1), loaded, kStatusNow),
            ExceptionStatus::expired);
}

TEST(ExceptionStatusTest, JsonListsEveryField) {
  const auto exception = payroll();
  const state::ExceptionRecord view{"api", &exception, 42, kStatusNow - hours(1),
                                    kStatusNow - days(2)};
  const auto doc = nlohmann::json::parse(exceptions_json({view}, nullptr, kStatusNow));
  EXPECT_EQ(doc["generated_at"], "2026-11-22T12:00:00.000Z");
  ASSERT_EQ(doc["exceptions"].size(), 1u);
  EXPECT_EQ(doc["exceptions"][0], nlohmann::json::parse(R"({
      "listener": "api", "route": "default", "name": "payroll-batch", "clients": ["10.20.0.0/16"],
      "server_names": ["*.old.example.com"], "ja4": [], "min_version": "TLS1.1",
      "expires": "2026-12-22T12:00:00.000Z", "note": "OPS-1234", "owner": null,
      "unused_after_seconds": 1209600,
      "handshakes": 42, "last_used": "2026-11-22T11:00:00.000Z",
      "first_loaded": "2026-11-20T12:00:00.000Z", "status": "active"})"));
}

// Whom to ask about an exception: the first owner of the directory that lists it.
TEST(ExceptionStatusTest, JsonNamesTheExceptionsOwner) {
  const auto exception = payroll();
  const state::ExceptionRecord view{"api", &exception, 0, std::nullopt, kStatusNow - days(2)};
  const config::OwnerDirectoryParse owners = config::parse_owner_directory(R"(owners:
  - name: hr-batch
    match: {clients: [10.20.0.0/16]}
  - name: payroll
    match: {exceptions: [other, payroll-batch]}
  - name: payroll-too
    match: {exceptions: [payroll-batch]}
)",
                                                                           "owners.yaml");
  ASSERT_TRUE(owners.directory);
  const auto doc = nlohmann::json::parse(exceptions_json({view}, &*owners.directory, kStatusNow));
  EXPECT_EQ(doc["exceptions"][0]["owner"], "payroll") << "the first that lists it";
  config::OwnerDirectory none;
  EXPECT_TRUE(
      nlohmann::json::parse(exceptions_json({view}, &none, kStatusNow))["exceptions"][0]["owner"]
          .is_null());
}

}  // namespace
}  // namespace tlsfloor::admin
