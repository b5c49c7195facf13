#include "metrics/report/ledger_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <tuple>

#include "config/owner_directory.h"
#include "metrics/ledger/ledger_file.h"
#include "metrics/report/text_table.h"

namespace tlsfloor::report {
namespace {

std::uint64_t at_index(const ledger::LedgerEntry& entry, std::size_t index) {
  std::uint64_t total = 0;
  for (std::uint64_t count : entry.counts[index]) total += count;
  return total;
}

// Handshakes below `floor`: "unknown" (index 0) is below any floor.
std::uint64_t below_floor(const ledger::LedgerEntry& entry,
                          const std::optional<config::TlsVersion>& floor) {
  if (!floor) return 0;
  const std::size_t floor_index = config::wire_version_index(static_cast<std::uint16_t>(*floor));
  std::uint64_t total = 0;
  for (std::size_t index = 0; index < floor_index; ++index) total += at_index(entry, index);
  return total;
}

std::string joined(const std::vector<std::string>& values) {
  std::string text;
  for (const auto& value : values) text += (text.empty() ? "" : ",") + printable(value);
  return text.empty() ? "-" : text;
}

std::string day(config::Timestamp when) { return config::format_timestamp(when).substr(0, 10); }

}  // namespace

LedgerReport build_ledger_report(const ledger::LedgerRows& rows,
                                 const LedgerReportSettings& settings) {
  LedgerReport report;
  for (const auto& [key, entry] : rows) {
    ++report.entries_read;
    if (settings.since && entry.last_seen < *settings.since) continue;
    if (settings.route && key.route != *settings.route) continue;
    if (settings.owner) {
      const bool owned = *settings.owner == config::kUnowned
                             ? entry.owners.empty()
                             : std::find(entry.owners.begin(), entry.owners.end(),
                                         *settings.owner) != entry.owners.end();
      if (!owned) continue;
    }
    const std::uint64_t affected = below_floor(entry, settings.floor);
    if (affected == 0) continue;
    report.affected_handshakes += affected;
    report.rows.push_back({key, entry, affected});
  }
  std::sort(report.rows.begin(), report.rows.end(), [](const auto& a, const auto& b) {
    return std::tie(b.affected, b.entry.last_seen, a.key) <
           std::tie(a.affected, a.entry.last_seen, b.key);
  });
  return report;
}

void render_ledger_text(const LedgerReport& report, const LedgerReportSettings& settings,
                        const std::string& path, std::size_t top, std::ostream& out) {
  out << "Client ledger " << printable(path) << ": " << report.rows.size() << " clients below "
      << (settings.floor ? config::to_string(*settings.floor) : "no floor") << " ("
      << report.affected_handshakes << " handshakes) of " << report.entries_read << " remembered";
  if (settings.since) out << ", seen since " << config::format_timestamp(*settings.since);
  out << "\n\n";
  std::vector<std::vector<std::string>> cells;
  for (const LedgerReportRow& row : report.rows) {
    if (top != 0 && cells.size() == top) break;
    std::string versions;
    for (std::size_t index = 0; index < config::kWireVersionLabels; ++index) {
      if (const std::uint64_t n = at_index(row.entry, index)) {
        versions += (versions.empty() ? "" : " ") +
                    std::string(config::wire_version_label(config::wire_version_at_index(index))) +
                    ":" + std::to_string(n);
      }
    }
    cells.push_back({printable(row.key.listener), printable(row.key.route),
                     printable(row.key.client), day(row.entry.first_seen), day(row.entry.last_seen),
                     std::to_string(row.affected), versions, joined(row.entry.families),
                     joined(row.entry.owners)});
  }
  write_table(out,
              {{"LISTENER"},
               {"ROUTE"},
               {"CLIENT"},
               {"FIRST SEEN"},
               {"LAST SEEN"},
               {"AFFECTED", true},
               {"VERSIONS"},
               {"FAMILIES"},
               {"OWNERS"}},
              cells);
  if (top != 0 && report.rows.size() > top) {
    out << "(" << report.rows.size() - top << " more; --top 0 shows all)\n";
  }
}

void render_ledger_json(const LedgerReport& report, const LedgerReportSettings& settings,
                        const std::string& path, std::ostream& out) {
  using Json = nlohmann::ordered_json;
  Json clients = Json::array();
  for (const LedgerReportRow& row : report.rows) {
    Json client = ledger::entry_to_json(row.key, row.entry);
    client["affected"] = row.affected;
    clients.push_back(std::move(client));
  }
  Json document;
  document["ledger"] = path;
  document["floor"] = settings.floor ? Json(config::to_string(*settings.floor)) : Json(nullptr);
  document["since"] =
      settings.since ? Json(config::format_timestamp(*settings.since)) : Json(nullptr);
  document["entries_read"] = report.entries_read;
  document["affected_clients"] = report.rows.size();
  document["affected_handshakes"] = report.affected_handshakes;
  document["clients"] = std::move(clients);
  out << document.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace tlsfloor::report
