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

std::string_view to_string(Floor floor) {
  switch (floor) {
    case Floor::version:
      return "version";
    case Floor::ciphers:
      return "ciphers";
    case Floor::groups:
      return "groups";
  }
  return "version";
}

VersionPolicy version_policy(const config::RouteSettings& settings) {
  return {settings.tls.min_version, settings.tls.max_version, settings.enforcement.mode,
          settings.enforcement.cipher_mode, settings.enforcement.groups_mode};
}

namespace {

// How one floor's mode treats a client below it (exceptions aside).
struct Verdict {
  bool reject = false;
  DecisionReason reason = DecisionReason::below_floor_observed;
  LegacyDecision legacy_decision = LegacyDecision::would_reject;
};

Verdict judge(config::EnforcementMode mode, const LegacyCircumstances& circumstances) {
  switch (mode) {
    case config::EnforcementMode::observe:
      return {false, DecisionReason::below_floor_observed, LegacyDecision::would_reject};
    case config::EnforcementMode::brownout:
      if (circumstances.brownout_refuses) {
        return {true, DecisionReason::below_floor_brownout, LegacyDecision::rejected_brownout};
      }
      return {false, DecisionReason::below_floor_outside_brownout, LegacyDecision::would_reject};
    case config::EnforcementMode::enforce:
      return {true, DecisionReason::below_floor_enforced, LegacyDecision::rejected};
  }
  return {true, DecisionReason::below_floor_enforced, LegacyDecision::rejected};
}

}  // namespace

Decision decide(std::uint16_t highest_offered, const VersionPolicy& policy,
                const LegacyCircumstances& circumstances, bool shares_floor_cipher,
                bool shares_floor_group) {
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
  decision.below_version = policy.below_floor(highest_offered);
  decision.below_ciphers = !shares_floor_cipher;
  decision.below_groups = !shares_floor_group;
  decision.legacy = decision.below_version || decision.below_ciphers || decision.below_groups;
  if (!decision.legacy) {
    decision.reason = DecisionReason::meets_floor;
    return decision;
  }
  if (const auto& matched = circumstances.exception;
      matched && highest_offered >= static_cast<std::uint16_t>(matched->exception->min_version)) {
    if (decision.below_version) {
      decision.min_version = static_cast<std::uint16_t>(matched->exception->min_version);
    }
    decision.reason = DecisionReason::exception;
    decision.legacy_decision = LegacyDecision::allowed_exception;
    decision.exception = matched;
    decision.ciphers = matched->exception->ciphers ? CipherChoice::exception : CipherChoice::legacy;
    return decision;
  }
  const Verdict versions = decision.below_version ? judge(policy.mode, circumstances) : Verdict{};
  const Verdict suites =
      decision.below_ciphers ? judge(policy.cipher_mode, circumstances) : Verdict{};
  const Verdict groups =
      decision.below_groups ? judge(policy.groups_mode, circumstances) : Verdict{};
  // The version floor speaks first: its refusal (a protocol_version alert) is the one the
  // client sees. A client the cipher floor refuses is given the floor's suites and fails on them;
  // one only the key-exchange floor refuses gets handshake_failure from the caller.
  const Verdict& decisive = versions.reject          ? versions
                            : suites.reject          ? suites
                            : groups.reject          ? groups
                            : decision.below_version ? versions
                            : decision.below_ciphers ? suites
                                                     : groups;
  decision.reject = decisive.reject;
  decision.refused_by = versions.reject ? Floor::version
                        : suites.reject ? Floor::ciphers
                        : groups.reject ? Floor::groups
                                        : Floor::version;
  decision.reason = decisive.reason;
  decision.legacy_decision = decisive.legacy_decision;
  if (versions.reject) decision.min_version = floor;
  if (!decision.reject) decision.ciphers = CipherChoice::legacy;
  return decision;
}

}  // namespace tlsfloor::policy
