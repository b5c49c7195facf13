#include "metrics/report/log_line_fast.h"

#include <simdjson.h>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "config/named_group.h"
#include "metrics/log_schema/log_schema.h"

namespace tlsfloor::report {
namespace {

static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING);

// The keys the report reads, by position in a Fields::seen mask.
enum Key : int {
  kTime,
  kHost,
  kListener,
  kRoute,
  kClient,
  kHighestOffered,
  kSni,
  kJa4,
  kDecision,
  kOutcome,
  kFailure,
  kFamily,
  kOwner,
  kNegotiatedVersion,
  kCipher,
  kGroup,
  kCertificate,
  kUpstreamVersion,
  kUpstreamCipher,
  // Keys past the text keys, each read its own way.
  kOfferedCiphers,
  kOfferedGroups,
  kKeyShareGroups,
  kPqOffered,
  kClientCertificate,
  kOtherKey,
};
static_assert(kOtherKey < 32, "Fields::seen is a 32-bit mask");

Key key_of(std::string_view key) {
  switch (key.size()) {
    case 3:
      if (key == "sni") return kSni;
      if (key == "ja4") return kJa4;
      break;
    case 4:
      if (key == "time") return kTime;
      if (key == "host") return kHost;
      break;
    case 5:
      if (key == "route") return kRoute;
      if (key == "owner") return kOwner;
      if (key == "group") return kGroup;
      break;
    case 6:
      if (key == "client") return kClient;
      if (key == "family") return kFamily;
      if (key == "cipher") return kCipher;
      break;
    case 7:
      if (key == "outcome") return kOutcome;
      if (key == "failure") return kFailure;
      break;
    case 8:
      if (key == "listener") return kListener;
      if (key == "decision") return kDecision;
      break;
    case 10:
      if (key == "pq_offered") return kPqOffered;
      break;
    case 11:
      if (key == "certificate") return kCertificate;
      break;
    case 14:
      if (key == "offered_groups") return kOfferedGroups;
      break;
    case 15:
      if (key == "highest_offered") return kHighestOffered;
      if (key == "offered_ciphers") return kOfferedCiphers;
      if (key == "upstream_cipher") return kUpstreamCipher;
      break;
    case 16:
      if (key == "key_share_groups") return kKeyShareGroups;
      if (key == "upstream_version") return kUpstreamVersion;
      break;
    case 18:
      if (key == "negotiated_version") return kNegotiatedVersion;
      if (key == "client_certificate") return kClientCertificate;
      break;
    default:
      break;
  }
  return kOtherKey;
}

// Where each key read as text goes, and whether it may be null (read as "").
struct TextKey {
  std::string_view LineFields::*field;
  bool null_allowed;
};
constexpr std::array<TextKey, kOfferedCiphers> kTextKeys = {{
    {&LineFields::time, false},           {&LineFields::host, true},
    {&LineFields::listener, false},       {nullptr, false},  // route: optional, read apart
    {&LineFields::client, false},         {&LineFields::highest_offered, false},
    {&LineFields::server_name, true},     {&LineFields::ja4, false},
    {&LineFields::decision, true},        {&LineFields::outcome, true},
    {&LineFields::failure, true},         {&LineFields::family, true},
    {&LineFields::owner, true},           {&LineFields::negotiated_version, true},
    {&LineFields::cipher, true},          {&LineFields::group, true},
    {&LineFields::certificate, true},     {&LineFields::upstream_version, true},
    {&LineFields::upstream_cipher, true},
}};

// True when every number in `value` is an integer or a fraction of moderate size (zero, or a
// magnitude between 1e-300 and 1e300), like the log's family_confidence. simdjson and
// nlohmann-json both read those correctly rounded; near the ends of a double's range (an
// overflow, an underflow to a subnormal) their agreement is not something to rely on, so such
// a line is left to the exact reader.
bool moderate_numbers_only(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::DOUBLE: {
      double number = 0;
      if (value.get_double().get(number) != simdjson::SUCCESS) return false;
      const double magnitude = std::fabs(number);
      return magnitude == 0 || (magnitude >= 1e-300 && magnitude <= 1e300);
    }
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array items;
      if (value.get_array().get(items) != simdjson::SUCCESS) return false;
      for (const simdjson::dom::element item : items) {
        if (!moderate_numbers_only(item)) return false;
      }
      return true;
    }
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object fields;
      if (value.get_object().get(fields) != simdjson::SUCCESS) return false;
      for (const simdjson::dom::key_value_pair field : fields) {
        if (!moderate_numbers_only(field.value)) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

// A string value, or with `null_allowed` null as "": false for anything else.
bool text_of(simdjson::dom::element value, bool null_allowed, std::string_view& text) {
  if (value.type() == simdjson::dom::element_type::STRING) {
    return value.get_string().get(text) == simdjson::SUCCESS;
  }
  if (null_allowed && value.type() == simdjson::dom::element_type::NULL_VALUE) {
    text = {};
    return true;
  }
  return false;
}

// A list of group names or hex codes into `out` (cleared first): false for anything else.
bool groups_of(simdjson::dom::element value, std::vector<std::uint16_t>& out) {
  simdjson::dom::array items;
  if (value.get_array().get(items) != simdjson::SUCCESS) return false;
  out.clear();
  for (const simdjson::dom::element item : items) {
    std::string_view text;
    const auto code = text_of(item, false, text) ? config::parse_group(text) : std::nullopt;
    if (!code) return false;
    out.push_back(*code);
  }
  return true;
}

// client_certificate: null, or an object whose result is a string and subject a string or
// null; its result and subject into `fields`. False for anything else, and for a result or
// subject given twice (the exact reader keeps the last).
bool certificate_of(simdjson::dom::element value, LineFields& fields) {
  if (value.type() == simdjson::dom::element_type::NULL_VALUE) return true;
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) return false;
  if (!moderate_numbers_only(value)) return false;
  bool result = false;
  bool subject = false;
  for (const simdjson::dom::key_value_pair field : object) {
    if (field.key == "result") {
      if (result || !text_of(field.value, false, fields.certificate_result)) return false;
      result = true;
    } else if (field.key == "subject") {
      if (subject || !text_of(field.value, true, fields.certificate_subject)) return false;
      subject = true;
    }
  }
  return result && subject;
}

}  // namespace

