#pragma once
// Printing a report: aligned tables for terminals, or one JSON document for programs.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "metrics/report/handshake_report.h"

namespace tlsfloor::report {

/// What the families table says of a family id: the software, and what its users must change.
struct FamilyDescription {
  std::string_view name;
  std::string_view advice;
  std::string_view link;
};

/// What the owner directory says of an owner: who to tell and where.
struct OwnerDescription {
  std::string contacts;  // joined with ", "
  std::string link;
};

/// How the tables are printed.
struct RenderOptions {
  /// Rows per table; 0 prints all. The rows left out are counted in the output.
  std::size_t top = 50;
  /// The families table's description of an id (the proxy's, given by the command: the
  /// report reads logs and knows no table); nothing for ids it does not hold.
  std::function<std::optional<FamilyDescription>(std::string_view family)> describe_family;
  /// The owner directory's entry for an owner (with --config and an owners_file); nothing
  /// without one.
  std::function<std::optional<OwnerDescription>(std::string_view owner)> describe_owner;
};

/// A report for terminals: the totals, then the routes, clients, "Client families" and
/// "Fingerprints (JA4)" tables with
/// aligned columns. Control characters in values from the log are printed as \xNN or \u00NN
/// escapes, so a hostile SNI cannot drive the terminal.
void render_text(const HandshakeReport& report, const RenderOptions& options, std::ostream& out);

/// On `err`: a warning for each replica (in the replicas table's order) whose lines have gaps
/// longer than the report's threshold, the first `shown` of them, then how many more have.
void write_gap_warnings(const HandshakeReport& report, std::size_t shown, std::ostream& err);

/// A span of time for people: "45s", "12m05s", "3h02m", "2d04h30m".
std::string format_span(std::chrono::seconds span);

/// The same report as one JSON document (indented, newline-terminated); the schema is in the
/// README ("Who would break: tlsfloor report").
std::string render_json(const HandshakeReport& report, const RenderOptions& options);

/// Rows of a table of `total` that `top` shows (0: all).
inline std::size_t rows_shown(std::size_t total, std::size_t top) {
  return top == 0 ? total : std::min(total, top);
}

/// part / whole, 0 for an empty whole.
inline double fraction(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace tlsfloor::report
