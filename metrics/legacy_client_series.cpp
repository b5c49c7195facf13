#include "metrics/legacy_client_series.h"

namespace tlsfloor::metrics {

std::vector<LegacyClientSeries::Sample> LegacyClientSeries::update(
    const LegacyClientTracker::Contents& contents, std::size_t top_n) {
  // Everything recorded, by version and decision: tracked clients' exact counts plus other.
  Counts unattributed = contents.other.by_version_decision;
  for (const auto& client : contents.clients) {
    for (const auto& [key, n] : client.by_version_decision) unattributed[key] += n;
  }

  std::vector<Sample> samples;
  std::map<ClientKey, Shown> shown;
  const std::size_t count = std::min(top_n, contents.clients.size());
  for (std::size_t i = 0; i < count; ++i) {
    const auto& client = contents.clients[i];
    auto previous = shown_.find(client.client);
    Shown entry;
    if (previous != shown_.end() && previous->second.entry_id == client.entry_id) {
      entry = std::move(previous->second);
    } else {
      // Newly shown (or tracked afresh): start from what it has now, which stays in other.
      entry.entry_id = client.entry_id;
      entry.baseline = client.by_version_decision;
    }
    const std::string label = to_string(client.client);
    for (const auto& [key, n] : client.by_version_decision) {
      const auto base = entry.baseline.find(key);
      const std::uint64_t since_shown = n - (base == entry.baseline.end() ? 0 : base->second);
      unattributed[key] -= since_shown;
      // Published from 0 when the client is first shown, so that rate() and increase() see
      // its first handshakes after that (a series that appears at 1 loses its first step).
      samples.push_back({label, key.first, key.second, since_shown});
    }
    shown.emplace(client.client, std::move(entry));
  }
  shown_ = std::move(shown);

  for (const auto& [key, n] : unattributed) {
    if (n > 0) samples.push_back({"other", key.first, key.second, n});
  }
  return samples;
}

}  // namespace tlsfloor::metrics
