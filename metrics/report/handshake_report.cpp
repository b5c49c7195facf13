#include "metrics/report/handshake_report.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <limits>
#include <tuple>

#include "config/bounded_text.h"

namespace tlsfloor::report {

void DistinctValues::add(std::string_view value) {
  if (value.empty()) return;
  value = config::utf8_prefix(value);
  if (std::find(kept_.begin(), kept_.end(), value) != kept_.end()) return;
  if (kept_.size() < kMaxKept) {
    kept_.emplace_back(value);
    return;
  }
  const std::uint64_t hash = std::hash<std::string_view>{}(value);
  const auto position = std::lower_bound(more_hashes_.begin(), more_hashes_.end(), hash);
  if (position != more_hashes_.end() && *position == hash) return;
  if (more_hashes_.size() >= kMaxCounted) {
    saturated_ = true;
    return;
  }
  more_hashes_.insert(position, hash);
}

void AffectedHandshakes::add(const HandshakeRecord& record) {
  if (count == 0) {
    first_seen = record.time;
    last_seen = record.time;
  }
  // min/max rather than first/last: rotated logs can be given in any order.
  first_seen = std::min(first_seen, record.time);
  last_seen = std::max(last_seen, record.time);
  ++count;
  ++by_version[config::wire_version_index(record.highest_offered)];
  ++by_decision[static_cast<std::size_t>(record.decision)];
  if (record.failed) ++failing;
}

std::uint64_t AffectedHandshakes::with_version(std::uint16_t wire) const {
  return by_version[config::wire_version_index(wire)];
}

HandshakeReport::HandshakeReport(Settings settings) : settings_(settings) {}

bool HandshakeReport::is_affected(std::uint16_t highest_offered) const {
  // "unknown" is 0, below every version's wire code.
  return settings_.floor && highest_offered < static_cast<std::uint16_t>(*settings_.floor);
}

bool HandshakeReport::is_affected(const HandshakeRecord& record) const {
  if (is_affected(record.highest_offered)) return true;
  if (settings_.ciphers && record.offered_ciphers && record.highest_offered != 0 &&
      !config::shares_suite(*record.offered_ciphers, *settings_.ciphers, record.highest_offered)) {
    return true;
  }
  if (!record.offered_groups || record.highest_offered == 0) return false;
  if (settings_.pq && !record.pq_offered) return true;
  return settings_.groups && !shares_candidate_group(record);
}

bool HandshakeReport::shares_candidate_group(const HandshakeRecord& record) const {
  const std::vector<std::uint16_t>& offered = *record.offered_groups;
  if (offered.empty()) return true;  // names no group: its suite's key exchange, not judged here
  const bool tls13 = record.highest_offered >= config::wire::kTls1_3;
  return std::any_of(offered.begin(), offered.end(), [&](std::uint16_t group) {
    return (tls13 || !config::is_tls13_only(group)) &&
           std::find(settings_.groups->begin(), settings_.groups->end(), group) !=
               settings_.groups->end();
  });
}

std::string group_list_cell(const HandshakeRecord& record) {
  if (!record.offered_groups || record.offered_groups->empty()) return "-";
  return config::group_list_text(*record.offered_groups);
}

std::vector<std::uint16_t> HandshakeReport::affected_versions() const {
  std::vector<std::uint16_t> versions;
  // A cipher list can leave clients of any version below TLS 1.3 without a suite, a group list
  // (or the want of a post-quantum one) clients of any version.
  const std::uint16_t last = judges_key_exchange() ? config::wire::kTls1_3
                             : settings_.ciphers   ? config::wire::kTls1_2
                                                   : 0;
  for (std::uint16_t wire = config::wire::kSsl3_0; is_affected(wire) || wire <= last; ++wire) {
    versions.push_back(wire);
  }
  versions.push_back(0);  // unknown
  return versions;
}

void HandshakeReport::add(const HandshakeRecord& record) {
  if (settings_.route && record.route != *settings_.route) {
    ++totals_.other_routes;
    return;
  }
  ++totals_.handshakes;
  // Cut like DistinctValues: names come from the log, which may come from anywhere.
  RouteRow& route = routes_[{std::string(config::utf8_prefix(record.listener)),
                             std::string(config::utf8_prefix(record.route))}];
  if (route.handshakes++ == 0) {
    route.listener = config::utf8_prefix(record.listener);
    route.route = config::utf8_prefix(record.route);
  }
  totals_.first_seen =
      totals_.first_seen ? std::min(*totals_.first_seen, record.time) : record.time;
  totals_.last_seen = totals_.last_seen ? std::max(*totals_.last_seen, record.time) : record.time;
  if (settings_.ciphers && !record.offered_ciphers) ++totals_.without_ciphers;
  if (judges_key_exchange() && !record.offered_groups) ++totals_.without_groups;
  if (!is_affected(record)) return;
  ++totals_.affected;
  totals_.affected_detail.add(record);
  route.affected.add(record);

  const config::AddressPrefix key =
      config::masked(record.client, settings_.ipv4_prefix, settings_.ipv6_prefix);
  auto client = clients_.find(key);
  if (client == clients_.end()) {
    assert(clients_.size() < std::numeric_limits<std::uint32_t>::max());
    ClientEntry entry;
    entry.row.client = key;
    entry.row.client_text = to_string(key);
    entry.id = static_cast<std::uint32_t>(clients_.size());
    client = clients_.emplace(key, std::move(entry)).first;
  }
  ClientRow& client_row = client->second.row;
  client_row.affected.add(record);
  client_row.server_names.add(record.server_name);
  client_row.fingerprints.add(record.ja4);
  client_row.listeners.add(record.listener);
  client_row.routes.add(record.route);
  client_row.failures.add(record.failure);
  if (judges_key_exchange()) client_row.group_lists.add(group_list_cell(record));

  // Cut like the values in DistinctValues, so that a row's size is bounded whatever the log.
  const std::string_view ja4 = config::utf8_prefix(record.ja4);
  auto fingerprint = fingerprints_.find(ja4);
  if (fingerprint == fingerprints_.end()) {
    assert(fingerprints_.size() < std::numeric_limits<std::uint32_t>::max());
    FingerprintEntry entry;
    entry.row.ja4 = ja4;
    entry.id = static_cast<std::uint32_t>(fingerprints_.size());
    fingerprint = fingerprints_.emplace(std::string(ja4), std::move(entry)).first;
  }
  FingerprintRow& fingerprint_row = fingerprint->second.row;
  fingerprint_row.affected.add(record);
  fingerprint_row.server_names.add(record.server_name);
  if (judges_key_exchange()) fingerprint_row.group_lists.add(group_list_cell(record));
  const std::uint64_t pair = std::uint64_t{client->second.id} << 32 | fingerprint->second.id;
  if (client_fingerprint_pairs_.insert(pair).second) ++fingerprint_row.clients;
}

std::vector<const ClientRow*> HandshakeReport::clients() const {
  std::vector<const ClientRow*> rows;
  rows.reserve(clients_.size());
  for (const auto& [key, entry] : clients_) rows.push_back(&entry.row);
  std::sort(rows.begin(), rows.end(), [](const ClientRow* a, const ClientRow* b) {
    return std::tie(b->affected.count, a->client_text) <
           std::tie(a->affected.count, b->client_text);
  });
  return rows;
}

std::vector<const ClientRow*> HandshakeReport::clients_that_would_break() const {
  std::vector<const ClientRow*> rows = clients();
  std::erase_if(rows, [](const ClientRow* row) { return !row->would_break(); });
  return rows;
}

std::vector<const ClientRow*> HandshakeReport::clients_failing_today() const {
  std::vector<const ClientRow*> rows = clients();
  std::erase_if(rows, [](const ClientRow* row) { return row->would_break(); });
  return rows;
}

std::vector<const FingerprintRow*> HandshakeReport::fingerprints() const {
  std::vector<const FingerprintRow*> rows;
  rows.reserve(fingerprints_.size());
  for (const auto& [ja4, entry] : fingerprints_) rows.push_back(&entry.row);
  std::sort(rows.begin(), rows.end(), [](const FingerprintRow* a, const FingerprintRow* b) {
    return std::tie(b->affected.count, a->ja4) < std::tie(a->affected.count, b->ja4);
  });
  return rows;
}

std::vector<const RouteRow*> HandshakeReport::routes() const {
  std::vector<const RouteRow*> rows;
  rows.reserve(routes_.size());
  for (const auto& [key, row] : routes_) rows.push_back(&row);
  std::sort(rows.begin(), rows.end(), [](const RouteRow* a, const RouteRow* b) {
    return std::tie(b->affected.count, a->listener, a->route) <
           std::tie(a->affected.count, b->listener, b->route);
  });
  return rows;
}

}  // namespace tlsfloor::report
