#include "metrics/report/affected_handshakes.h"

#include <algorithm>

namespace tlsfloor::report {

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

void AffectedHandshakes::merge(const AffectedHandshakes& other) {
  if (other.count == 0) return;
  if (count == 0) {
    first_seen = other.first_seen;
    last_seen = other.last_seen;
  }
  first_seen = std::min(first_seen, other.first_seen);
  last_seen = std::max(last_seen, other.last_seen);
  count += other.count;
  for (std::size_t i = 0; i < by_version.size(); ++i) by_version[i] += other.by_version[i];
  for (std::size_t i = 0; i < by_decision.size(); ++i) by_decision[i] += other.by_decision[i];
  failing += other.failing;
}

std::uint64_t AffectedHandshakes::with_version(std::uint16_t wire) const {
  return by_version[config::wire_version_index(wire)];
}

}  // namespace tlsfloor::report
