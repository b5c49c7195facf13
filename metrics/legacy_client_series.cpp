#include "metrics/legacy_client_series.h"

#include <algorithm>

namespace tlsfloor::metrics {

std::vector<LegacyClientSeries::Sample> LegacyClientSeries::update(
    const LegacyClientTracker::Contents& contents, std::size_t top_n) {
  // Everything recorded, by version and decision: tracked clients' exact counts plus other.
  Counts total = contents.other.by_version_decision;
  for (const auto& client : contents.clients) {
    for (const auto& [key, n] : client.by_version_decision) total[key] += n;
  }

  // Clients shown last time and still tracked as the same entry keep their baseline.
  const std::size_t count = std::min(top_n, contents.clients.size());
  std::map<std::string, Shown> shown;
  Counts attributed;  // what the series of shown clients hold
  for (std::size_t i = 0; i < count; ++i) {
    const auto& client = contents.clients[i];
    const auto previous = shown_.find(client_label(client));
    if (previous == shown_.end() || previous->second.entry_id != client.entry_id) continue;
    for (const auto& [key, n] : client.by_version_decision) {
      const auto base = previous->second.baseline.find(key);
      attributed[key] += n - (base == previous->second.baseline.end() ? 0 : base->second);
    }
    shown.emplace(client_label(client), std::move(previous->second));
  }
  // Handshakes recorded since the last update that no shown client claims yet: never published
  // in `other`, so newly shown clients may take them (heaviest first) without `other` falling.
  Counts unpublished;
  for (const auto& [key, n] : total) {
    const auto published = published_other_.find(key);
    unpublished[key] =
        n - attributed[key] - (published == published_other_.end() ? 0 : published->second);
  }
  for (std::size_t i = 0; i < count; ++i) {
    const auto& client = contents.clients[i];
    if (shown.contains(client_label(client))) continue;
    Shown entry{client.entry_id, client.by_version_decision};
    for (auto& [key, base] : entry.baseline) {
      const std::uint64_t claimed = std::min(base, unpublished[key]);
      unpublished[key] -= claimed;
      attributed[key] += claimed;
      base -= claimed;
    }
    shown.emplace(client_label(client), std::move(entry));
  }
  shown_ = std::move(shown);

  std::vector<Sample> samples;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& client = contents.clients[i];
    const std::string label = client_label(client);
    const Shown& entry = shown_.at(label);
    for (const auto& [key, n] : client.by_version_decision) {
      // Every combination the client has, even at 0: a series that first appears above 0
      // loses its first step in rate() and increase().
      const auto base = entry.baseline.find(key);
      samples.push_back(
          {label, key.first, key.second, n - (base == entry.baseline.end() ? 0 : base->second)});
    }
  }
  published_other_.clear();
  for (const auto& [key, n] : total) {
    const std::uint64_t other = n - attributed[key];
    published_other_[key] = other;
    if (other > 0) samples.push_back({"other", key.first, key.second, other});
  }
  return samples;
}

}  // namespace tlsfloor::metrics
