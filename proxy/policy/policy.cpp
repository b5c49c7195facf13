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

std::string_view to_string(Floor floor) { return floor == Floor::version ? "version" : "ciphers"; }

VersionPolicy version_policy(const config::RouteSettings& settings) {
  return {settings.tls.min_version, settings.tls.max_version, settings.enforcement.mode,
          settings.enforcement.cipher_mode};
}

namespace {

// A legacy client, below either floor, judged by that floor's `mode`: an exception lets it in,
// else the mode decides. Let in, it is offered the legacy suites (or the exception's own).
void judge_legacy(Decision& decision, std::uint16_t highest_offered, config::EnforcementMode mode,
                  const LegacyCircumstances& circumstances) {
  decision.legacy = true;
  if (const auto& matched = circumstances.exception;
      matched && highest_offered >= static_cast<std::uint16_t>(matched->exception->min_version)) {
    if (decision.below == Floor::version) {
      decision.min_version = static_cast<std::uint16_t>(matched->exception->min_version);
    }
    decision.reason = DecisionReason::exception;
    decision.legacy_decision = LegacyDecision::allowed_exception;
    decision.exception = matched;
    decision.ciphers = matched->exception->ciphers ? CipherChoice::exception : CipherChoice::legacy;
    return;
  }
  switch (mode) {
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
  if (!decision.reject) decision.ciphers = CipherChoice::legacy;
}

}  // namespace

Decision decide(std::uint16_t highest_offered, const VersionPolicy& policy,
                const LegacyCircumstances& circumstances, bool shares_floor_cipher) {
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
    if (shares_floor_cipher) {
      decision.reason = DecisionReason::meets_floor;
      return decision;
    }
    // Refused by the cipher floor, the client fails on "no shared cipher" at its own version.
    decision.below = Floor::ciphers;
    judge_legacy(decision, highest_offered, policy.cipher_mode, circumstances);
    return decision;
  }
  judge_legacy(decision, highest_offered, policy.mode, circumstances);
  if (decision.reject) decision.min_version = floor;
  return decision;
}

}  // namespace tlsfloor::policy
