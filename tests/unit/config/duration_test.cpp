#include "config/duration.h"

#include <chrono>
#include <optional>
#include <string_view>

#include <gtest/gtest.h>

namespace tlsfloor::config {
namespace {

using namespace std::chrono_literals;

struct DurationCase {
  std::string_view text;
  Duration expected;
};

TEST(DurationTest, ParsesEachUnit) {
  const DurationCase cases[] = {
      {"0s", 0ms},
      {"0ms", 0ms},
      {"1ms", 1ms},
      {"250ms", 250ms},
      {"5s", 5s},
      {"10m", 10min},
      {"1h", 1h},
      {"14d", 14 * 24h},
      {"007s", 7s},  // leading zeros are still decimal, not octal
      {"90m", 90min},
      {"9223372036854775807ms", Duration::max()},
      {"106751991167d", 106751991167LL * 24h},  // the largest whole number of days
  };
  for (const DurationCase& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(parse_duration(c.text), c.expected);
  }
}

TEST(DurationTest, RejectsMalformedText) {
  for (const std::string_view text : {
           "",                // empty
           "5",               // bare number: the unit is never guessed
           "300",             //
           "s",               // unit without a number
           "ms",              //
           "-5s",             // sign
           "+5s",             //
           "5.5s",            // fraction
           ".5s",             //
           "5.s",             //
           " 5s",             // whitespace
           "5s ",             //
           "5 s",             //
           "5S",              // units are lower case
           "5MS",             //
           "5sec",            // unknown units
           "5us",             //
           "5ns",             //
           "5w",              //
           "5y",              //
           "1h30m",           // compound
           "5s5",             //
           "0x10s",           // hex
           "1e3ms",           // exponent
           "5\xe0\xa5\xa6s",  // a non-ASCII digit
       }) {
    SCOPED_TRACE(testing::Message() << '"' << text << '"');
    EXPECT_EQ(parse_duration(text), std::nullopt);
  }
}

TEST(DurationTest, RejectsOverflow) {
  for (const std::string_view text : {
           "9223372036854775808ms",        // one past the largest millisecond count
           "9223372036854776s",            // fits in int64 as seconds, not as milliseconds
           "106751991168d",                // one day too many
           "99999999999999999999999999d",  // does not even fit the digits
       }) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parse_duration(text), std::nullopt);
  }
}

TEST(DurationTest, SaturatingAddClampsInsteadOfOverflowing) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point now = Clock::now();
  EXPECT_EQ(saturating_add(now, 5s), now + 5s);
  EXPECT_EQ(saturating_add(now, Duration::max()), Clock::time_point::max());
  EXPECT_EQ(saturating_add(Clock::time_point::max() - 1s, 2s), Clock::time_point::max());
  EXPECT_EQ(saturating_add(now, kMaxDuration), now + kMaxDuration) << "the longest one fits";
  EXPECT_EQ(saturating_add(now, Duration(0)), now);
}

}  // namespace
}  // namespace tlsfloor::config
