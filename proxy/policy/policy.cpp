#include "proxy/policy/policy.h"

namespace tlsfloor::policy {

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
    case DecisionReason::exception:
      return "exception";
    case DecisionReason::below_floor_brownout:
      return "below_floor_brownout";
    case DecisionReason::below_floor_outside_brownout:
      return "below_floor_outside_brownout";
  }
  return "unknown";
}

VersionPolicy version_policy(const config::RouteSettings& settings) {
  return {settings.tls.min_version, settings.tls.max_version, settings.enforcement.mode};
}

Decision decide(std::uint16_t highest_offered, const VersionPolicy& policy,
                const LegacyCircumstances& circumstances) {
  const auto floor = static_cast<std::uint16_t>(policy.floor);
  const auto lowest = static_cast<std::uint16_t>(config::TlsVersion::tls1_0);
  // Enforcing listeners apply the floor to every client, so no client can be talked down below
  // it; the others accept anything the library speaks (TLS 1.0 and up) from legacy clients.
  const bool enforce = policy.mode == config::EnforcementMode::enforce;

  Decision decision;
  decision.min_version = enforce ? floor : lowest;
  if (highest_offered == 0) {
    decision.reason = DecisionReason::no_known_version;
    return decision;
  }
  if (!policy.below_floor(highest_offered)) {
    decision.reason = DecisionReason::meets_floor;
    return decision;
  }
  decision.legacy = true;
  if (const auto& matched = circumstances.exception;
      matched && highest_offered >= static_cast<std::uint16_t>(matched->exception->min_version)) {
    decision.min_version = static_cast<std::uint16_t>(matched->exception->min_version);
    decision.reason = DecisionReason::exception;
    decision.legacy_decision = LegacyDecision::allowed_exception;
    decision.exception = matched;
    return decision;
  }
  switch (policy.mode) {
    case config::EnforcementMode::observe:
      decision.reason = DecisionReason::below_floor_observed;
      decision.legacy_decision = LegacyDecision::would_reject;
      break;
    case config::EnforcementMode::brownout:
      decision.reject = circumstances.brownout_refuses;
      decision.reason = decision.reject ? DecisionReason::below_floor_brownout
                                        : DecisionReason::below_floor_outside_brownout;
      decision.legacy_decision =
          decision.reject ? LegacyDecision::rejected_brownout : LegacyDecision::would_reject;
      break;
    case config::EnforcementMode::enforce:
      decision.reject = true;
      decision.reason = DecisionReason::below_floor_enforced;
      decision.legacy_decision = LegacyDecision::rejected;
      break;
  }
  if (decision.reject) decision.min_version = floor;
  return decision;
}

}  // namespace tlsfloor::policy
