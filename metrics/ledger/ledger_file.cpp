#include "metrics/ledger/ledger_file.h"

#include <algorithm>
#include <array>

#include "config/tls_version.h"

namespace tlsfloor::ledger {
namespace {

constexpr int kVersion = 1;

using config::LegacyDecision;
constexpr std::array<LegacyDecision, config::kLegacyDecisionCount> kDecisions = {
    LegacyDecision::allowed_exception, LegacyDecision::rejected, LegacyDecision::rejected_brownout,
    LegacyDecision::would_reject};

// The file holds milliseconds; a finer time is read at that precision, so that what is read
// writes back unchanged.
std::optional<config::Timestamp> read_time(const nlohmann::json& value) {
  if (!value.is_string()) return std::nullopt;
  const auto when = config::parse_timestamp(value.get<std::string>());
  if (!when) return std::nullopt;
  return std::chrono::floor<std::chrono::milliseconds>(*when);
}

bool read_values(const nlohmann::json& entry, const char* name, std::vector<std::string>& into) {
  if (!entry.contains(name)) return true;
  const nlohmann::json& values = entry[name];
  if (!values.is_array()) return false;
  for (const auto& value : values) {
    if (!value.is_string()) return false;
    LedgerEntry::keep(into, value.get_ref<const std::string&>());
  }
  return true;
}

// One entry; the reason it is not one otherwise.
std::optional<std::pair<LedgerKey, LedgerEntry>> read_entry(const nlohmann::json& json,
                                                            std::string& why) {
  for (const char* name : {"listener", "route", "client"}) {
    if (!json.contains(name) || !json[name].is_string() ||
        json[name].get_ref<const std::string&>().empty()) {
      why = std::string("an entry lacks ") + name;
      return std::nullopt;
    }
  }
  LedgerKey key{json["listener"].get<std::string>(), json["route"].get<std::string>(),
                json["client"].get<std::string>()};
  LedgerEntry entry;
  const auto first = json.contains("first_seen") ? read_time(json["first_seen"]) : std::nullopt;
  const auto last = json.contains("last_seen") ? read_time(json["last_seen"]) : std::nullopt;
  if (!first || !last || *first > *last) {
    why = "an entry's first_seen or last_seen is not a time, or the first is after the last";
    return std::nullopt;
  }
  entry.first_seen = *first;
  entry.last_seen = *last;
  if (!json.contains("by_version") || !json["by_version"].is_object()) {
    why = "an entry lacks by_version";
    return std::nullopt;
  }
  for (const auto& [label, decisions] : json["by_version"].items()) {
    const auto wire = config::wire_version_from_label(label);
    if (!wire || !decisions.is_object()) {
      why = "unknown version " + label;
      return std::nullopt;
    }
    auto& counts = entry.counts[config::wire_version_index(*wire)];
    for (const auto& item : decisions.items()) {
      // Not a structured binding: clang 14 (the fuzzers' compiler) cannot capture one.
      const std::string& decision = item.key();
      const nlohmann::json& count = item.value();
      const auto known = std::find_if(kDecisions.begin(), kDecisions.end(),
                                      [&](auto d) { return config::to_string(d) == decision; });
      if (known == kDecisions.end() || !count.is_number_unsigned()) {
        why = "bad count for " + label + " " + decision;
        return std::nullopt;
      }
      counts[static_cast<std::size_t>(*known)] = count.get<std::uint64_t>();
    }
  }
  if (!read_values(json, "families", entry.families) ||
      !read_values(json, "owners", entry.owners) ||
      !read_values(json, "fingerprints", entry.fingerprints) ||
      !read_values(json, "server_names", entry.server_names)) {
    why = "an entry's families, owners, fingerprints or server_names is not a list of strings";
    return std::nullopt;
  }
  std::vector<std::string> below;
  if (!read_values(json, "below", below)) {
    why = "an entry's below is not a list of strings";
    return std::nullopt;
  }
  for (const std::string& floor : below) {
    entry.below_version = entry.below_version || floor == "version";
    entry.below_ciphers = entry.below_ciphers || floor == "ciphers";
    entry.below_groups = entry.below_groups || floor == "groups";
  }
  return std::pair{std::move(key), std::move(entry)};
}

}  // namespace

nlohmann::ordered_json entry_to_json(const LedgerKey& key, const LedgerEntry& entry) {
  nlohmann::ordered_json json;
  json["listener"] = key.listener;
  json["route"] = key.route;
  json["client"] = key.client;
  json["first_seen"] = config::format_timestamp(entry.first_seen);
  json["last_seen"] = config::format_timestamp(entry.last_seen);
  json["handshakes"] = entry.handshakes();
  nlohmann::ordered_json by_version = nlohmann::ordered_json::object();
  for (std::size_t v = 0; v < entry.counts.size(); ++v) {
    nlohmann::ordered_json decisions = nlohmann::ordered_json::object();
    for (LegacyDecision decision : kDecisions) {
      const std::uint64_t count = entry.counts[v][static_cast<std::size_t>(decision)];
      if (count > 0) decisions[std::string(config::to_string(decision))] = count;
    }
    if (!decisions.empty()) {
      by_version[std::string(config::wire_version_label(config::wire_version_at_index(v)))] =
          std::move(decisions);
    }
  }
  json["by_version"] = std::move(by_version);
  json["families"] = entry.families;
  json["owners"] = entry.owners;
  json["fingerprints"] = entry.fingerprints;
  json["server_names"] = entry.server_names;
  nlohmann::ordered_json below = nlohmann::ordered_json::array();
  if (entry.below_version) below.push_back("version");
  if (entry.below_ciphers) below.push_back("ciphers");
  if (entry.below_groups) below.push_back("groups");
  json["below"] = std::move(below);
  return json;
}

std::string ledger_to_json(const LedgerRows& rows) {
  // One entry a line: a file of thousands stays readable with grep and diff.
  std::string text = "{\"version\": " + std::to_string(kVersion) + ", \"clients\": [\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    // Server names are the client's bytes: invalid UTF-8 is replaced, never a throw.
    text += entry_to_json(rows[i].first, rows[i].second)
                .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    text += i + 1 < rows.size() ? ",\n" : "\n";
  }
  return text + "]}\n";
}

std::optional<LedgerRows> ledger_from_json(const std::string& text, std::size_t max_entries,
                                           std::string* error, std::size_t* dropped) {
  const auto fail = [&](std::string why) -> std::optional<LedgerRows> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  const auto document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return fail("not JSON");
  if (!document.is_object() || !document.contains("version") ||
      !document["version"].is_number_integer() || document["version"] != kVersion ||
      !document.contains("clients") || !document["clients"].is_array()) {
    return fail("not a version 1 client ledger");
  }
  LedgerRows rows;
  for (const auto& json : document["clients"]) {
    std::string why;
    auto row = read_entry(json, why);
    if (!row) return fail(why);
    rows.push_back(std::move(*row));
  }
  // The most recently seen first; beyond max_entries, the rest is dropped (and counted).
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second.last_seen > b.second.last_seen;
  });
  if (dropped != nullptr) *dropped = rows.size() > max_entries ? rows.size() - max_entries : 0;
  if (rows.size() > max_entries) rows.resize(max_entries);
  return rows;
}

}  // namespace tlsfloor::ledger
