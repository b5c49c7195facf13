#include "proxy/admin/ledger_clients_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "config/owner_directory.h"
#include "config/tls_version.h"
#include "metrics/ledger/ledger_file.h"
#include "proxy/admin/families_json.h"

namespace tlsfloor::admin {
namespace {

using Json = nlohmann::ordered_json;

bool holds(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool passes(const ledger::LedgerKey& key, const ledger::LedgerEntry& entry,
            const LegacyClientsFilter& filter) {
  if (filter.listener && key.listener != *filter.listener) return false;
  if (filter.route && key.route != *filter.route) return false;
  if (filter.version) {
    const auto& counts = entry.counts[config::wire_version_index(*filter.version)];
    if (std::all_of(counts.begin(), counts.end(), [](std::uint64_t n) { return n == 0; })) {
      return false;
    }
  }
  if (filter.family && !holds(entry.families, *filter.family)) return false;
  if (filter.owner) {
    return *filter.owner == config::kUnowned ? entry.owners.empty()
                                             : holds(entry.owners, *filter.owner);
  }
  return true;
}

}  // namespace

std::string ledger_clients_json(const ledger::LedgerRows& rows, const ledger::LedgerBounds& bounds,
                                const LegacyClientsFilter& filter, config::Timestamp now) {
  std::vector<const ledger::LedgerRows::value_type*> passing;
  for (const auto& row : rows) {
    if (passes(row.first, row.second, filter)) passing.push_back(&row);
  }
  const ClientsPage page = page_of(passing.size(), filter);
  Json clients = Json::array();
  for (std::size_t i = page.begin; i < page.end; ++i) {
    Json client = ledger::entry_to_json(passing[i]->first, passing[i]->second);
    Json families = Json::array();
    for (const std::string& family : passing[i]->second.families) {
      families.push_back(family_json(family));
    }
    client["families"] = std::move(families);
    clients.push_back(std::move(client));
  }
  Json document;
  document["generated_at"] = config::format_timestamp(now);
  document["source"] = "ledger";
  document["since"] = config::format_timestamp(now - filter.since.value_or(bounds.horizon));
  document["horizon_days"] = std::chrono::duration_cast<std::chrono::days>(bounds.horizon).count();
  document["max_entries"] = bounds.max_entries;
  return clients_page_json(std::move(document), passing.size(), page, std::move(clients));
}

}  // namespace tlsfloor::admin
