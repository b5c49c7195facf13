#include "config/enforcement_schedule.h"

#include <chrono>

#include <gtest/gtest.h>

namespace tlsfloor::config {
namespace {

using namespace std::chrono;

const Timestamp kJan1 = sys_days{year{2027} / 1 / 1};
const Timestamp kJan15 = sys_days{year{2027} / 1 / 15};
const Timestamp kFeb1 = sys_days{year{2027} / 2 / 1};

ScheduleStep step(Timestamp at, EnforcementMode mode, EnforcementMode cipher_mode) {
  ScheduleStep step;
  step.at = at;
  step.mode = mode;
  step.cipher_mode = cipher_mode;
  return step;
}

// The provider's path: observe, brownout windows from Jan 1, enforce on Jan 15, and the cipher
// floor enforced on Feb 1.
EnforcementConfig provider_path() {
  EnforcementConfig enforcement;
  enforcement.mode = EnforcementMode::observe;
  enforcement.cipher_mode = EnforcementMode::observe;
  enforcement.on_reject = RejectStyle::http;
  ScheduleStep brownout = step(kJan1, EnforcementMode::brownout, EnforcementMode::observe);
  brownout.brownout.every = RecurringBrownout{hours(1), minutes(10)};
  enforcement.schedule = {brownout,
                          step(kJan15, EnforcementMode::enforce, EnforcementMode::observe),
                          step(kFeb1, EnforcementMode::enforce, EnforcementMode::enforce)};
  return enforcement;
}

TEST(EnforcementScheduleTest, AStepIsInForceFromItsInstantUntilTheNext) {
  const EnforcementConfig enforcement = provider_path();
  EXPECT_EQ(stage_count(enforcement), 4u);
  EXPECT_EQ(stage_at(enforcement, kJan1 - 1ns), 0u) << "the section's own keys";
  EXPECT_EQ(step_in_force(enforcement, kJan1 - 1ns), nullptr);
  EXPECT_EQ(stage_at(enforcement, kJan1), 1u) << "in force at its very instant";
  EXPECT_EQ(step_in_force(enforcement, kJan1), &enforcement.schedule[0]);
  EXPECT_EQ(stage_at(enforcement, kJan15 - 1ns), 1u);
  EXPECT_EQ(stage_at(enforcement, kJan15), 2u);
  EXPECT_EQ(stage_at(enforcement, kFeb1 + days(3650)), 3u) << "the last stays";
  EXPECT_EQ(step_in_force(enforcement, kFeb1), &enforcement.schedule[2]);
}

TEST(EnforcementScheduleTest, TheNextStepIsTheFirstStillToCome) {
  const EnforcementConfig enforcement = provider_path();
  EXPECT_EQ(next_step(enforcement, kJan1 - days(30)), &enforcement.schedule[0]);
  EXPECT_EQ(next_step(enforcement, kJan1), &enforcement.schedule[1]) << "Jan 1 has begun";
  EXPECT_EQ(next_step(enforcement, kFeb1 - 1ns), &enforcement.schedule[2]);
  EXPECT_EQ(next_step(enforcement, kFeb1), nullptr) << "none left";
  EXPECT_EQ(next_step(EnforcementConfig{}, kJan1), nullptr) << "no schedule";
  EXPECT_EQ(stage_at(EnforcementConfig{}, kJan1), 0u);
}

TEST(EnforcementScheduleTest, AStageIsTheSectionWithTheStepsModesAndBrownout) {
  const EnforcementConfig enforcement = provider_path();
  const EnforcementConfig before = enforcement_in_stage(enforcement, 0);
  EXPECT_EQ(before.mode, EnforcementMode::observe);
  EXPECT_TRUE(before.schedule.empty());
  const EnforcementConfig brownout = enforcement_in_stage(enforcement, 1);
  EXPECT_EQ(brownout.mode, EnforcementMode::brownout);
  EXPECT_EQ(brownout.cipher_mode, EnforcementMode::observe);
  ASSERT_TRUE(brownout.brownout.every.has_value());
  EXPECT_EQ(brownout.brownout.every->duration, minutes(10));
  EXPECT_EQ(brownout.on_reject, RejectStyle::http) << "not a step's key: the section's";
  const EnforcementConfig enforced = enforcement_in_stage(enforcement, 2);
  EXPECT_EQ(enforced.mode, EnforcementMode::enforce);
  EXPECT_FALSE(enforced.brownout.every.has_value()) << "the step's brownout, none";
}

TEST(EnforcementScheduleTest, TheDayClientsBreakIsTheFirstStricterStep) {
  const EnforcementConfig enforcement = provider_path();
  // Observing: a brownout already refuses some.
  EXPECT_EQ(next_tightening(enforcement, kJan1 - days(1), StagedFloor::version),
            &enforcement.schedule[0]);
  // Browning out: enforce is stricter still.
  EXPECT_EQ(next_tightening(enforcement, kJan1, StagedFloor::version), &enforcement.schedule[1]);
  EXPECT_EQ(next_tightening(enforcement, kJan15, StagedFloor::version), nullptr)
      << "enforced: nothing stricter comes (Feb 1 changes only the cipher floor)";
  // The cipher floor observes until Feb 1, whatever the version floor does.
  EXPECT_EQ(next_tightening(enforcement, kJan1 - days(1), StagedFloor::ciphers),
            &enforcement.schedule[2]);
  // A step back to observe is not a deadline; the stricter one after it is.
  EnforcementConfig relaxed;
  relaxed.mode = EnforcementMode::brownout;
  relaxed.schedule = {step(kJan1, EnforcementMode::observe, EnforcementMode::observe),
                      step(kJan15, EnforcementMode::brownout, EnforcementMode::brownout)};
  EXPECT_EQ(next_tightening(relaxed, kJan1 - days(1), StagedFloor::version), nullptr)
      << "brownout again is no stricter than the brownout in force";
  EXPECT_EQ(next_tightening(relaxed, kJan1, StagedFloor::version), &relaxed.schedule[1]);
}

TEST(EnforcementScheduleTest, CheckShowsEveryStageAndTheOneInForce) {
  EnforcementConfig enforcement = provider_path();
  enforcement.schedule[0].brownout.fraction = 0.25;
  enforcement.schedule[0].brownout.windows = {{kJan1, kJan1 + hours(2)}};
  EXPECT_EQ(describe_schedule(enforcement, kJan1 + days(3)),
            (std::vector<std::string>{
                "until 2027-01-01T00:00:00.000Z  mode observe, cipher_mode observe",
                "from  2027-01-01T00:00:00.000Z  mode brownout, cipher_mode observe, brownout 1 "
                "window and every 1h for 10m, fraction 0.25  (in force)",
                "from  2027-01-15T00:00:00.000Z  mode enforce, cipher_mode observe",
                "from  2027-02-01T00:00:00.000Z  mode enforce, cipher_mode enforce"}));
  EXPECT_TRUE(describe_schedule(EnforcementConfig{}, kJan1).empty());

  Config config;
  ListenerConfig listener;
  listener.name = "api";
  listener.enforcement = provider_path();
  RouteConfig plain;
  plain.name = "plain";
  listener.routes.push_back(plain);
  config.listeners.push_back(listener);
  EXPECT_EQ(describe_schedules(config, kJan1 - days(1)),
            (std::vector<std::string>{
                "listener api route default: schedule",
                "  until 2027-01-01T00:00:00.000Z  mode observe, cipher_mode observe  (in force)",
                "  from  2027-01-01T00:00:00.000Z  mode brownout, cipher_mode observe, brownout "
                "every 1h for 10m",
                "  from  2027-01-15T00:00:00.000Z  mode enforce, cipher_mode observe",
                "  from  2027-02-01T00:00:00.000Z  mode enforce, cipher_mode enforce"}))
      << "a route without a schedule is not listed";
}

}  // namespace
}  // namespace tlsfloor::config
