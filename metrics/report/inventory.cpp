#include "metrics/report/inventory.h"

#include <algorithm>
#include <functional>
#include <tuple>

#include "config/bounded_text.h"
#include "config/tls_version.h"

namespace tlsfloor::report {

std::string_view to_string(InventoryKind kind) {
  switch (kind) {
    case InventoryKind::protocol:
      return "protocol";
    case InventoryKind::cipher:
      return "cipher";
    case InventoryKind::group:
      return "group";
    case InventoryKind::certificate:
      return "certificate";
    case InventoryKind::upstream_protocol:
      return "upstream_protocol";
    case InventoryKind::upstream_cipher:
      return "upstream_cipher";
  }
  return "protocol";
}

void DistinctClients::add(const config::AddressPrefix& client) {
  const std::string_view bytes(reinterpret_cast<const char*>(client.bytes.data()),
                               client.is_ipv6() ? 16 : 4);
  const std::uint64_t hash = std::hash<std::string_view>{}(bytes);
  if (hashes_.count(hash) != 0) return;
  if (hashes_.size() >= kMaxCounted) {
    saturated_ = true;
    return;
  }
  hashes_.insert(hash);
}

void DistinctClients::merge(const DistinctClients& other) {
  saturated_ = saturated_ || other.saturated_;
  for (const std::uint64_t hash : other.hashes_) {
    if (hashes_.count(hash) != 0) continue;
    if (hashes_.size() >= kMaxCounted) {
      saturated_ = true;
      return;
    }
    hashes_.insert(hash);
  }
}

std::vector<const InventoryRow*> InventoryRoute::rows() const {
  std::vector<const InventoryRow*> rows;
  rows.reserve(rows_.size());
  for (const auto& [key, row] : rows_) rows.push_back(&row);
  std::sort(rows.begin(), rows.end(), [](const InventoryRow* a, const InventoryRow* b) {
    return std::tie(a->kind, b->handshakes, a->value) < std::tie(b->kind, a->handshakes, b->value);
  });
  return rows;
}

void Inventory::add(const HandshakeRecord& record) {
  ++handshakes_;
  first_seen_ = first_seen_ ? std::min(*first_seen_, record.time) : record.time;
  last_seen_ = last_seen_ ? std::max(*last_seen_, record.time) : record.time;
  // Cut like the report's values: names come from the log, which may come from anywhere.
  const std::string listener(config::utf8_prefix(record.listener));
  const std::string route_name(config::utf8_prefix(record.route));
  InventoryRoute& route = routes_[{listener, route_name}];
  if (route.handshakes++ == 0) {
    route.listener = listener;
    route.route = route_name;
  }
  if (record.negotiated_version == 0) return;
  ++completed_;
  ++route.completed;
  const auto count = [&](InventoryKind kind, std::string_view value) {
    if (value.empty()) return;
    const std::string text(config::utf8_prefix(value));
    InventoryRow& row = route.rows_[{kind, text}];
    if (row.handshakes++ == 0) {
      row.kind = kind;
      row.value = text;
      row.first_seen = record.time;
      row.last_seen = record.time;
    }
    row.first_seen = std::min(row.first_seen, record.time);
    row.last_seen = std::max(row.last_seen, record.time);
    row.clients.add(record.client);
    row.families.add(record.family);
  };
  count(InventoryKind::protocol, config::wire_version_label(record.negotiated_version));
  count(InventoryKind::cipher, record.cipher);
  // A line that logs groups names the group, or null for a key exchange without one.
  if (record.offered_groups) {
    count(InventoryKind::group, record.group.empty() ? "none" : record.group);
  }
  count(InventoryKind::certificate, record.certificate);
  if (record.upstream_version != 0) {
    count(InventoryKind::upstream_protocol, config::wire_version_label(record.upstream_version));
  }
  count(InventoryKind::upstream_cipher, record.upstream_cipher);
}

void Inventory::merge(Inventory&& later) {
  files_ += later.files_;
  handshakes_ += later.handshakes_;
  completed_ += later.completed_;
  malformed_lines_ += later.malformed_lines_;
  const auto earliest = [](const std::optional<config::Timestamp>& a,
                           const std::optional<config::Timestamp>& b) {
    return a && b ? std::optional(std::min(*a, *b)) : a ? a : b;
  };
  const auto latest = [](const std::optional<config::Timestamp>& a,
                         const std::optional<config::Timestamp>& b) {
    return a && b ? std::optional(std::max(*a, *b)) : a ? a : b;
  };
  first_seen_ = earliest(first_seen_, later.first_seen_);
  last_seen_ = latest(last_seen_, later.last_seen_);
  for (auto& [key, theirs] : later.routes_) {
    const auto [found, inserted] = routes_.try_emplace(key, std::move(theirs));
    if (inserted) continue;
    InventoryRoute& route = found->second;
    route.handshakes += theirs.handshakes;
    route.completed += theirs.completed;
    for (auto& [row_key, their_row] : theirs.rows_) {
      const auto [row, row_inserted] = route.rows_.try_emplace(row_key, std::move(their_row));
      if (row_inserted) continue;
      InventoryRow& mine = row->second;
      mine.handshakes += their_row.handshakes;
      mine.clients.merge(their_row.clients);
      mine.families.merge(their_row.families);
      mine.first_seen = std::min(mine.first_seen, their_row.first_seen);
      mine.last_seen = std::max(mine.last_seen, their_row.last_seen);
    }
  }
}

std::vector<const InventoryRoute*> Inventory::routes() const {
  std::vector<const InventoryRoute*> routes;
  routes.reserve(routes_.size());
  for (const auto& [key, route] : routes_) routes.push_back(&route);
  return routes;
}

}  // namespace tlsfloor::report
