#pragma once
// The handshake log's schemas: tlsfloor's own names, Elastic Common Schema (ECS) or
// OpenTelemetry's semantic conventions (access_log.schema). One table maps every fact of a line
// to its name in each, both ways: the writer turns its line into the chosen schema, and
// `tlsfloor report` turns a line of any schema back. Facts neither standard has are under
// `tlsfloor.`. Pure: JSON in, JSON out.
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/log_schema.h"

namespace tlsfloor::log_schema {

using config::LogSchema;

/// The ECS version the `ecs` schema's lines declare (`ecs.version`).
inline constexpr std::string_view kEcsVersion = "8.11.0";

/// A line as handshake_log::to_json_line builds it, with its facts under `schema`'s names. ECS
/// lines are nested objects ({"tls": {"cipher": ...}}) with `@timestamp`, `ecs.version` and the
/// `event.*` fields ECS expects; OpenTelemetry lines are flat attribute names
/// ({"tls.cipher": ...}) with `timestamp`. Values are the same except where the standard says
/// otherwise: the negotiated version is split into protocol name and version ("tls", "1.2"),
/// curves are named as both standards' examples name them (secp256r1, x25519), offered suites
/// are 0x-prefixed codes ("0xc02f").
nlohmann::ordered_json to_schema(const nlohmann::ordered_json& line, LogSchema schema);

/// The keys that mark a line's schema: ECS lines have "@timestamp", OpenTelemetry lines
/// "tlsfloor.listener"; a line with neither is tlsfloor's own.
inline constexpr std::string_view kEcsMarker = "@timestamp";
inline constexpr std::string_view kOtelMarker = "tlsfloor.listener";

/// The schema a parsed line is written in, by its marker keys (ECS first).
LogSchema schema_of(const nlohmann::json& line);

/// Whether a line with this top-level key is in a schema other than tlsfloor's: a reader of
/// tlsfloor lines alone must leave such a line to one that reads every schema.
constexpr bool marks_other_schema(std::string_view key) {
  return key == kEcsMarker || key == kOtelMarker;
}

/// A line of `schema` with its facts under tlsfloor's names again (what to_schema wrote reads
/// back as the line it was made from; fields the line lacks stay absent). A tlsfloor line is
/// returned as it is.
nlohmann::json to_tlsfloor(const nlohmann::json& line, LogSchema schema);

/// One fact's names, for the README's table and its test: tlsfloor's key, the ECS field and the
/// OpenTelemetry attribute (each may be several, comma-separated; empty: not in that schema).
struct FieldNames {
  std::string_view tlsfloor;
  std::string_view ecs;
  std::string_view otel;
};
std::vector<FieldNames> field_names();

}  // namespace tlsfloor::log_schema
