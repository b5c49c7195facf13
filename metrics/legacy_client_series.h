#pragma once
// The series of tlsfloor_legacy_client_handshakes_total for one listener: the top N tracked
// clients, plus client="other" for everything else, computed from successive tracker snapshots
// so that every series behaves as a Prometheus counter should.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "metrics/legacy_client_tracker.h"

namespace tlsfloor::metrics {

/// Which clients are shown changes as traffic shifts, and a naive "top N plus the rest" would
/// make `other` fall whenever a client climbs into the top N: Prometheus reads a falling
/// counter as a reset and rate() spikes. So a newly shown client takes over only handshakes
/// that `other` has not published yet (those since the last update); older ones stay in
/// `other`, and a client that leaves the top N hands its count back to `other`. Then, between
/// any two updates:
///  - every series only grows (a client tracked afresh after an eviction is a new series
///    lifetime, i.e. an ordinary counter reset);
///  - for each version and decision, the series sum to exactly the legacy handshakes recorded.
/// With regular scrapes a client's series is its true count from about when it became heavy;
/// lifetime per-client counts are in the tracker (GET /legacy-clients).
/// Not thread-safe: one caller (the scrape) at a time.
class LegacyClientSeries {
 public:
  struct Sample {
    std::string client;  // client_label(): the address or certificate subject, or "other"
    std::uint16_t version_wire = 0;
    LegacyDecision decision = LegacyDecision::would_reject;
    std::uint64_t value = 0;
  };

  /// The samples for `contents`, showing its `top_n` heaviest clients. Samples of shown
  /// clients come first (heaviest first), then `other`; within a client by version, then
  /// decision. A shown client has a sample (possibly 0) for every combination it has ever
  /// had; `other` only for those with a count above 0.
  std::vector<Sample> update(const LegacyClientTracker::Contents& contents, std::size_t top_n);

 private:
  using Counts = std::map<std::pair<std::uint16_t, LegacyDecision>, std::uint64_t>;
  struct Shown {
    std::uint64_t entry_id = 0;
    Counts baseline;  // the client's exact counts when it entered the top N
  };
  std::map<std::string, Shown> shown_;  // by client_label()
  Counts published_other_;              // the `other` values of the last update
};

}  // namespace tlsfloor::metrics
