#include "metrics/report/log_line.h"

#include <nlohmann/json.hpp>

#include "config/named_group.h"
#include "config/tls_version.h"

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

// "c02f": exactly four hex digits, as the log writes a suite's code.
std::optional<std::uint16_t> cipher_code(const std::string& text) {
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

// The key exchange and what was negotiated (lines of a tlsfloor that logs groups): every key
// optional, each checked. Empty when the line is fine; otherwise why not.
std::string read_key_exchange(const nlohmann::json& object, HandshakeRecord& record) {
  const auto groups = [](const nlohmann::json& list, const char* key,
                         std::vector<std::uint16_t>& out) -> std::string {
    if (!list.is_array()) return std::string("\"") + key + "\" is not a list";
    out.reserve(list.size());
    for (const auto& name : list) {
      const auto code =
          name.is_string() ? config::parse_group(name.get_ref<const std::string&>()) : std::nullopt;
      if (!code) return std::string("\"") + key + "\" holds " + json_quoted(name) + ", not a group";
      out.push_back(*code);
    }
    return {};
  };
  if (const auto it = object.find("offered_groups"); it != object.end()) {
    record.offered_groups.emplace();
    if (auto error = groups(*it, "offered_groups", *record.offered_groups); !error.empty()) {
      return error;
    }
  }
  if (const auto it = object.find("key_share_groups"); it != object.end()) {
    if (auto error = groups(*it, "key_share_groups", record.key_share_groups); !error.empty()) {
      return error;
    }
  }
  if (const auto it = object.find("pq_offered"); it != object.end()) {
    if (!it->is_boolean()) return "\"pq_offered\" is " + json_quoted(*it) + ", not true or false";
    record.pq_offered = it->get<bool>();
  } else if (record.offered_groups) {
    record.pq_offered = config::offers_post_quantum(*record.offered_groups) ||
                        config::offers_post_quantum(record.key_share_groups);
  }
  std::string error;
  for (auto [key, out] : {std::pair{"cipher", &record.cipher}, std::pair{"group", &record.group},
                          std::pair{"certificate", &record.certificate},
                          std::pair{"upstream_cipher", &record.upstream_cipher},
                          std::pair{"family", &record.family}}) {
    if (!object.contains(key)) continue;
    const std::string* text = string_member(object, key, true, error);
    if (text == nullptr) return error;
    *out = *text;
  }
  for (auto [key, out] : {std::pair{"negotiated_version", &record.negotiated_version},
                          std::pair{"upstream_version", &record.upstream_version}}) {
    if (!object.contains(key)) continue;
    const std::string* text = string_member(object, key, true, error);
    if (text == nullptr) return error;
    if (text->empty()) continue;
    const auto version = config::wire_version_from_label(*text);
    if (!version || *version == 0) {
      return std::string("\"") + key + "\" is " + json_quoted(*text) + ", not a TLS version";
    }
    *out = *version;
  }
  return {};
}

}  // namespace

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
  // What happened: optional, so that a log of any tlsfloor reports.
  const std::string* decision = nullptr;
  const std::string* outcome = nullptr;
  const std::string* failure_reason = nullptr;
  for (auto [key, value] : {std::pair{"decision", &decision}, std::pair{"outcome", &outcome},
                            std::pair{"failure", &failure_reason}}) {
    if (!object.contains(key)) continue;
    *value = string_member(object, key, true, error);
    if (*value == nullptr) return failure(error);
  }

  HandshakeRecord record;
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
  const auto time = config::parse_timestamp(*time_text);
  if (!time)
    return failure("\"time\" is " + json_quoted(*time_text) + ", not an RFC 3339 timestamp");
  record.time = *time;
  const auto client = config::parse_address(*client_text);
  if (!client) {
    return failure("\"client\" is " + json_quoted(*client_text) + ", not an IP address");
  }
  record.client = *client;
  const auto version = config::wire_version_from_label(*highest_offered);
  if (!version) {
    return failure("\"highest_offered\" is " + json_quoted(*highest_offered) +
                   ", not SSL3.0, TLS1.0 .. TLS1.3 or unknown");
  }
  record.highest_offered = *version;
  record.listener = *listener;
  if (route != nullptr) record.route = *route;
  record.server_name = *server_name;
  record.ja4 = *ja4;
  if (decision != nullptr) {
    if (*decision == "rejected") {
      record.decision = Decision::refused;
    } else if (*decision == "rejected_brownout") {
      record.decision = Decision::brownout;
    } else if (*decision == "allowed_exception") {
      record.decision = Decision::exempt;
    }
  }
  record.failed = (outcome != nullptr && (*outcome == "rejected" || *outcome == "failed")) ||
                  record.decision == Decision::refused || record.decision == Decision::brownout;
  if (failure_reason != nullptr) record.failure = *failure_reason;
  if (auto problem = read_key_exchange(object, record); !problem.empty()) return failure(problem);

  ParsedLine result;
  result.record = std::move(record);
  return result;
}

}  // namespace tlsfloor::report
