#include "config/log_schema.h"

namespace tlsfloor::config {

std::optional<LogSchema> parse_log_schema(std::string_view text) {
  for (LogSchema schema : {LogSchema::tlsfloor, LogSchema::ecs, LogSchema::otel}) {
    if (to_string(schema) == text) return schema;
  }
  return std::nullopt;
}

std::string_view to_string(LogSchema schema) {
  switch (schema) {
    case LogSchema::ecs:
      return "ecs";
    case LogSchema::otel:
      return "otel";
    case LogSchema::tlsfloor:
      break;
  }
  return "tlsfloor";
}

}  // namespace tlsfloor::config
