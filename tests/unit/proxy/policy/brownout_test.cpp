#include "proxy/policy/brownout.h"

#include <gtest/gtest.h>

#include <array>

namespace tlsfloor::policy {
namespace {

using namespace std::chrono;
const auto kDay = sys_days{year{2026} / 12 / 1};

TEST(BrownoutTest, ExplicitWindowsAreHalfOpen) {
  config::BrownoutConfig brownout;
  brownout.windows = {{kDay + 10h, kDay + 11h}};
  EXPECT_FALSE(active_brownout_window(brownout, kDay + 10h - milliseconds(1)).has_value());
  EXPECT_EQ(active_brownout_window(brownout, kDay + 10h), brownout.windows[0]);
  EXPECT_EQ(active_brownout_window(brownout, kDay + 10h + 59min), brownout.windows[0]);
  EXPECT_FALSE(active_brownout_window(brownout, kDay + 11h).has_value());
}

TEST(BrownoutTest, RecurringWindowsAreAlignedToUtcMidnight) {
  config::BrownoutConfig brownout;
  brownout.every = config::RecurringBrownout{1h, 10min};
  EXPECT_EQ(active_brownout_window(brownout, kDay + 3h + 5min),
            (config::BrownoutWindow{kDay + 3h, kDay + 3h + 10min}));
  EXPECT_FALSE(active_brownout_window(brownout, kDay + 3h + 10min).has_value());
  EXPECT_FALSE(active_brownout_window(brownout, kDay + 3h + 59min).has_value());
  EXPECT_EQ(active_brownout_window(brownout, kDay)->start, kDay);
  // A period that does not divide the day restarts at midnight: 7h windows at 0, 7, 14, 21h,
  // and the one at 21h ends at midnight at the latest.
  brownout.every = config::RecurringBrownout{7h, 4h};
  EXPECT_EQ(active_brownout_window(brownout, kDay + 23h),
            (config::BrownoutWindow{kDay + 21h, kDay + 24h}));
  EXPECT_EQ(active_brownout_window(brownout, kDay + 24h + 1h),
            (config::BrownoutWindow{kDay + 24h, kDay + 28h}));
}

TEST(BrownoutTest, OverlapsResolveToTheEarliestStart) {
  config::BrownoutConfig brownout;
  brownout.windows = {{kDay + 2h + 30min, kDay + 4h}};
  brownout.every = config::RecurringBrownout{1h, 45min};
  EXPECT_EQ(active_brownout_window(brownout, kDay + 3h + 5min)->start, kDay + 2h + 30min);
}

std::array<std::uint8_t, 4> address(int n) {
  return {10, 0, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}

TEST(BrownoutTest, AFractionRefusesAboutThatShareAndTheSameClientsAllWindowLong) {
  const config::BrownoutWindow first{kDay + 10h, kDay + 11h};
  const config::BrownoutWindow second{kDay + 11h, kDay + 12h};
  int refused = 0;
  int changed = 0;
  for (int i = 0; i < 4000; ++i) {
    const auto client = address(i);
    const bool in_first = selected_for_brownout(0.25, "api", client, first);
    // Deterministic: asking again (another connection, another replica) gives the same answer.
    EXPECT_EQ(selected_for_brownout(0.25, "api", client, first), in_first);
    refused += in_first;
    changed += in_first != selected_for_brownout(0.25, "api", client, second);
  }
  // 4000 draws at p = 0.25: mean 1000, standard deviation about 27; these bounds are 6 sigma.
  EXPECT_GT(refused, 840);
  EXPECT_LT(refused, 1160);
  EXPECT_GT(changed, 0) << "each window draws afresh";
  EXPECT_TRUE(selected_for_brownout(1.0, "api", address(1), first));
}

}  // namespace
}  // namespace tlsfloor::policy
