#include "proxy/policy.h"

namespace tlsfloor::proxy {

std::string_view to_string(DecisionReason reason) {
  switch (reason) {
    case DecisionReason::meets_floor:
      return "meets_floor";
    case DecisionReason::no_known_version:
      return "no_known_version";
    case DecisionReason::below_floor_enforced:
      return "below_floor_enforced";
    case DecisionReason::below_floor_observed:
      return "below_floor_observed";
  }
  return "unknown";
}

Decision decide(std::uint16_t highest_offered, const VersionPolicy& policy) {
  const auto floor = static_cast<std::uint16_t>(policy.floor);
  const bool observe = policy.mode == config::EnforcementMode::observe;
  // Observing listeners accept anything the library speaks (TLS 1.0 and up); enforcing ones
  // apply the floor to every client, so no client can be talked down below it.
  const auto applied_min = observe ? static_cast<std::uint16_t>(config::TlsVersion::tls1_0) : floor;

  Decision decision;
  decision.min_version = applied_min;
  if (highest_offered == 0) {
    decision.reason = DecisionReason::no_known_version;
    return decision;
  }
  if (highest_offered >= floor) {
    decision.reason = DecisionReason::meets_floor;
    return decision;
  }
  decision.legacy = true;
  decision.reject = !observe;
  decision.reason =
      observe ? DecisionReason::below_floor_observed : DecisionReason::below_floor_enforced;
  return decision;
}

}  // namespace tlsfloor::proxy
