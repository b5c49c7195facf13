#include "proxy/admin/admin_routes.h"

#include <utility>
#include <vector>

#include "config/config.h"
#include "config/duration.h"
#include "config/tls_version.h"
#include "proxy/admin/families_json.h"
#include "proxy/families/family_matcher.h"

namespace tlsfloor::admin {
namespace {

constexpr const char* kText = "text/plain; charset=utf-8";
constexpr const char* kJson = "application/json";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding; nullopt for a broken %-escape.
std::optional<std::string> decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

using Parameters = std::vector<std::pair<std::string, std::string>>;

std::optional<Parameters> parse_query(std::string_view query) {
  Parameters parameters;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    auto name = decode(part.substr(0, eq));
    auto value = decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    parameters.emplace_back(std::move(*name), std::move(*value));
  }
  return parameters;
}

// Beyond any table's size (top_k is capped well below it).
constexpr std::size_t kMaxOffset = 10'000'000;

// A decimal count without sign or spaces, at most 9 digits.
std::optional<std::size_t> parse_count(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  std::size_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

AdminResponse bad_request(std::string message) {
  return {400, kText, std::move(message) + "\n", {}};
}

AdminResponse legacy_clients(const AdminState& state, std::string_view query) {
  const std::optional<Parameters> parameters = parse_query(query);
  if (!parameters) return bad_request("malformed query string");
  LegacyClientsFilter filter;
  for (const auto& [name, value] : *parameters) {
    if (name == "listener") {
      filter.listener = value;
    } else if (name == "route") {
      filter.route = value;
    } else if (name == "version") {
      // A version a client can offer; "unknown" is not one to ask for.
      filter.version = config::wire_version_from_label(value);
      if (!filter.version || *filter.version == 0) {
        return bad_request("invalid version \"" + value +
                           "\" (expected one of: SSL3.0, TLS1.0, TLS1.1, TLS1.2, TLS1.3)");
      }
    } else if (name == "family") {
      if (value != families::kUnknownFamily && families::find_family(value) == nullptr) {
        return bad_request("unknown family \"" + value + "\" (GET /families lists them)");
      }
      filter.family = value;
    } else if (name == "owner") {
      if (value.empty() || value.size() > 64) {
        return bad_request("invalid owner \"" + value + "\" (a name of the owners file)");
      }
      filter.owner = value;
    } else if (name == "since") {
      // Up to the longest horizon: the ledger never holds more.
      const std::optional<config::Duration> since = config::parse_duration(value);
      if (!since || since->count() <= 0 || *since > config::kMaxLedgerHorizon) {
        return bad_request("invalid since \"" + value +
                           "\" (expected a duration up to 3650d, e.g. 90d or 12h)");
      }
      filter.since = std::chrono::duration_cast<std::chrono::seconds>(*since);
    } else if (name == "limit" || name == "offset") {
      const std::optional<std::size_t> number = parse_count(value);
      const std::size_t most = name == "limit" ? LegacyClientsFilter::kMaxPage : kMaxOffset;
      if (!number || *number > most || (name == "limit" && *number == 0)) {
        return bad_request("invalid " + name + " \"" + value + "\" (expected " +
                           (name == "limit" ? "1 to " : "0 to ") + std::to_string(most) + ")");
      }
      (name == "limit" ? filter.limit : filter.offset) = *number;
    } else {
      return bad_request("unknown parameter \"" + name +
                         "\" (expected: listener, route, version, family, owner, since, limit, "
                         "offset)");
    }
  }
  std::optional<std::string> body = state.legacy_clients(filter);
  if (!body) return {404, kText, "no listener named \"" + *filter.listener + "\"\n", {}};
  return {200, kJson, std::move(*body), {}};
}

}  // namespace

AdminResponse route(const AdminState& state, std::string_view method, std::string_view target) {
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  const bool get = method == "GET";
  if (path == "/metrics") {
    if (!get) return {405, kText, "method not allowed\n", "GET"};
    return {200, "text/plain; version=0.0.4; charset=utf-8", state.render_metrics(), {}};
  }
  if (path == "/healthz") {
    if (!get) return {405, kText, "method not allowed\n", "GET"};
    if (!state.serving()) return {503, kText, "draining\n", {}};
    return {200, kText, "ok\n", {}};
  }
  if (path == "/livez") {
    // Alive while the process answers, draining included: a liveness probe that failed during
    // a drain would have the process killed before its connections finish.
    if (!get) return {405, kText, "method not allowed\n", "GET"};
    return {200, kText, state.serving() ? "ok\n" : "ok (draining)\n", {}};
  }
  if (path == "/legacy-clients") {
    if (!get) return {405, kText, "method not allowed\n", "GET"};
    return legacy_clients(state, query);
  }
  if (path == "/families") {
    if (!get) return {405, kText, "method not allowed\n", "GET"};
    return {200, kJson, families_json(), {}};
  }
  if (path == "/exceptions") {
    if (!get) return {405, kText, "method not allowed\n", "GET"};
    return {200, kJson, state.exceptions(), {}};
  }
  if (path == "/reload") {
    // POST only: a reload changes state, and GETs get repeated by crawlers and prefetchers.
    if (method != "POST") return {405, kText, "method not allowed\n", "POST"};
    if (!state.serving()) return {503, kText, "draining: not reloading\n", {}};
    ReloadOutcome outcome = state.reload();
    return {outcome.ok ? 200u : 422u, kText, std::move(outcome.message), {}};
  }
  return {404, kText, "not found\n", {}};
}

}  // namespace tlsfloor::admin
