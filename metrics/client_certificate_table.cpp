#include "metrics/client_certificate_table.h"

#include <algorithm>
#include <tuple>

#include "config/bounded_text.h"

namespace tlsfloor::metrics {

void ClientCertificateTable::record(const Observation& observation) noexcept {
  if (capacity_ == 0 || observation.subject.empty()) return;
  const std::string_view subject = config::utf8_prefix(observation.subject);
  const std::lock_guard lock(mutex_);
  auto it = by_subject_.find(subject);
  if (it == by_subject_.end()) {
    if (by_subject_.size() >= capacity_) {
      // The subject seen longest ago: a partner that stopped coming, not one in use.
      const auto oldest = by_last_seen_.begin();
      by_subject_.erase(oldest->second);
      by_last_seen_.erase(oldest);
    }
    it = by_subject_.emplace(std::string(subject), Tracked{}).first;
    it->second.entry.subject = subject;
    it->second.by_last_seen = by_last_seen_.emplace(observation.when, it->first);
  }
  Entry& entry = it->second.entry;
  ++entry.handshakes;
  if (observation.when < entry.last_seen) return;  // recorded late: a newer one is kept
  entry.serial = config::utf8_prefix(observation.serial);
  entry.not_after = observation.not_after;
  entry.last_seen = observation.when;
  auto node = by_last_seen_.extract(it->second.by_last_seen);
  node.key() = observation.when;
  it->second.by_last_seen = by_last_seen_.insert(std::move(node));
}

std::vector<ClientCertificateTable::Entry> ClientCertificateTable::soonest_expiring(
    std::size_t n) const {
  std::vector<Entry> entries;
  {
    const std::lock_guard lock(mutex_);
    entries.reserve(by_subject_.size());
    for (const auto& [subject, tracked] : by_subject_) entries.push_back(tracked.entry);
  }
  const auto order = [](const Entry& a, const Entry& b) {
    return std::tie(a.not_after, a.subject) < std::tie(b.not_after, b.subject);
  };
  if (entries.size() > n) {
    std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(n),
                      entries.end(), order);
    entries.resize(n);
  } else {
    std::sort(entries.begin(), entries.end(), order);
  }
  return entries;
}

std::size_t ClientCertificateTable::size() const {
  const std::lock_guard lock(mutex_);
  return by_subject_.size();
}

}  // namespace tlsfloor::metrics
