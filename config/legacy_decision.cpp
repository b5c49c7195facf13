#include "config/legacy_decision.h"

namespace tlsfloor::config {

std::string_view to_string(LegacyDecision decision) {
  switch (decision) {
    case LegacyDecision::allowed_exception:
      return "allowed_exception";
    case LegacyDecision::rejected:
      return "rejected";
    case LegacyDecision::rejected_brownout:
      return "rejected_brownout";
    case LegacyDecision::would_reject:
      return "would_reject";
  }
  return "unknown";
}

}  // namespace tlsfloor::config
