#include "metrics/report/log_line.h"

#include <nlohmann/json.hpp>

#include <tuple>

#include "config/named_group.h"
#include "config/tls_version.h"
#include "metrics/log_schema/log_schema.h"

namespace tlsfloor::report {
namespace {

// Longest excerpt of a bad value quoted in a parse error: enough to recognise it.
constexpr std::size_t kMaxQuotedLength = 64;

// --- parsing ---------------------------------------------------------------------------------

ParsedLine failure(std::string reason) {
  ParsedLine result;
  result.error = std::move(reason);
  return result;
}

// A value for an error message: JSON-escaped with every non-ASCII character as \uXXXX, so
// nothing the log holds reaches the terminal raw, and cut short.
std::string json_quoted(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMaxQuotedLength) {
    text.resize(kMaxQuotedLength);
    text += "...";
  }
  return text;
}

// The string at `key`, or nullptr with `error` set. A null value is read as "" when
// `null_allowed` (the log writes absent optional values as null).
const std::string* string_member(const nlohmann::json& object, const char* key, bool null_allowed,
                                 std::string& error) {
  static const std::string kEmpty;
  const auto it = object.find(key);
  if (it == object.end()) {
    error = std::string("no \"") + key + "\" key";
    return nullptr;
  }
  if (it->is_string()) return &it->get_ref<const std::string&>();
  if (null_allowed && it->is_null()) return &kEmpty;
  error = std::string("\"") + key + "\" is " + json_quoted(*it) + ", not a string";
  return nullptr;
}

}  // namespace

std::optional<std::uint16_t> cipher_code(std::string_view text) {
  if (text.size() != 4) return std::nullopt;
  std::uint16_t code = 0;
  for (const char c : text) {
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return std::nullopt;
    code = static_cast<std::uint16_t>(code << 4 | digit);
  }
  return code;
}

FieldError fill_record(const LineFields& fields, HandshakeRecord& record) {
  const auto time = config::parse_timestamp(fields.time);
  if (!time) return FieldError::time;
  const auto client = config::parse_address(fields.client);
  if (!client) return FieldError::client;
  const auto version = config::wire_version_from_label(fields.highest_offered);
  if (!version) return FieldError::highest_offered;
  record.time = *time;
  record.client = *client;
  record.highest_offered = *version;
  record.host.assign(fields.host);
  record.listener.assign(fields.listener);
  record.route.assign(fields.route ? *fields.route : config::kDefaultRouteName);
  record.server_name.assign(fields.server_name);
  record.ja4.assign(fields.ja4);
  record.decision = fields.decision == "rejected"            ? Decision::refused
                    : fields.decision == "rejected_brownout" ? Decision::brownout
                    : fields.decision == "allowed_exception" ? Decision::exempt
                                                             : Decision::let_in;
  record.failed = fields.outcome == "rejected" || fields.outcome == "failed" ||
                  record.decision == Decision::refused || record.decision == Decision::brownout;
  record.failure.assign(fields.failure);
  record.family.assign(fields.family);
  record.owner.assign(fields.owner);
  if (fields.certificate_result == "verified") {
    record.certificate_subject.assign(fields.certificate_subject);
  } else {
    record.certificate_subject.clear();
  }
  for (auto [text, out, error] : {std::tuple{fields.negotiated_version, &record.negotiated_version,
                                             FieldError::negotiated_version},
                                  std::tuple{fields.upstream_version, &record.upstream_version,
                                             FieldError::upstream_version}}) {
    *out = 0;
    if (text.empty()) continue;
    const auto version = config::wire_version_from_label(text);
    if (!version || *version == 0) return error;
    *out = *version;
  }
  record.cipher.assign(fields.cipher);
  record.group.assign(fields.group);
  record.certificate.assign(fields.certificate);
  record.upstream_cipher.assign(fields.upstream_cipher);
  if (fields.pq_offered) {
    record.pq_offered = *fields.pq_offered;
  } else {
    record.pq_offered =
        record.offered_groups && (config::offers_post_quantum(*record.offered_groups) ||
                                  config::offers_post_quantum(record.key_share_groups));
  }
  return FieldError::none;
}

