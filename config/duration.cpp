#include "config/duration.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

namespace tlsfloor::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t milliseconds;
};

constexpr std::array<Unit, 5> kUnits = {{
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {"d", 24 * 60 * 60 * 1000},
}};

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  // No digits covers "", "-5s", "+5s", " 5s" and ".5s"; from_chars alone would accept a '-'.
  if (digits == 0) return std::nullopt;

  const std::string_view unit = text.substr(digits);
  const Unit* match = nullptr;
  for (const Unit& candidate : kUnits) {
    if (unit == candidate.suffix) match = &candidate;
  }
  // A bare number is rejected: "30" could mean seconds or milliseconds, and guessing wrong turns
  // a 30 s timeout into 30 ms.
  if (match == nullptr) return std::nullopt;

  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc() || end != text.data() + digits) return std::nullopt;
  if (value > std::numeric_limits<Duration::rep>::max() / match->milliseconds) return std::nullopt;
  return Duration(value * match->milliseconds);
}

}  // namespace tlsfloor::config
