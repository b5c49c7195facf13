#include "metrics/ledger/client_ledger.h"

#include <algorithm>

#include "config/bounded_text.h"

namespace tlsfloor::ledger {

std::uint64_t LedgerEntry::handshakes() const {
  std::uint64_t total = 0;
  for (const auto& by_decision : counts) {
    for (std::uint64_t count : by_decision) total += count;
  }
  return total;
}

void LedgerEntry::keep(std::vector<std::string>& values, std::string_view value) {
  if (value.empty() || values.size() >= kMaxValuesPerEntry) return;
  value = config::utf8_prefix(value);
  if (std::find(values.begin(), values.end(), value) != values.end()) return;
  values.emplace_back(value);
}

namespace {

// `later`'s facts added to `into`: counts summed, times widened, values kept in order.
void merge_entry(LedgerEntry& into, const LedgerEntry& later) {
  into.first_seen = std::min(into.first_seen, later.first_seen);
  into.last_seen = std::max(into.last_seen, later.last_seen);
  for (std::size_t v = 0; v < into.counts.size(); ++v) {
    for (std::size_t d = 0; d < into.counts[v].size(); ++d) into.counts[v][d] += later.counts[v][d];
  }
  for (const auto& value : later.families) LedgerEntry::keep(into.families, value);
  for (const auto& value : later.owners) LedgerEntry::keep(into.owners, value);
  for (const auto& value : later.fingerprints) LedgerEntry::keep(into.fingerprints, value);
  for (const auto& value : later.server_names) LedgerEntry::keep(into.server_names, value);
  into.below_version = into.below_version || later.below_version;
  into.below_ciphers = into.below_ciphers || later.below_ciphers;
  into.below_groups = into.below_groups || later.below_groups;
}

}  // namespace

ClientLedger::ClientLedger(LedgerBounds bounds) : bounds_(bounds) {}

void ClientLedger::touch(const LedgerKey& key, Node& node, config::Timestamp last_seen) {
  if (node.by_last_seen != by_last_seen_.end()) by_last_seen_.erase(node.by_last_seen);
  node.by_last_seen = by_last_seen_.emplace(last_seen, &key).first;
}

void ClientLedger::evict_beyond(std::size_t max_entries) {
  while (entries_.size() > max_entries && !by_last_seen_.empty()) {
    const LedgerKey* oldest = by_last_seen_.begin()->second;
    by_last_seen_.erase(by_last_seen_.begin());
    entries_.erase(*oldest);
    ++counters_.evicted;
    ++counters_.changes;
  }
}

void ClientLedger::record(const LedgerFact& fact) noexcept {
  LedgerKey key{std::string(config::utf8_prefix(fact.listener)),
                std::string(config::utf8_prefix(fact.route)),
                std::string(config::utf8_prefix(fact.client))};
  const std::lock_guard lock(mutex_);
  if (bounds_.max_entries == 0) return;
  auto found = entries_.find(key);
  if (found == entries_.end()) {
    // Room first: the newcomer is the most recently seen, never the one evicted.
    evict_beyond(bounds_.max_entries - 1);
    found = entries_.emplace(std::move(key), Node{{}, by_last_seen_.end()}).first;
    found->second.entry.first_seen = fact.when;
    found->second.entry.last_seen = fact.when;
  }
  LedgerEntry& entry = found->second.entry;
  // min/max: workers may record slightly out of order.
  entry.first_seen = std::min(entry.first_seen, fact.when);
  entry.last_seen = std::max(entry.last_seen, fact.when);
  ++entry.counts[config::wire_version_index(fact.version_wire)]
                [static_cast<std::size_t>(fact.decision)];
  LedgerEntry::keep(entry.families, fact.family);
  LedgerEntry::keep(entry.owners, fact.owner);
  LedgerEntry::keep(entry.fingerprints, fact.ja4);
  LedgerEntry::keep(entry.server_names, fact.server_name);
  entry.below_version = entry.below_version || fact.below_version;
  entry.below_ciphers = entry.below_ciphers || fact.below_ciphers;
  entry.below_groups = entry.below_groups || fact.below_groups;
  touch(found->first, found->second, entry.last_seen);
  ++counters_.changes;
}

void ClientLedger::restore(const LedgerRows& rows) {
  const std::lock_guard lock(mutex_);
  for (const auto& [key, remembered] : rows) {
    auto [found, inserted] = entries_.try_emplace(key, Node{remembered, by_last_seen_.end()});
    if (!inserted) merge_entry(found->second.entry, remembered);
    touch(found->first, found->second, found->second.entry.last_seen);
  }
  evict_beyond(bounds_.max_entries);
  ++counters_.changes;
}

void ClientLedger::set_bounds(LedgerBounds bounds) {
  const std::lock_guard lock(mutex_);
  bounds_ = bounds;
  evict_beyond(bounds_.max_entries);
}

std::size_t ClientLedger::expire(config::Timestamp now) {
  const std::lock_guard lock(mutex_);
  const config::Timestamp cutoff = now - bounds_.horizon;
  std::size_t expired = 0;
  while (!by_last_seen_.empty() && by_last_seen_.begin()->first < cutoff) {
    const LedgerKey* oldest = by_last_seen_.begin()->second;
    by_last_seen_.erase(by_last_seen_.begin());
    entries_.erase(*oldest);
    ++expired;
  }
  counters_.expired += expired;
  if (expired > 0) ++counters_.changes;
  return expired;
}

LedgerRows ClientLedger::seen_since(config::Timestamp since) const {
  const std::lock_guard lock(mutex_);
  LedgerRows rows;
  for (auto it = by_last_seen_.rbegin(); it != by_last_seen_.rend() && it->first >= since; ++it) {
    rows.emplace_back(*it->second, entries_.at(*it->second).entry);
  }
  // Equal times come out in key-address order from the index: by key, for a stable order.
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second.last_seen != b.second.last_seen ? a.second.last_seen > b.second.last_seen
                                                    : a.first < b.first;
  });
  return rows;
}

LedgerRows ClientLedger::rows() const {
  const std::lock_guard lock(mutex_);
  LedgerRows rows;
  rows.reserve(entries_.size());
  for (const auto& [key, node] : entries_) rows.emplace_back(key, node.entry);
  return rows;
}

ClientLedger::Counters ClientLedger::counters() const {
  const std::lock_guard lock(mutex_);
  Counters counters = counters_;
  counters.entries = entries_.size();
  return counters;
}

LedgerBounds ClientLedger::bounds() const {
  const std::lock_guard lock(mutex_);
  return bounds_;
}

}  // namespace tlsfloor::ledger
