#pragma once
// Points in time as written in configuration files, logs and JSON: RFC 3339 in UTC.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tlsfloor::config {

using Timestamp = std::chrono::system_clock::time_point;

/// "2026-11-22T10:04:05.123Z": UTC, always with milliseconds, so that lines sort as text and
/// every consumer sees one fixed width.
std::string format_timestamp(Timestamp when);

/// Seconds since the Unix epoch, as Prometheus timestamp gauges (`*_timestamp_seconds`) hold
/// them, and back.
double to_unix_seconds(Timestamp when);
Timestamp from_unix_seconds(double seconds);

/// Parses RFC 3339 date-times: "2027-03-31T00:00:00Z", with optional fractional seconds (any
/// number of digits, kept to the microsecond) and a "Z" or "+hh:mm"/"-hh:mm" offset; "t" and
/// "z" are accepted as RFC 3339 allows. A date alone, a missing offset, or an impossible date
/// (2026-02-30, hour 24) is nullopt: a local time would be read differently on every machine.
/// Leap seconds (":60") are rejected too, as std::chrono cannot represent them, and so are years
/// outside kFirstYear..kLastYear, which a Timestamp (nanoseconds in 64 bits) cannot hold.
std::optional<Timestamp> parse_timestamp(std::string_view text);

inline constexpr int kFirstYear = 1970;
inline constexpr int kLastYear = 2261;

}  // namespace tlsfloor::config
