#pragma once
// What every row of a report counts: affected handshakes by version, by decision, failing or
// not, and the time they span.
#include <array>
#include <cstddef>
#include <cstdint>

#include "config/timestamp.h"
#include "config/tls_version.h"
#include "metrics/report/log_line.h"

namespace tlsfloor::report {

/// Affected handshakes by their best offered version, by what the policy decided and whether
/// they completed, with the time span they cover.
struct AffectedHandshakes {
  std::uint64_t count = 0;
  /// Counts by config::wire_version_index(): unknown, SSL3.0, TLS1.0, TLS1.1, TLS1.2, TLS1.3.
  std::array<std::uint64_t, config::kWireVersionLabels> by_version{};
  /// Counts by Decision (let in, exempt, refused, brownout).
  std::array<std::uint64_t, kDecisions> by_decision{};
  /// Those that did not complete: these clients already fail today, whatever the floor.
  std::uint64_t failing = 0;
  config::Timestamp first_seen{};
  config::Timestamp last_seen{};

  void add(const HandshakeRecord& record);
  /// Adds `other`'s counts and widens the time span to cover both.
  void merge(const AffectedHandshakes& other);
  /// The count for a wire code (0 for unknown); codes other than 0x0300 .. 0x0304 count as 0.
  std::uint64_t with_version(std::uint16_t wire) const;
  std::uint64_t with_decision(Decision decision) const {
    return by_decision[static_cast<std::size_t>(decision)];
  }
  /// Those served today that the candidate floor would refuse.
  std::uint64_t would_break() const { return count - failing; }
};

}  // namespace tlsfloor::report
