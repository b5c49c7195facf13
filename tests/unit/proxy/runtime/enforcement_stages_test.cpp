#include "proxy/runtime/enforcement_stages.h"

#include <chrono>

#include <gtest/gtest.h>

namespace tlsfloor::runtime {
namespace {

using namespace std::chrono;
using config::EnforcementMode;

const config::Timestamp kJan1 = sys_days{year{2027} / 1 / 1};
const config::Timestamp kJan15 = sys_days{year{2027} / 1 / 15};

// A route observed until Jan 1, browned out until Jan 15, then enforced.
config::RouteSettings scheduled_route() {
  config::RouteSettings settings;
  settings.tls.min_version = config::TlsVersion::tls1_2;
  settings.enforcement.mode = EnforcementMode::observe;
  settings.enforcement.cipher_mode = EnforcementMode::observe;
  config::ScheduleStep brownout;
  brownout.at = kJan1;
  brownout.mode = brownout.cipher_mode = EnforcementMode::brownout;
  brownout.brownout.every = config::RecurringBrownout{hours(1), minutes(10)};
  config::ScheduleStep enforce;
  enforce.at = kJan15;
  settings.enforcement.schedule = {brownout, enforce};
  return settings;
}

TEST(EnforcementStagesTest, EachStageHasTheRoutesFloorsAndItsOwnModes) {
  const EnforcementStages stages(scheduled_route(), kJan1 - days(1));
  EXPECT_EQ(stages.in_force_index(), 0u);
  EXPECT_EQ(stages.in_force().policy.mode, EnforcementMode::observe);
  EXPECT_EQ(stages.stage(1).policy.mode, EnforcementMode::brownout);
  EXPECT_EQ(stages.stage(1).policy.cipher_mode, EnforcementMode::brownout);
  EXPECT_TRUE(stages.stage(1).enforcement.brownout.every.has_value())
      << "the brownout windows a decision in that stage is judged by";
  EXPECT_EQ(stages.stage(2).policy.mode, EnforcementMode::enforce);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(stages.stage(i).policy.floor, config::TlsVersion::tls1_2);
    EXPECT_EQ(stages.stage(i).policy.ceiling, config::TlsVersion::tls1_3);
  }
}

TEST(EnforcementStagesTest, APastStepIsInForceFromTheStart) {
  const EnforcementStages stages(scheduled_route(), kJan15 + days(1));
  EXPECT_EQ(stages.in_force_index(), 2u);
  EXPECT_EQ(stages.in_force().policy.mode, EnforcementMode::enforce);
}

TEST(EnforcementStagesTest, AdvancingFollowsTheClockAndSaysWhatChanged) {
  EnforcementStages stages(scheduled_route(), kJan1 - seconds(1));
  EXPECT_FALSE(stages.advance(kJan1 - 1ns).has_value()) << "not yet";
  const auto brownout = stages.advance(kJan1);
  ASSERT_TRUE(brownout.has_value());
  EXPECT_EQ(brownout->from, 0u);
  EXPECT_EQ(brownout->to, 1u);
  EXPECT_EQ(stages.in_force().policy.mode, EnforcementMode::brownout);
  EXPECT_FALSE(stages.advance(kJan1 + hours(1)).has_value()) << "said once";
  // A clock that jumps over a step lands on the stage in force, not the next one.
  EnforcementStages late(scheduled_route(), kJan1 - seconds(1));
  const auto jump = late.advance(kJan15 + days(1));
  ASSERT_TRUE(jump.has_value());
  EXPECT_EQ(jump->to, 2u);
  // Set back, the clock takes the stage back with it.
  const auto back = late.advance(kJan1 - days(1));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->from, 2u);
  EXPECT_EQ(back->to, 0u);
  EXPECT_EQ(late.in_force().policy.mode, EnforcementMode::observe);
}

TEST(EnforcementStagesTest, WithoutAScheduleTheOneStageIsTheRoutesOwn) {
  config::RouteSettings settings;
  settings.enforcement.mode = EnforcementMode::brownout;
  EnforcementStages stages(settings, kJan1);
  EXPECT_EQ(stages.in_force().policy.mode, EnforcementMode::brownout);
  EXPECT_FALSE(stages.advance(kJan15 + days(3650)).has_value());
}

}  // namespace
}  // namespace tlsfloor::runtime
