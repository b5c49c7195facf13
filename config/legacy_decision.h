#pragma once
// What the policy did with a legacy handshake: one vocabulary for the policy (proxy/policy/),
// the metrics, the per-client tracker, the handshake log and the JSON views. A shared value type,
// so that metrics/ needs nothing of proxy/.
#include <cstddef>
#include <string_view>

namespace tlsfloor::config {

enum class LegacyDecision {
  allowed_exception,  // an exception (override) lets this client in
  rejected,           // refused by the floor
  rejected_brownout,  // refused inside a brownout window
  would_reject,       // let in, but would be refused if the floor were enforced
};
inline constexpr std::size_t kLegacyDecisionCount = 4;

/// The metric-label spelling: allowed_exception, rejected, rejected_brownout, would_reject.
std::string_view to_string(LegacyDecision decision);

}  // namespace tlsfloor::config