struct FastLineParser::Simdjson {
  simdjson::dom::parser parser{kMaxFastLineLength};
};

FastLineParser::FastLineParser() : simdjson_(std::make_unique<Simdjson>()) {}
FastLineParser::~FastLineParser() = default;

bool FastLineParser::parse_padded(std::string_view line, HandshakeRecord& record,
                                  std::string& error) {
  const auto exact = [&] {
    ++exact_fallbacks_;
    ParsedLine parsed = parse_handshake_line(line);
    if (!parsed.record) {
      error = std::move(parsed.error);
      return false;
    }
    record = std::move(*parsed.record);
    return true;
  };
  // Escapes are where JSON readers differ (lone surrogates, escaped keys): the log writes none
  // but in hostile values, so any line with a backslash is read by the exact reader.
  if (line.size() > kMaxFastLineLength || std::memchr(line.data(), '\\', line.size()) != nullptr) {
    return exact();
  }
  simdjson::dom::element document;
  if (simdjson_->parser.parse(line.data(), line.size(), false).get(document) != simdjson::SUCCESS) {
    return exact();
  }
  simdjson::dom::object object;
  if (document.get_object().get(object) != simdjson::SUCCESS) return exact();

  LineFields fields;
  unsigned seen = 0;
  simdjson::dom::array ciphers;
  for (const simdjson::dom::key_value_pair field : object) {
    const Key key = key_of(field.key);
    if (key == kOtherKey) {
      // An ECS or OpenTelemetry line (or one that says it is): the exact reader maps its names.
      if (log_schema::marks_other_schema(field.key)) return exact();
      if (!moderate_numbers_only(field.value)) return exact();
      continue;
    }
    // nlohmann-json keeps the last of duplicate keys: leave such a line to it.
    if ((seen & 1u << key) != 0) return exact();
    seen |= 1u << key;
    bool ok = true;
    if (key == kOfferedCiphers) {
      ok = field.value.get_array().get(ciphers) == simdjson::SUCCESS;
    } else if (key == kOfferedGroups) {
      if (!record.offered_groups) record.offered_groups.emplace();
      ok = groups_of(field.value, *record.offered_groups);
    } else if (key == kKeyShareGroups) {
      ok = groups_of(field.value, record.key_share_groups);
    } else if (key == kPqOffered) {
      bool offered = false;
      ok = field.value.get_bool().get(offered) == simdjson::SUCCESS;
      fields.pq_offered = offered;
    } else if (key == kClientCertificate) {
      ok = certificate_of(field.value, fields);
    } else if (key == kRoute) {
      ok = text_of(field.value, false, fields.route.emplace());
    } else {
      const TextKey& text = kTextKeys[key];
      ok = text_of(field.value, text.null_allowed, fields.*text.field);
    }
    if (!ok) return exact();
  }
  constexpr unsigned kRequired = 1u << kTime | 1u << kListener | 1u << kClient |
                                 1u << kHighestOffered | 1u << kSni | 1u << kJa4;
  if ((seen & kRequired) != kRequired) return exact();
  if ((seen & 1u << kOfferedGroups) == 0) record.offered_groups.reset();
  if ((seen & 1u << kKeyShareGroups) == 0) record.key_share_groups.clear();

  if ((seen & 1u << kOfferedCiphers) != 0) {
    if (record.offered_ciphers) {
      record.offered_ciphers->clear();
    } else {
      record.offered_ciphers.emplace();
    }
    for (const simdjson::dom::element suite : ciphers) {
      std::string_view text;
      const auto code = text_of(suite, false, text) ? cipher_code(text) : std::nullopt;
      if (!code) return exact();
      record.offered_ciphers->push_back(*code);
    }
  } else {
    record.offered_ciphers.reset();
  }
  if (fill_record(fields, record) != FieldError::none) return exact();
  return true;
}

ParsedLine FastLineParser::parse(std::string_view line) {
  padded_.assign(line);
  padded_.append(kLinePadding, ' ');
  ParsedLine parsed;
  parsed.record.emplace();
  if (!parse_padded(std::string_view(padded_.data(), line.size()), *parsed.record, parsed.error)) {
    parsed.record.reset();
  }
  return parsed;
}

}  // namespace tlsfloor::report
