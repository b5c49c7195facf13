#pragma once
// Durations as written in the configuration: an integer and a unit, e.g. `250ms`, `5s`, `10m`.
#include <chrono>
#include <optional>
#include <string_view>

namespace tlsfloor::config {

using Duration = std::chrono::milliseconds;

/// Parses `<digits><unit>` with unit one of ms, s, m, h, d. A bare number, a negative or
/// fractional value, an unknown unit or an overflow is nullopt: the unit is never guessed.
std::optional<Duration> parse_duration(std::string_view text);

}  // namespace tlsfloor::config
