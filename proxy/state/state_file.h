#pragma once
// What tlsfloor remembers across restarts: when each exception was first loaded and last let a
// client in, so that `unused` (GET /exceptions, the metrics) does not reset with the process.
// A small JSON file, replaced atomically (write a temporary file, fsync, rename).
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "config/timestamp.h"

namespace tlsfloor::state {

struct ExceptionUsage {
  config::Timestamp first_loaded;
  std::optional<config::Timestamp> last_used;
  friend bool operator==(const ExceptionUsage&, const ExceptionUsage&) = default;
};

/// Keyed by (listener, exception).
using ExceptionUsages = std::map<std::pair<std::string, std::string>, ExceptionUsage>;

std::string state_to_json(const ExceptionUsages& usages);
/// nullopt, with the reason in `error`, when the text is not a state file of this version.
std::optional<ExceptionUsages> state_from_json(const std::string& text, std::string* error);

/// Reads `path`. A missing file is an empty state (first start); an unreadable or corrupt one is
/// logged and an empty state too: tlsfloor starts fresh rather than not at all.
ExceptionUsages load_state_file(const std::string& path);
/// Replaces `path` atomically; false (logged) on failure, the old file left intact.
bool save_state_file(const std::string& path, const ExceptionUsages& usages);

}  // namespace tlsfloor::state
