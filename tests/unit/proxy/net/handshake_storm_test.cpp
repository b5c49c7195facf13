#include "proxy/net/handshake_storm.h"

#include <gtest/gtest.h>

namespace tlsfloor::net {
namespace {

using std::chrono::milliseconds;
const HandshakeStorm::TimePoint kStart{std::chrono::seconds(1000)};

HandshakeStorm::TimePoint window_end(int window) { return kStart + milliseconds(100 * window); }

TEST(HandshakeStorm, AResumingFleetsNewcomersAreNoStorm) {
  HandshakeStorm storm({});
  std::uint64_t full = 0;
  for (int window = 0; window < 50; ++window) {
    full += 15;  // 150 full handshakes a second, below the default 200
    EXPECT_FALSE(storm.update(window_end(window), full)) << window;
  }
}

TEST(HandshakeStorm, ABurstWithinOneWindowIsNoStorm) {
  // A client opening its pool of connections at once: 64 full handshakes, then resumptions.
  HandshakeStorm storm({});
  storm.update(window_end(0), 0);
  EXPECT_FALSE(storm.update(window_end(1), 64));
  for (int window = 2; window < 20; ++window) {
    EXPECT_FALSE(storm.update(window_end(window), 64)) << window;
  }
}

TEST(HandshakeStorm, StartsAfterTwoWindowsInARowAtTheRate) {
  HandshakeStorm storm({});
  EXPECT_FALSE(storm.update(window_end(0), 0));
  EXPECT_FALSE(storm.update(window_end(0) + milliseconds(50), 30));  // the window is not over
  EXPECT_FALSE(storm.update(window_end(1), 30));
  EXPECT_TRUE(storm.update(window_end(2), 60));
  EXPECT_TRUE(storm.raging());
}

TEST(HandshakeStorm, AQuietWindowBetweenBusyOnesStartsTheCountAgain) {
  HandshakeStorm storm({});
  storm.update(window_end(0), 0);
  EXPECT_FALSE(storm.update(window_end(1), 30));
  EXPECT_FALSE(storm.update(window_end(2), 30));
  EXPECT_FALSE(storm.update(window_end(3), 60));
  EXPECT_TRUE(storm.update(window_end(4), 90));
}

TEST(HandshakeStorm, LullsDoNotEndItButTenQuietWindowsInARowDo) {
  HandshakeStorm storm({});
  std::uint64_t full = 0;
  storm.update(window_end(0), full);
  full += 50;
  storm.update(window_end(1), full);
  full += 50;
  ASSERT_TRUE(storm.update(window_end(2), full));
  // Nine quiet windows, then one at half the rate: neither busy nor quiet, so it keeps the
  // storm and the quiet count starts over.
  for (int window = 3; window <= 11; ++window) {
    EXPECT_TRUE(storm.update(window_end(window), full)) << window;
  }
  full += 10;
  EXPECT_TRUE(storm.update(window_end(12), full));
  for (int window = 13; window <= 21; ++window) {
    EXPECT_TRUE(storm.update(window_end(window), full)) << window;
  }
  EXPECT_FALSE(storm.update(window_end(22), full));
}

TEST(HandshakeStorm, ALongGapCountsAsItsAverage) {
  HandshakeStorm storm({});
  storm.update(window_end(0), 0);
  storm.update(window_end(1), 100);
  ASSERT_TRUE(storm.update(window_end(2), 200));
  // 100 full handshakes over the next five seconds: 20 a second, a quiet second and more.
  EXPECT_FALSE(storm.update(window_end(52), 300));
  // 2,000 over the next two seconds: 1,000 a second, twenty busy windows at once.
  EXPECT_TRUE(storm.update(window_end(72), 2300));
}

TEST(HandshakeStorm, RateZeroIsAlwaysAStorm) {
  HandshakeStorm storm({.start_rate = 0});
  EXPECT_TRUE(storm.raging());
  for (int window = 0; window < 30; ++window) {
    EXPECT_TRUE(storm.update(window_end(window), 0)) << window;
  }
}

TEST(HandshakeStorm, TheRateIsTheSettings) {
  HandshakeStorm storm({.start_rate = 5});
  storm.update(window_end(0), 0);
  EXPECT_FALSE(storm.update(window_end(1), 1));  // 10 a second: a first busy window
  EXPECT_TRUE(storm.update(window_end(2), 2));
}

}  // namespace
}  // namespace tlsfloor::net
