#include "proxy/admin/legacy_clients_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>

#include "config/named_group.h"
#include "config/owner_directory.h"
#include "config/tls_version.h"
#include "proxy/admin/families_json.h"

namespace tlsfloor::admin {
namespace {

using Json = nlohmann::ordered_json;
using ClientStats = metrics::LegacyClientTracker::ClientStats;

Json time_or_null(const ClientStats& stats) {
  if (stats.by_version_decision.empty()) return {nullptr, nullptr};
  return {config::format_timestamp(stats.first_seen), config::format_timestamp(stats.last_seen)};
}

Json by_version(const ClientStats& stats) {
  Json versions = Json::object();
  for (const auto& [key, n] : stats.by_version_decision) {
    versions[std::string(config::wire_version_label(key.first))]
            [std::string(to_string(key.second))] = n;
  }
  return versions;
}

std::uint64_t count_at(const ClientStats& stats, std::uint16_t version) {
  std::uint64_t total = 0;
  for (const auto& [key, n] : stats.by_version_decision) {
    if (key.first == version) total += n;
  }
  return total;
}

Json other_json(const ClientStats& other) {
  const Json seen = time_or_null(other);
  Json json;
  json["handshakes"] = other.count;
  json["by_version"] = by_version(other);
  json["first_seen"] = seen[0];
  json["last_seen"] = seen[1];
  return json;
}

Json group_names(const std::vector<std::uint16_t>& groups) {
  Json names = Json::array();
  for (const std::uint16_t group : groups) names.push_back(config::group_name(group));
  return names;
}

Json client_json(const std::string& listener, const ClientStats& stats) {
  const Json seen = time_or_null(stats);
  Json json;
  json["listener"] = listener;
  json["client"] = client_label(stats);
  json["handshakes"] = stats.count;
  json["overcount_bound"] = stats.error;
  json["by_version"] = by_version(stats);
  json["first_seen"] = seen[0];
  json["last_seen"] = seen[1];
  json["server_names"] = stats.server_names;
  json["routes"] = stats.routes;
  json["ja4"] = stats.fingerprints;
  Json families = Json::array();
  for (const std::string& family : stats.families) families.push_back(family_json(family));
  json["families"] = std::move(families);
  json["owners"] = stats.owners;
  json["last_cipher"] = stats.last_cipher.empty() ? Json(nullptr) : Json(stats.last_cipher);
  json["last_certificate"] =
      stats.last_certificate.empty() ? Json(nullptr) : Json(stats.last_certificate);
  json["last_group"] =
      stats.last_group == 0 ? Json(nullptr) : Json(config::group_name(stats.last_group));
  json["offered_groups"] = group_names(stats.last_offered_groups);
  json["key_share_groups"] = group_names(stats.last_key_share_groups);
  json["pq_offered"] = stats.pq_offered;
  Json below = Json::array();
  if (stats.below_version) below.push_back("version");
  if (stats.below_ciphers) below.push_back("ciphers");
  if (stats.below_groups) below.push_back("groups");
  json["below"] = std::move(below);
  Json failures = Json::object();
  for (const auto& [reason, n] : stats.failures) failures[reason] = n;
  json["failures"] = std::move(failures);
  // Additive: clients keyed by certificate list their addresses; every client its last verified
  // certificate (null when none was asked for, or none verified).
  if (!stats.subject.empty()) json["addresses"] = stats.addresses;
  if (const auto& seen = stats.last_client_certificate) {
    json["client_certificate"] = {{"subject", seen->subject},
                                  {"issuer", seen->issuer},
                                  {"serial", seen->serial},
                                  {"sha256", seen->sha256},
                                  {"not_after", config::format_timestamp(seen->not_after)},
                                  {"result", seen->result}};
  } else {
    json["client_certificate"] = nullptr;
  }
  return json;
}

}  // namespace

std::optional<std::string> legacy_clients_json(
    const std::vector<metrics::ListenerLegacyClients>& tables, const LegacyClientsFilter& filter,
    config::Timestamp now) {
  struct Row {
    const std::string* listener;
    const ClientStats* stats;
    std::uint64_t weight;
  };
  Json listeners = Json::array();
  std::vector<Row> rows;
  for (const auto& table : tables) {
    if (filter.listener && table.listener != *filter.listener) continue;
    Json summary;
    summary["listener"] = table.listener;
    summary["top_k"] = table.top_k;
    summary["tracked"] = table.contents.clients.size();
    summary["handshakes"] = table.contents.total;
    summary["other"] = other_json(table.contents.other);
    listeners.push_back(std::move(summary));
    for (const auto& stats : table.contents.clients) {
      const std::uint64_t weight = filter.version ? count_at(stats, *filter.version) : stats.count;
      if (filter.version && weight == 0) continue;
      if (filter.route && std::find(stats.routes.begin(), stats.routes.end(), *filter.route) ==
                              stats.routes.end()) {
        continue;
      }
      if (filter.family && std::find(stats.families.begin(), stats.families.end(),
                                     *filter.family) == stats.families.end()) {
        continue;
      }
      if (filter.owner &&
          (*filter.owner == config::kUnowned ? !stats.owners.empty()
                                             : std::find(stats.owners.begin(), stats.owners.end(),
                                                         *filter.owner) == stats.owners.end())) {
        continue;
      }
      rows.push_back({&table.listener, &stats, weight});
    }
  }
  if (filter.listener && listeners.empty()) return std::nullopt;
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(b.weight, *a.listener, a.stats->subject, a.stats->client) <
           std::tie(a.weight, *b.listener, b.stats->subject, b.stats->client);
  });
  const ClientsPage page = page_of(rows.size(), filter);
  Json clients = Json::array();
  for (std::size_t i = page.begin; i < page.end; ++i) {
    clients.push_back(client_json(*rows[i].listener, *rows[i].stats));
  }
  Json document;
  document["generated_at"] = config::format_timestamp(now);
  document["listeners"] = std::move(listeners);
  return clients_page_json(std::move(document), rows.size(), page, std::move(clients));
}

ClientsPage page_of(std::size_t total, const LegacyClientsFilter& filter) {
  ClientsPage page;
  page.limit = std::min(filter.limit, LegacyClientsFilter::kMaxPage);
  page.begin = std::min(filter.offset, total);
  page.end = page.begin + std::min(page.limit, total - page.begin);
  return page;
}

std::string clients_page_json(Json document, std::size_t total, const ClientsPage& page,
                              Json clients) {
  document["total_clients"] = total;
  document["offset"] = page.begin;
  document["limit"] = page.limit;
  document["next_offset"] = page.end < total ? Json(page.end) : Json(nullptr);
  document["clients"] = std::move(clients);
  return document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace tlsfloor::admin
