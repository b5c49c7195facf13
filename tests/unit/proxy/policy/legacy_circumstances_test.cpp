#include "proxy/policy/legacy_circumstances.h"

#include <gtest/gtest.h>

namespace tlsfloor::policy {
namespace {

using namespace std::chrono;
const config::Timestamp kCircumstancesNow = sys_days{year{2026} / 12 / 1} + 10h;

config::AddressPrefix address(const char* text) { return config::parse_address(text).value(); }

config::ListenerConfig listener_with_exceptions() {
  config::ListenerConfig listener;
  listener.name = "edge";
  listener.tls.min_version = config::TlsVersion::tls1_2;
  for (const char* name : {"expired", "payroll", "scanners"}) {
    config::ExceptionConfig exception;
    exception.name = name;
    exception.expires = kCircumstancesNow + days(30);
    listener.exceptions.push_back(exception);
  }
  listener.exceptions[0].expires = kCircumstancesNow - seconds(1);
  listener.exceptions[0].clients = {config::parse_address_prefix("10.0.0.0/8", nullptr).value()};
  listener.exceptions[1].clients = {config::parse_address_prefix("10.1.0.0/16", nullptr).value()};
  listener.exceptions[2].server_names = {"scan.example.com"};
  return listener;
}

TEST(LegacyCircumstancesTest, NamesTheMatchedExceptionByItsPosition) {
  const config::ListenerConfig listener = listener_with_exceptions();
  const auto client = address("10.1.2.3");
  const LegacyCircumstances found =
      legacy_circumstances(listener.exceptions, listener.enforcement, listener.name,
                           {client, "", ""}, client, kCircumstancesNow);
  ASSERT_TRUE(found.exception.has_value());
  EXPECT_EQ(found.exception->index, 1u) << "the expired one before it does not match";
  EXPECT_EQ(found.exception->exception, &listener.exceptions[1]);
  EXPECT_FALSE(found.brownout_refuses) << "not in mode brownout";

  const LegacyCircumstances by_name = legacy_circumstances(
      listener.exceptions, listener.enforcement, listener.name,
      {address("192.0.2.1"), "scan.example.com", ""}, client, kCircumstancesNow);
  ASSERT_TRUE(by_name.exception.has_value());
  EXPECT_EQ(by_name.exception->index, 2u);
  EXPECT_FALSE(legacy_circumstances(listener.exceptions, listener.enforcement, listener.name,
                                    {address("192.0.2.1"), "", ""}, client, kCircumstancesNow)
                   .exception);
}

TEST(LegacyCircumstancesTest, ABrownoutDrawsByTheClientKeyOnlyInsideAWindow) {
  config::ListenerConfig listener;
  listener.name = "edge";
  listener.enforcement.mode = config::EnforcementMode::brownout;
  listener.enforcement.brownout.windows = {{kCircumstancesNow, kCircumstancesNow + 1h}};
  listener.enforcement.brownout.fraction = 0.5;
  // Clients of one /24 share a key, and so a draw: count how the draw splits 200 networks.
  int refused = 0;
  for (int n = 0; n < 200; ++n) {
    const std::string net = "10.0." + std::to_string(n) + ".";
    const auto key_of = [&](const char* host) {
      return config::masked(address((net + host).c_str()), 24, 64);
    };
    const auto first = legacy_circumstances(listener.exceptions, listener.enforcement,
                                            listener.name, {address((net + "1").c_str()), "", ""},
                                            key_of("1"), kCircumstancesNow + 1min);
    const auto second = legacy_circumstances(listener.exceptions, listener.enforcement,
                                             listener.name, {address((net + "2").c_str()), "", ""},
                                             key_of("2"), kCircumstancesNow + 30min);
    EXPECT_EQ(first.brownout_refuses, second.brownout_refuses) << net;
    refused += first.brownout_refuses ? 1 : 0;
    EXPECT_FALSE(legacy_circumstances(listener.exceptions, listener.enforcement, listener.name,
                                      {address((net + "1").c_str()), "", ""}, key_of("1"),
                                      kCircumstancesNow + 2h)
                     .brownout_refuses)
        << "outside the window";
  }
  EXPECT_GT(refused, 60);
  EXPECT_LT(refused, 140);
}

// The enforcement in force (a schedule step's) decides, not the section the route was written
// with: a step into brownout brings its own windows.
TEST(LegacyCircumstancesTest, TheEnforcementInForceDecides) {
  config::ListenerConfig listener;
  listener.name = "edge";
  listener.enforcement.mode = config::EnforcementMode::observe;
  config::EnforcementConfig step = listener.enforcement;
  step.mode = config::EnforcementMode::brownout;
  step.brownout.windows = {{kCircumstancesNow, kCircumstancesNow + 1h}};
  const auto client = address("192.0.2.1");
  EXPECT_FALSE(legacy_circumstances(listener.exceptions, listener.enforcement, listener.name,
                                    {client, "", ""}, client, kCircumstancesNow)
                   .brownout_refuses);
  EXPECT_TRUE(legacy_circumstances(listener.exceptions, step, listener.name, {client, "", ""},
                                   client, kCircumstancesNow)
                  .brownout_refuses);
}

}  // namespace
}  // namespace tlsfloor::policy
