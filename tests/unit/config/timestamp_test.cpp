#include "config/timestamp.h"

#include <gtest/gtest.h>

namespace tlsfloor::config {
namespace {

using namespace std::chrono;

Timestamp at(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

TEST(Timestamp, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_timestamp(at(2026, 11, 22, 10, 4, 5) + milliseconds{123}),
            "2026-11-22T10:04:05.123Z");
  EXPECT_EQ(format_timestamp(at(1970, 1, 1)), "1970-01-01T00:00:00.000Z");
  // Sub-millisecond precision is cut, never rounded up into the next second.
  EXPECT_EQ(format_timestamp(at(2026, 12, 31, 23, 59, 59) + microseconds{999999}),
            "2026-12-31T23:59:59.999Z");
}

TEST(Timestamp, ParsesUtc) {
  EXPECT_EQ(parse_timestamp("2027-03-31T00:00:00Z"), at(2027, 3, 31));
  EXPECT_EQ(parse_timestamp("2027-03-31t00:00:00z"), at(2027, 3, 31));
  EXPECT_EQ(parse_timestamp("2024-02-29T23:59:59Z"), at(2024, 2, 29, 23, 59, 59));
}

TEST(Timestamp, ParsesFractionsAndOffsets) {
  EXPECT_EQ(parse_timestamp("2026-11-22T10:04:05.5Z"),
            at(2026, 11, 22, 10, 4, 5) + milliseconds{500});
  EXPECT_EQ(parse_timestamp("2026-11-22T10:04:05.123456789Z"),
            at(2026, 11, 22, 10, 4, 5) + microseconds{123456});
  EXPECT_EQ(parse_timestamp("2026-11-22T12:00:00+02:00"), at(2026, 11, 22, 10));
  EXPECT_EQ(parse_timestamp("2026-11-22T00:30:00-01:30"), at(2026, 11, 22, 2));
}

TEST(Timestamp, UnixSecondsForPrometheusGauges) {
  EXPECT_EQ(to_unix_seconds(at(1970, 1, 1)), 0.0);
  EXPECT_EQ(to_unix_seconds(at(2027, 3, 31)), 1806451200.0);
  // Doubles hold these to well under a microsecond, not to the nanosecond.
  EXPECT_NEAR(to_unix_seconds(at(2027, 3, 31) + milliseconds{250}), 1806451200.25, 1e-6);
  const auto back = from_unix_seconds(1806451200.25) - (at(2027, 3, 31) + milliseconds{250});
  EXPECT_LT(std::chrono::abs(back), microseconds{1});
}

TEST(Timestamp, RoundTrips) {
  const Timestamp when = at(2026, 11, 22, 10, 4, 5) + milliseconds{42};
  EXPECT_EQ(parse_timestamp(format_timestamp(when)), when);
}

TEST(Timestamp, RejectsWhatIsNotAnRfc3339DateTime) {
  for (const char* text :
       {"", "2027-03-31", "2027-03-31T00:00:00", "2027-03-31 00:00:00Z", "2027-3-31T00:00:00Z",
        "2027-02-29T00:00:00Z", "2027-04-31T00:00:00Z", "2027-13-01T00:00:00Z",
        "2027-03-31T24:00:00Z", "2027-03-31T00:60:00Z", "2027-03-31T00:00:60Z",
        "2027-03-31T00:00:00.Z", "2027-03-31T00:00:00+0200", "2027-03-31T00:00:00Z ",
        "2027-03-31T00:00:00+24:00", "tomorrow"}) {
    EXPECT_EQ(parse_timestamp(text), std::nullopt) << text;
  }
}

TEST(TimestampTest, YearsATimestampCannotHoldAreRejected) {
  // Found by the config fuzzer: year 0026 overflowed the nanosecond count (UB).
  for (const char* text :
       {"0026-11-22T10:04:05Z", "1013-11-19T12:00:00.000Z", "1969-12-31T23:59:59Z",
        "2262-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    EXPECT_FALSE(parse_timestamp(text).has_value()) << text;
  }
  EXPECT_TRUE(parse_timestamp("1970-01-01T00:00:00Z").has_value());
  EXPECT_TRUE(parse_timestamp("2261-12-31T23:59:59.999Z").has_value());
}

}  // namespace
}  // namespace tlsfloor::config
