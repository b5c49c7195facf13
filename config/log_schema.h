#pragma once
// The handshake log's schemas (access_log.schema): tlsfloor's own field names, Elastic Common
// Schema's, or OpenTelemetry's semantic conventions' (metrics/log_schema/ maps between them).
#include <optional>
#include <string_view>

namespace tlsfloor::config {

enum class LogSchema { tlsfloor, ecs, otel };

/// `tlsfloor`, `ecs`, `otel`; nullopt for anything else.
std::optional<LogSchema> parse_log_schema(std::string_view text);
std::string_view to_string(LogSchema schema);

}  // namespace tlsfloor::config
