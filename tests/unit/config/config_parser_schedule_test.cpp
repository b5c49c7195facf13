// enforcement.schedule as the parser reads it: dated steps, validated as strictly as the
// enforcement section's own keys, in the order they take effect.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "config/config_parser.h"

namespace tlsfloor::config {
namespace {

using namespace std::chrono;

constexpr std::string_view kListener =
    "listeners:\n"
    "  - name: api\n"
    "    listen: 0.0.0.0:8443\n"
    "    upstream: {address: 127.0.0.1:8080}\n"
    "    certificates: [{cert: a.crt, key: a.key}]\n";

// The minimal listener with `enforcement` (from line 6) appended.
ParseResult parse_with(std::string_view enforcement) {
  return parse_config(std::string(kListener) + std::string(enforcement), "t.yaml");
}

std::vector<std::string> errors_of(std::string_view enforcement) {
  const ParseResult result = parse_with(enforcement);
  EXPECT_FALSE(result.config.has_value());
  std::vector<std::string> out;
  for (const ConfigError& error : result.errors) out.push_back(error.to_string());
  return out;
}

const Timestamp kJan1 = sys_days{year{2027} / 1 / 1};
const Timestamp kJan15 = sys_days{year{2027} / 1 / 15};

TEST(ConfigParserScheduleTest, StepsInOrderWithTheirModesAndBrownouts) {
  const ParseResult result = parse_with(
      "    enforcement:\n"
      "      mode: observe\n"
      "      schedule:\n"
      "        - at: 2027-01-01T00:00:00Z\n"
      "          mode: brownout\n"
      "          brownout: {every: {period: 1h, duration: 10m}, fraction: 0.5}\n"
      "        - {at: 2027-01-15T00:00:00Z, mode: enforce, cipher_mode: observe}\n"
      "        - {at: 2027-02-01T00:00:00+01:00, mode: enforce}\n");
  ASSERT_TRUE(result.config.has_value()) << result.errors.front().to_string();
  const EnforcementConfig& enforcement = result.config->listeners[0].enforcement;
  EXPECT_EQ(enforcement.mode, EnforcementMode::observe) << "the section's own, until the first";
  ASSERT_EQ(enforcement.schedule.size(), 3u);
  const ScheduleStep& brownout = enforcement.schedule[0];
  EXPECT_EQ(brownout.at, kJan1);
  EXPECT_EQ(brownout.mode, EnforcementMode::brownout);
  EXPECT_EQ(brownout.cipher_mode, EnforcementMode::brownout) << "follows the step's mode";
  ASSERT_TRUE(brownout.brownout.every.has_value());
  EXPECT_EQ(brownout.brownout.every->period, hours(1));
  EXPECT_EQ(brownout.brownout.every->duration, minutes(10));
  EXPECT_EQ(brownout.brownout.fraction, 0.5);
  EXPECT_EQ(brownout.where, (SourceMark{"t.yaml", 9, 11}));
  EXPECT_EQ(enforcement.schedule[1].at, kJan15);
  EXPECT_EQ(enforcement.schedule[1].mode, EnforcementMode::enforce);
  EXPECT_EQ(enforcement.schedule[1].cipher_mode, EnforcementMode::observe) << "written";
  EXPECT_EQ(enforcement.schedule[2].at, sys_days{year{2027} / 1 / 31} + hours(23))
      << "an offset is a UTC instant";
  EXPECT_EQ(enforcement.schedule[2].cipher_mode, EnforcementMode::enforce);
}

TEST(ConfigParserScheduleTest, StepsOutOfOrderAreErrorsAtTheirTime) {
  EXPECT_EQ(errors_of("    enforcement:\n"
                      "      schedule:\n"
                      "        - {at: 2027-01-15T00:00:00Z, mode: enforce}\n"
                      "        - {at: 2027-01-01T00:00:00Z, mode: brownout, brownout: {every: "
                      "{period: 1h, duration: 10m}}}\n"
                      "        - {at: 2027-01-15T00:00:00Z, mode: enforce}\n"
                      "        - {at: 2027-02-01T00:00:00Z, mode: enforce}\n"
                      "        - {at: 2027-01-20T00:00:00Z, mode: observe}\n"),
            (std::vector<std::string>{
                "t.yaml:9:16: schedule step at 2027-01-01T00:00:00.000Z must be after the step "
                "before it (2027-01-15T00:00:00.000Z, line 8): steps are listed in the order "
                "they take effect",
                "t.yaml:10:16: schedule step at 2027-01-15T00:00:00.000Z must be after the step "
                "before it (2027-01-15T00:00:00.000Z, line 8): steps are listed in the order "
                "they take effect",
                "t.yaml:12:16: schedule step at 2027-01-20T00:00:00.000Z must be after the step "
                "before it (2027-02-01T00:00:00.000Z, line 11): steps are listed in the order "
                "they take effect"}));
}

TEST(ConfigParserScheduleTest, EveryStepProblemIsNamedWithItsPosition) {
  EXPECT_EQ(
      errors_of("    enforcement:\n"
                "      schedule:\n"
                "        - {mode: enforce}\n"
                "        - {at: 2027-01-01T00:00:00Z}\n"
                "        - {at: 2027-01-02, mode: enforce}\n"
                "        - {at: 2027-01-03T00:00:00Z, mode: Enforce}\n"
                "        - {at: 2027-01-04T00:00:00Z, mode: brownout}\n"
                "        - {at: 2027-01-05T00:00:00Z, mode: enforce, brownout: {windows: []}}\n"
                "        - {at: 2027-01-06T00:00:00Z, mode: enforce, cipher_mode: brownout}\n"
                "        - {at: 2027-01-07T00:00:00Z, mode: brownout, brownout: {}}\n"
                "        - {at: 2027-01-08T00:00:00Z, mode: enforce, until: forever}\n"),
      (std::vector<std::string>{
          "t.yaml:8:11: missing required key \"at\" in schedule step",
          "t.yaml:9:11: missing required key \"mode\" in schedule step",
          "t.yaml:10:16: invalid at \"2027-01-02\" (expected an RFC 3339 time such as "
          "2027-03-31T00:00:00Z)",
          "t.yaml:11:44: invalid enforcement mode \"Enforce\" (expected one of: observe, "
          "brownout, enforce)",
          "t.yaml:12:44: mode brownout in a schedule step needs the step's own brownout "
          "section with windows or every (when to refuse)",
          "t.yaml:13:63: brownout is only used with mode: brownout or cipher_mode: "
          "brownout (this step's mode is enforce, cipher_mode enforce)",
          "t.yaml:14:66: cipher_mode brownout in a schedule step needs the step's own "
          "brownout section with windows or every (when to refuse)",
          "t.yaml:15:64: brownout needs windows or every (when to refuse)",
          "t.yaml:16:53: unknown key \"until\" in schedule step (expected one of: at, mode, "
          "cipher_mode, brownout)"}));
  EXPECT_EQ(errors_of("    enforcement: {schedule: {at: 2027-01-01T00:00:00Z, mode: enforce}}\n"),
            (std::vector<std::string>{"t.yaml:6:29: expected a list for schedule, got a map"}));
}

TEST(ConfigParserScheduleTest, ARouteTakesItsListenersScheduleUnlessItWritesItsOwn) {
  const ParseResult result = parse_with(
      "    enforcement:\n"
      "      mode: observe\n"
      "      schedule: [{at: 2027-01-15T00:00:00Z, mode: enforce}]\n"
      "    routes:\n"
      "      - {name: shop, server_names: [shop.test], enforcement: {on_reject: http}}\n"
      "      - name: later\n"
      "        server_names: [later.test]\n"
      "        enforcement: {schedule: [{at: 2027-06-01T00:00:00Z, mode: enforce}]}\n"
      "      - {name: never, server_names: [never.test], enforcement: {schedule: []}}\n");
  ASSERT_TRUE(result.config.has_value()) << result.errors.front().to_string();
  const ListenerConfig& listener = result.config->listeners[0];
  ASSERT_EQ(listener.routes.size(), 3u);
  ASSERT_EQ(listener.routes[0].enforcement.schedule.size(), 1u) << "key by key, as the rest";
  EXPECT_EQ(listener.routes[0].enforcement.schedule[0].at, kJan15);
  ASSERT_EQ(listener.routes[1].enforcement.schedule.size(), 1u) << "its own replaces the list";
  EXPECT_EQ(listener.routes[1].enforcement.schedule[0].at, sys_days{year{2027} / 6 / 1});
  EXPECT_TRUE(listener.routes[2].enforcement.schedule.empty()) << "an empty list: no schedule";
  EXPECT_EQ(listener.routes[2].enforcement.mode, EnforcementMode::observe);
}

// A route observed today and enforced later is as lax as it ever is: a route sharing its
// upstream with a stricter floor is warned about.
TEST(ConfigParserScheduleTest, AScheduledRouteIsJudgedByItsLaxestStage) {
  const ParseResult result = parse_with(
      "    routes:\n"
      "      - name: shop\n"
      "        server_names: [shop.test]\n"
      "        enforcement: {schedule: [{at: 2027-01-15T00:00:00Z, mode: observe}]}\n");
  ASSERT_TRUE(result.config.has_value()) << result.errors.front().to_string();
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].message.find("share upstream 127.0.0.1:8080"), std::string::npos)
      << result.warnings[0].message;
}

}  // namespace
}  // namespace tlsfloor::config
