#include "config/config.h"

namespace tlsfloor::config {

std::string ConfigError::to_string() const {
  return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
         message;
}

std::string_view to_string(EnforcementMode mode) {
  switch (mode) {
    case EnforcementMode::observe:
      return "observe";
    case EnforcementMode::brownout:
      return "brownout";
    case EnforcementMode::enforce:
      return "enforce";
  }
  return "unknown";
}

std::string_view to_string(RejectStyle style) {
  return style == RejectStyle::http ? "http" : "alert";
}

}  // namespace tlsfloor::config
