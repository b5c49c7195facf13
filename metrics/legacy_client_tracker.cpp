#include "metrics/legacy_client_tracker.h"

#include <algorithm>
#include <tuple>

#include "config/bounded_text.h"
#include "config/tls_version.h"

namespace tlsfloor::metrics {
namespace {

// First-N rather than most recent: a client's set then stops changing once full, and a
// client cannot push the values an operator is looking for out by cycling through new ones.
void add_bounded(std::vector<std::string>& values, std::string_view value, std::size_t limit) {
  if (value.empty() || values.size() >= limit) return;
  value = config::utf8_prefix(value);
  if (std::find(values.begin(), values.end(), value) != values.end()) return;
  values.emplace_back(value);
}

}  // namespace

LegacyClientTracker::LegacyClientTracker(Options options) : options_(options) {}

void LegacyClientTracker::record(const Observation& observation) noexcept {
  const std::lock_guard lock(mutex_);
  ++total_;
  if (options_.top_k == 0) {
    count(other_, observation);
    return;
  }
  Key key{std::string(config::utf8_prefix(observation.subject)),
          observation.subject.empty() ? observation.client : config::AddressPrefix{}};
  auto it = clients_.find(key);
  if (it == clients_.end()) {
    // Space-Saving: the newcomer takes the minimum's place and inherits its count as error.
    std::uint64_t inherited = 0;
    if (clients_.size() >= options_.top_k) {
      inherited = by_count_.begin()->first;
      evict_minimum();
    }
    it = clients_.emplace(key, Entry{}).first;
    Entry& entry = it->second;
    entry.stats.client = key.second;
    entry.stats.subject = key.first;
    entry.stats.entry_id = next_entry_id_++;
    entry.stats.count = inherited;
    entry.stats.error = inherited;
    entry.by_count = by_count_.emplace(inherited, std::move(key));
  }
  Entry& entry = it->second;
  describe(entry.stats, observation);
  count(entry.stats, observation);
  // Re-keying the extracted node moves it without allocating.
  auto node = by_count_.extract(entry.by_count);
  node.key() = entry.stats.count;
  entry.by_count = by_count_.insert(std::move(node));
}

void LegacyClientTracker::evict_minimum() {
  const auto smallest = by_count_.begin();
  const auto victim = clients_.find(smallest->second);
  const ClientStats& stats = victim->second.stats;
  for (const auto& [version_decision, n] : stats.by_version_decision) {
    other_.by_version_decision[version_decision] += n;
  }
  const std::uint64_t observed = stats.count - stats.error;
  if (other_.count == 0) {
    other_.first_seen = stats.first_seen;
    other_.last_seen = stats.last_seen;
  } else {
    other_.first_seen = std::min(other_.first_seen, stats.first_seen);
    other_.last_seen = std::max(other_.last_seen, stats.last_seen);
  }
  other_.count += observed;
  by_count_.erase(smallest);
  clients_.erase(victim);
}

void LegacyClientTracker::count(ClientStats& stats, const Observation& observation) {
  const bool first = stats.by_version_decision.empty();
  const std::uint16_t version = config::normalised_wire_version(observation.version_wire);
  stats.by_version_decision[{version, observation.decision}] += 1;
  if (first) {
    stats.first_seen = observation.when;
    stats.last_seen = observation.when;
  }
  stats.first_seen = std::min(stats.first_seen, observation.when);
  stats.last_seen = std::max(stats.last_seen, observation.when);
  stats.count += 1;
}

void LegacyClientTracker::describe(ClientStats& stats, const Observation& observation) const {
  // Before count() moves last_seen: the cipher of an observation recorded late but older
  // than the latest one must not replace the newer cipher.
  const bool latest = stats.by_version_decision.empty() || observation.when >= stats.last_seen;
  if (!observation.cipher.empty() && latest) {
    stats.last_cipher.assign(config::utf8_prefix(observation.cipher));
  }
  if (!observation.certificate.empty() && latest) {
    stats.last_certificate.assign(config::utf8_prefix(observation.certificate));
  }
  if (observation.certificate_seen != nullptr && latest) {
    const CertificateSeen& seen = *observation.certificate_seen;
    stats.last_client_certificate = CertificateSeen{std::string(config::utf8_prefix(seen.subject)),
                                                    std::string(config::utf8_prefix(seen.issuer)),
                                                    std::string(config::utf8_prefix(seen.serial)),
                                                    std::string(config::utf8_prefix(seen.sha256)),
                                                    seen.not_after,
                                                    std::string(config::utf8_prefix(seen.result))};
  }
  if (!stats.subject.empty()) {
    add_bounded(stats.addresses, to_string(observation.client), options_.max_addresses);
  }
  add_bounded(stats.server_names, observation.server_name, options_.max_server_names);
  add_bounded(stats.fingerprints, observation.ja4, options_.max_fingerprints);
  add_bounded(stats.routes, observation.route, options_.max_routes);
  add_bounded(stats.families, observation.family, options_.max_families);
  add_bounded(stats.owners, observation.owner, options_.max_owners);
  stats.below_version = stats.below_version || observation.below_version;
  stats.below_ciphers = stats.below_ciphers || observation.below_ciphers;
  stats.below_groups = stats.below_groups || observation.below_groups;
  stats.pq_offered = stats.pq_offered || observation.pq_offered;
  if (latest) {
    const auto first = [this](std::span<const std::uint16_t> groups) {
      return groups.first(std::min(groups.size(), options_.max_groups));
    };
    const auto offered = first(observation.offered_groups);
    const auto shares = first(observation.key_share_groups);
    stats.last_offered_groups.assign(offered.begin(), offered.end());
    stats.last_key_share_groups.assign(shares.begin(), shares.end());
    if (observation.group != 0) stats.last_group = observation.group;
  }
  if (!observation.failure.empty()) {
    // At most max_failures reasons and "other": a client cannot grow its entry with them.
    auto& failures = stats.failures;
    const auto find = [&failures](std::string_view reason) {
      return std::find_if(failures.begin(), failures.end(),
                          [reason](const auto& entry) { return entry.first == reason; });
    };
    auto found = find(observation.failure);
    if (found == failures.end() && failures.size() >= options_.max_failures) found = find("other");
    if (found != failures.end()) {
      ++found->second;
    } else {
      const bool room = failures.size() < options_.max_failures;
      failures.emplace_back(room ? config::utf8_prefix(observation.failure) : "other", 1);
    }
  }
}

LegacyClientTracker::Contents LegacyClientTracker::contents() const {
  Contents result;
  {
    const std::lock_guard lock(mutex_);
    result.clients.reserve(clients_.size());
    for (const auto& [key, entry] : clients_) result.clients.push_back(entry.stats);
    result.other = other_;
    result.total = total_;
  }
  // Sorted outside the lock: record() waits only for the copies.
  std::sort(result.clients.begin(), result.clients.end(),
            [](const ClientStats& a, const ClientStats& b) {
              return std::tie(b.count, a.first_seen, a.subject, a.client) <
                     std::tie(a.count, b.first_seen, b.subject, b.client);
            });
  return result;
}

std::vector<LegacyClientTracker::ClientStats> LegacyClientTracker::snapshot() const {
  return contents().clients;
}

LegacyClientTracker::ClientStats LegacyClientTracker::other() const {
  const std::lock_guard lock(mutex_);
  return other_;
}

std::size_t LegacyClientTracker::tracked() const {
  const std::lock_guard lock(mutex_);
  return clients_.size();
}

std::uint64_t LegacyClientTracker::total() const {
  const std::lock_guard lock(mutex_);
  return total_;
}

std::string client_label(const LegacyClientTracker::ClientStats& stats) {
  return stats.subject.empty() ? to_string(stats.client) : stats.subject;
}

}  // namespace tlsfloor::metrics
