#include "proxy/state/state_file.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/file_io.h"

namespace tlsfloor::state {
namespace {

constexpr int kVersion = 1;

// The file holds milliseconds (format_timestamp's width); a finer time written by hand is read
// at that precision too, so that what is read writes back unchanged (the fuzzer found
// ".000001Z" read as a microsecond that the next save dropped).
std::optional<config::Timestamp> read_time(const std::string& text) {
  const auto when = config::parse_timestamp(text);
  if (!when) return std::nullopt;
  return std::chrono::floor<std::chrono::milliseconds>(*when);
}

}  // namespace

std::string state_to_json(const ExceptionUsages& usages) {
  nlohmann::ordered_json exceptions = nlohmann::ordered_json::array();
  for (const auto& [key, usage] : usages) {
    nlohmann::ordered_json entry;
    entry["listener"] = key.first;
    entry["exception"] = key.second;
    entry["first_loaded"] = config::format_timestamp(usage.first_loaded);
    entry["last_used"] = usage.last_used
                             ? nlohmann::ordered_json(config::format_timestamp(*usage.last_used))
                             : nlohmann::ordered_json(nullptr);
    exceptions.push_back(std::move(entry));
  }
  nlohmann::ordered_json document;
  document["version"] = kVersion;
  document["exceptions"] = std::move(exceptions);
  return document.dump(2) + "\n";
}

std::optional<ExceptionUsages> state_from_json(const std::string& text, std::string* error) {
  const auto fail = [&](std::string why) -> std::optional<ExceptionUsages> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  // Without exceptions: a syntax error, or a number beyond a double, is a discarded document.
  const auto document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return fail("not JSON");
  // Every member's type is checked before it is read: nlohmann throws on a mismatch (the
  // fuzzer found "version": [] stopping tlsfloor at start).
  if (!document.is_object() || !document.contains("version") ||
      !document["version"].is_number_integer() || document["version"] != kVersion ||
      !document.contains("exceptions") || !document["exceptions"].is_array()) {
    return fail("not a version 1 state file");
  }
  ExceptionUsages usages;
  for (const auto& entry : document["exceptions"]) {
    if (!entry.is_object() || !entry.contains("listener") || !entry["listener"].is_string() ||
        !entry.contains("exception") || !entry["exception"].is_string() ||
        !entry.contains("first_loaded") || !entry["first_loaded"].is_string()) {
      return fail("an entry lacks listener, exception or first_loaded");
    }
    const auto first = read_time(entry["first_loaded"].get<std::string>());
    if (!first) return fail("bad first_loaded time");
    ExceptionUsage usage{*first, std::nullopt};
    if (entry.contains("last_used") && !entry["last_used"].is_null()) {
      if (!entry["last_used"].is_string()) return fail("bad last_used time");
      usage.last_used = read_time(entry["last_used"].get<std::string>());
      if (!usage.last_used) return fail("bad last_used time");
    }
    usages[{entry["listener"].get<std::string>(), entry["exception"].get<std::string>()}] = usage;
  }
  return usages;
}

ExceptionUsages load_state_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) {
      spdlog::info("state file {} does not exist yet: starting fresh", path);
    } else {
      spdlog::warn("state file {} cannot be read ({}): starting fresh", path, std::strerror(errno));
    }
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string error;
  auto usages = state_from_json(text.str(), &error);
  if (!usages) {
    spdlog::warn("state file {} is corrupt ({}): starting fresh; it will be rewritten", path,
                 error);
    return {};
  }
  return std::move(*usages);
}

bool save_state_file(const std::string& path, const ExceptionUsages& usages) {
  if (config::replace_file(path, state_to_json(usages), 0640)) return true;
  spdlog::error("state file {}: cannot write it ({}); the previous one stays", path,
                std::strerror(errno));
  return false;
}

}  // namespace tlsfloor::state