ParsedLine parse_handshake_line(std::string_view line) {
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(line.begin(), line.end());
  } catch (const nlohmann::json::parse_error& error) {
    return failure("not JSON (syntax error at byte " + std::to_string(error.byte) + ")");
  } catch (const nlohmann::json::exception&) {
    // A number beyond a double ("2e2062") is out_of_range, not a parse_error (log_line_fuzz
    // found it: the report used to end in std::terminate).
    return failure("not JSON (a number out of range)");
  }
  if (!object.is_object()) return failure("not a JSON object");
  // A line written with access_log.schema ecs or otel: its facts under tlsfloor's names.
  if (const config::LogSchema schema = log_schema::schema_of(object);
      schema != config::LogSchema::tlsfloor) {
    object = log_schema::to_tlsfloor(object, schema);
  }

  std::string error;
  const std::string* time_text = string_member(object, "time", false, error);
  if (!time_text) return failure(error);
  const std::string* listener = string_member(object, "listener", false, error);
  if (!listener) return failure(error);
  const std::string* client_text = string_member(object, "client", false, error);
  if (!client_text) return failure(error);
  const std::string* highest_offered = string_member(object, "highest_offered", false, error);
  if (!highest_offered) return failure(error);
  const std::string* server_name = string_member(object, "sni", true, error);
  if (!server_name) return failure(error);
  const std::string* ja4 = string_member(object, "ja4", false, error);
  if (!ja4) return failure(error);
  const std::string* route = nullptr;
  if (object.contains("route")) {
    route = string_member(object, "route", false, error);
    if (!route) return failure(error);
  }
  // What happened, and where: optional, so that a log of any tlsfloor reports.
  const std::string* decision = nullptr;
  const std::string* outcome = nullptr;
  const std::string* failure_reason = nullptr;
  const std::string* host = nullptr;
  const std::string* family = nullptr;
  const std::string* owner = nullptr;
  const std::string* negotiated_version = nullptr;
  const std::string* cipher = nullptr;
  const std::string* group = nullptr;
  const std::string* certificate = nullptr;
  const std::string* upstream_version = nullptr;
  const std::string* upstream_cipher = nullptr;
  for (auto [key, value] :
       {std::pair{"decision", &decision}, std::pair{"outcome", &outcome},
        std::pair{"failure", &failure_reason}, std::pair{"host", &host},
        std::pair{"family", &family}, std::pair{"owner", &owner},
        std::pair{"negotiated_version", &negotiated_version}, std::pair{"cipher", &cipher},
        std::pair{"group", &group}, std::pair{"certificate", &certificate},
        std::pair{"upstream_version", &upstream_version},
        std::pair{"upstream_cipher", &upstream_cipher}}) {
    if (!object.contains(key)) continue;
    *value = string_member(object, key, true, error);
    if (*value == nullptr) return failure(error);
  }
  const std::string* certificate_result = nullptr;
  const std::string* certificate_subject = nullptr;
  if (const auto it = object.find("client_certificate"); it != object.end() && !it->is_null()) {
    if (!it->is_object()) return failure("\"client_certificate\" is not an object or null");
    certificate_result = string_member(*it, "result", false, error);
    if (!certificate_result) return failure("\"client_certificate\": " + error);
    certificate_subject = string_member(*it, "subject", true, error);
    if (!certificate_subject) return failure("\"client_certificate\": " + error);
  }
  std::optional<bool> pq_offered;
  if (const auto it = object.find("pq_offered"); it != object.end()) {
    if (!it->is_boolean())
      return failure("\"pq_offered\" is " + json_quoted(*it) + ", not true or false");
    pq_offered = it->get<bool>();
  }

  HandshakeRecord record;
  // The key exchange offered (lines of a tlsfloor that logs groups): names or hex codes.
  for (auto [key, out] : {std::pair{"offered_groups", &record.offered_groups.emplace()},
                          std::pair{"key_share_groups", &record.key_share_groups}}) {
    const auto it = object.find(key);
    if (it == object.end()) continue;
    if (!it->is_array()) return failure(std::string("\"") + key + "\" is not a list");
    out->reserve(it->size());
    for (const auto& name : *it) {
      const auto code =
          name.is_string() ? config::parse_group(name.get_ref<const std::string&>()) : std::nullopt;
      if (!code) {
        return failure(std::string("\"") + key + "\" holds " + json_quoted(name) + ", not a group");
      }
      out->push_back(*code);
    }
  }
  if (!object.contains("offered_groups")) record.offered_groups.reset();
  if (object.contains("offered_ciphers")) {
    const auto& suites = object.at("offered_ciphers");
    if (!suites.is_array()) return failure("\"offered_ciphers\" is not a list");
    record.offered_ciphers.emplace();
    record.offered_ciphers->reserve(suites.size());
    for (const auto& suite : suites) {
      const auto code =
          suite.is_string() ? cipher_code(suite.get_ref<const std::string&>()) : std::nullopt;
      if (!code)
        return failure("\"offered_ciphers\" holds " + json_quoted(suite) + ", not four hex digits");
      record.offered_ciphers->push_back(*code);
    }
  }
  const auto text = [](const std::string* value) {
    return value != nullptr ? std::string_view(*value) : std::string_view();
  };
  LineFields fields;
  fields.time = *time_text;
  fields.host = text(host);
  fields.listener = *listener;
  fields.client = *client_text;
  fields.highest_offered = *highest_offered;
  fields.server_name = *server_name;
  fields.ja4 = *ja4;
  if (route != nullptr) fields.route = *route;
  fields.decision = text(decision);
  fields.outcome = text(outcome);
  fields.failure = text(failure_reason);
  fields.family = text(family);
  fields.owner = text(owner);
  fields.certificate_result = text(certificate_result);
  fields.certificate_subject = text(certificate_subject);
  fields.negotiated_version = text(negotiated_version);
  fields.cipher = text(cipher);
  fields.group = text(group);
  fields.certificate = text(certificate);
  fields.upstream_version = text(upstream_version);
  fields.upstream_cipher = text(upstream_cipher);
  fields.pq_offered = pq_offered;
  switch (fill_record(fields, record)) {
    case FieldError::none:
      break;
    case FieldError::time:
      return failure("\"time\" is " + json_quoted(*time_text) + ", not an RFC 3339 timestamp");
    case FieldError::client:
      return failure("\"client\" is " + json_quoted(*client_text) + ", not an IP address");
    case FieldError::highest_offered:
      return failure("\"highest_offered\" is " + json_quoted(*highest_offered) +
                     ", not SSL3.0, TLS1.0 .. TLS1.3 or unknown");
    case FieldError::negotiated_version:
      return failure("\"negotiated_version\" is " + json_quoted(*negotiated_version) +
                     ", not a TLS version");
    case FieldError::upstream_version:
      return failure("\"upstream_version\" is " + json_quoted(*upstream_version) +
                     ", not a TLS version");
  }

  ParsedLine result;
  result.record = std::move(record);
  return result;
}

}  // namespace tlsfloor::report
