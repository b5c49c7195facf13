#pragma once
// Durations as written in the configuration: an integer and a unit, e.g. `250ms`, `5s`, `10m`.
#include <chrono>
#include <optional>
#include <string_view>

namespace tlsfloor::config {

using Duration = std::chrono::milliseconds;

/// The longest duration a configuration may state. Every setting that takes a duration stays
/// meaningful far below it, and deadlines computed from it (now + duration) stay far inside
/// every clock's range.
inline constexpr Duration kMaxDuration = std::chrono::days(365);

/// Parses `<digits><unit>` with unit one of ms, s, m, h, d. A bare number, a negative or
/// fractional value, an unknown unit or an overflow is nullopt: the unit is never guessed.
/// (The configuration parser refuses values above kMaxDuration.)
std::optional<Duration> parse_duration(std::string_view text);

/// `when + duration`, clamped to the clock's last instant instead of overflowing: a deadline
/// that far away never fires, which is what such a duration means.
template <typename TimePoint>
TimePoint saturating_add(TimePoint when, Duration duration) {
  if (duration.count() <= 0) return when + duration;
  const auto left = std::chrono::duration_cast<Duration>(TimePoint::max() - when);
  if (duration >= left) return TimePoint::max();
  return when + duration;
}

}  // namespace tlsfloor::config
