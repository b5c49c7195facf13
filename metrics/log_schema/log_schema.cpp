#include "metrics/log_schema/log_schema.h"

#include <array>
#include <string>

#include "config/named_group.h"

namespace tlsfloor::log_schema {
namespace {

using Json = nlohmann::json;
using Ordered = nlohmann::ordered_json;

// How a fact's value changes between tlsfloor's name and the standards'.
enum class Kind {
  same,      // copied
  version,   // "TLS1.2" <-> protocol name "tls" and version "1.2" (two fields)
  curve,     // "P-256" <-> "secp256r1", "X25519" <-> "x25519"
  suites,    // "c02f" <-> "0xc02f", in a list
  endpoint,  // "10.0.0.5:40000", "[fd00::5]:40000" <-> address and port (two fields)
};

struct Field {
  std::string_view tlsfloor;
  // Comma-separated: the first is read back; every one is written. For Kind::version, the
  // protocol name's field, then the version's.
  std::string_view ecs;
  std::string_view otel;
  Kind kind = Kind::same;
};

// Every fact of a line, in the line's order. ECS 8.11 and the OpenTelemetry semantic
// conventions (tls.*, client.*, server.*, network.peer.*, host.*) where they name it.
constexpr std::array kFields = {
    Field{"time", "@timestamp", "timestamp"},
    Field{"host", "host.name", "host.name"},
    Field{"listener", "tlsfloor.listener", "tlsfloor.listener"},
    Field{"route", "tlsfloor.route", "tlsfloor.route"},
    Field{"client", "client.ip,client.address", "client.address"},
    Field{"client_port", "client.port", "client.port"},
    // Behind a balancer, the address the connection came from: ECS's source (the sender of the
    // packets), OpenTelemetry's peer.
    Field{"balancer", "source.ip,source.port", "network.peer.address,network.peer.port",
          Kind::endpoint},
    Field{"vpce_id", "tlsfloor.vpce_id", "tlsfloor.vpce_id"},
    Field{"offered_versions", "tlsfloor.offered_versions", "tlsfloor.offered_versions"},
    Field{"highest_offered", "tlsfloor.highest_offered", "tlsfloor.highest_offered"},
    Field{"negotiated_version", "tls.version_protocol,tls.version",
          "tls.protocol.name,tls.protocol.version", Kind::version},
    Field{"cipher", "tls.cipher", "tls.cipher"},
    Field{"group", "tls.curve", "tls.curve", Kind::curve},
    Field{"offered_ciphers", "tls.client.supported_ciphers", "tls.client.supported_ciphers",
          Kind::suites},
    Field{"offered_groups", "tlsfloor.offered_groups", "tlsfloor.offered_groups"},
    Field{"offered_groups_total", "tlsfloor.offered_groups_total", "tlsfloor.offered_groups_total"},
    Field{"key_share_groups", "tlsfloor.key_share_groups", "tlsfloor.key_share_groups"},
    Field{"key_shares_total", "tlsfloor.key_shares_total", "tlsfloor.key_shares_total"},
    Field{"pq_offered", "tlsfloor.pq_offered", "tlsfloor.pq_offered"},
    Field{"sni", "tls.client.server_name", "server.address"},
    Field{"alpn", "tlsfloor.alpn", "tlsfloor.alpn"},
    Field{"alpn_offered", "tlsfloor.alpn_offered", "tlsfloor.alpn_offered"},
    Field{"alpn_selected", "tls.next_protocol", "tls.next_protocol"},
    Field{"certificate", "tlsfloor.certificate", "tlsfloor.certificate"},
    Field{"upstream_version", "tlsfloor.upstream_version", "tlsfloor.upstream_version"},
    Field{"upstream_cipher", "tlsfloor.upstream_cipher", "tlsfloor.upstream_cipher"},
    Field{"ja3", "tls.client.ja3", "tls.client.ja3"},
    Field{"ja4", "tlsfloor.ja4", "tlsfloor.ja4"},
    Field{"family", "tlsfloor.family", "tlsfloor.family"},
    Field{"family_confidence", "tlsfloor.family_confidence", "tlsfloor.family_confidence"},
    Field{"owner", "tlsfloor.owner", "tlsfloor.owner"},
    Field{"outcome", "tlsfloor.outcome", "tlsfloor.outcome"},
    Field{"legacy", "tlsfloor.legacy", "tlsfloor.legacy"},
    Field{"below", "tlsfloor.below", "tlsfloor.below"},
    Field{"decision", "tlsfloor.decision", "tlsfloor.decision"},
    Field{"refused_by", "tlsfloor.refused_by", "tlsfloor.refused_by"},
    Field{"reason", "tlsfloor.reason", "tlsfloor.reason"},
    Field{"failure", "tlsfloor.failure", "tlsfloor.failure"},
    Field{"resumed", "tls.resumed", "tls.resumed"},
    Field{"client_certificate", "tlsfloor.client_certificate", "tlsfloor.client_certificate"},
};

// The standards' curve names for the groups both name by example; tlsfloor's otherwise.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kCurves = {{
    {"X25519", "x25519"},
    {"X448", "x448"},
    {"P-256", "secp256r1"},
    {"P-384", "secp384r1"},
    {"P-521", "secp521r1"},
}};

std::vector<std::string_view> split(std::string_view names) {
  std::vector<std::string_view> parts;
  while (!names.empty()) {
    const std::size_t comma = names.find(',');
    parts.push_back(names.substr(0, comma));
    names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
  }
  return parts;
}

std::string_view names_in(const Field& field, LogSchema schema) {
  return schema == LogSchema::ecs ? field.ecs : field.otel;
}

// ECS nests objects at the dots; OpenTelemetry attribute names are flat.
void put(Ordered& line, LogSchema schema, std::string_view name, Ordered value) {
  if (schema == LogSchema::otel || name.front() == '@') {
    line[std::string(name)] = std::move(value);
    return;
  }
  Ordered* at = &line;
  for (std::size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.')) {
    at = &(*at)[std::string(name.substr(0, dot))];
    name = name.substr(dot + 1);
  }
  (*at)[std::string(name)] = std::move(value);
}

// The value at `name`: nested (ECS as written here) or as one dotted key (as OpenTelemetry
// writes it, and as some ECS shippers do). nullptr when absent.
const Json* find(const Json& line, std::string_view name) {
  if (const auto flat = line.find(std::string(name)); flat != line.end()) return &*flat;
  const Json* at = &line;
  for (;;) {
    const std::size_t dot = name.find('.');
    if (!at->is_object()) return nullptr;
    const auto it = at->find(std::string(name.substr(0, dot)));
    if (it == at->end()) return nullptr;
    at = &*it;
    if (dot == std::string_view::npos) return at;
    name = name.substr(dot + 1);
  }
}

Ordered curve_out(const Ordered& group) {
  if (!group.is_string()) return group;
  for (const auto& [ours, theirs] : kCurves) {
    if (group.get_ref<const std::string&>() == ours) return std::string(theirs);
  }
  return group;
}

Json curve_in(const Json& curve) {
  if (!curve.is_string()) return curve;
  const auto code = config::parse_group(curve.get_ref<const std::string&>());
  return code ? Json(config::group_name(*code)) : curve;
}

Ordered suites_out(const Ordered& suites) {
  if (!suites.is_array()) return suites;
  Ordered out = Ordered::array();
  for (const auto& suite : suites) {
    out.push_back(suite.is_string() ? Ordered("0x" + suite.get<std::string>()) : suite);
  }
  return out;
}

Json suites_in(const Json& suites) {
  if (!suites.is_array()) return suites;
  Json out = Json::array();
  for (const auto& suite : suites) {
    const bool prefixed =
        suite.is_string() && suite.get_ref<const std::string&>().starts_with("0x");
    out.push_back(prefixed ? Json(suite.get<std::string>().substr(2)) : suite);
  }
  return out;
}

// "10.0.0.5:40000" -> ("10.0.0.5", 40000); "[fd00::5]:40000" -> ("fd00::5", 40000); null or
// anything without a port -> (it, null).
std::pair<Ordered, Ordered> endpoint_out(const Ordered& endpoint) {
  if (!endpoint.is_string()) return {endpoint, nullptr};
  const std::string& text = endpoint.get_ref<const std::string&>();
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return {endpoint, nullptr};
  std::string address = text.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  } else if (address.find(':') != std::string::npos) {
    return {endpoint, nullptr};  // a bare IPv6 address: no port to take off
  }
  unsigned port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return {endpoint, nullptr};
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  return {address, port};
}

Json endpoint_in(const Json* address, const Json* port) {
  if (address == nullptr || !address->is_string()) return address != nullptr ? *address : nullptr;
  if (port == nullptr || !port->is_number_unsigned()) return *address;
  const std::string& text = address->get_ref<const std::string&>();
  const std::string host = text.find(':') != std::string::npos ? "[" + text + "]" : text;
  return host + ":" + std::to_string(port->get<unsigned>());
}

// "TLS1.2" -> ("tls", "1.2"); "SSL3.0" -> ("ssl", "3.0"); null -> (null, null).
std::pair<Ordered, Ordered> version_out(const Ordered& label) {
  if (!label.is_string()) return {nullptr, nullptr};
  const std::string& text = label.get_ref<const std::string&>();
  if (text.size() > 3 && (text.starts_with("TLS") || text.starts_with("SSL"))) {
    std::string name = text.substr(0, 3);
    for (char& c : name) c = static_cast<char>(c - 'A' + 'a');
    return {name, text.substr(3)};
  }
  return {nullptr, label};
}

Json version_in(const Json* name, const Json* version) {
  if (version == nullptr || !version->is_string()) return nullptr;
  std::string protocol = name != nullptr && name->is_string() ? name->get<std::string>() : "tls";
  for (char& c : protocol) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return protocol + version->get<std::string>();
}

}  // namespace

Ordered to_schema(const Ordered& line, LogSchema schema) {
  if (schema == LogSchema::tlsfloor) return line;
  Ordered out = Ordered::object();
  for (const Field& field : kFields) {
    const auto it = line.find(std::string(field.tlsfloor));
    if (it == line.end()) continue;
    const std::vector<std::string_view> names = split(names_in(field, schema));
    switch (field.kind) {
      case Kind::version:
      case Kind::endpoint: {
        auto [first, second] = field.kind == Kind::version ? version_out(*it) : endpoint_out(*it);
        put(out, schema, names[0], std::move(first));
        put(out, schema, names[1], std::move(second));
        break;
      }
      case Kind::curve:
        put(out, schema, names[0], curve_out(*it));
        break;
      case Kind::suites:
        put(out, schema, names[0], suites_out(*it));
        break;
      case Kind::same:
        for (const std::string_view name : names) put(out, schema, name, *it);
        break;
    }
  }
  // What the standards derive from these facts, for the pipelines that key on them: the
  // handshake completed (a version was negotiated), and the event's outcome.
  const auto negotiated = line.find("negotiated_version");
  put(out, schema, "tls.established", negotiated != line.end() && negotiated->is_string());
  if (schema == LogSchema::ecs) {
    put(out, schema, "ecs.version", std::string(kEcsVersion));
    put(out, schema, "event.kind", "event");
    put(out, schema, "event.category", Ordered::array({"network"}));
    put(out, schema, "event.type", Ordered::array({"connection"}));
    put(out, schema, "event.dataset", "tlsfloor.handshake");
    const auto outcome = line.find("outcome");
    put(out, schema, "event.outcome",
        outcome != line.end() && *outcome == "accepted" ? "success" : "failure");
  } else {
    put(out, schema, "event.name", "tlsfloor.handshake");
  }
  return out;
}

LogSchema schema_of(const Json& line) {
  if (!line.is_object()) return LogSchema::tlsfloor;
  if (line.contains(kEcsMarker)) return LogSchema::ecs;
  if (line.contains(kOtelMarker)) return LogSchema::otel;
  return LogSchema::tlsfloor;
}

Json to_tlsfloor(const Json& line, LogSchema schema) {
  if (schema == LogSchema::tlsfloor) return line;
  Json out = Json::object();
  for (const Field& field : kFields) {
    const std::vector<std::string_view> names = split(names_in(field, schema));
    if (field.kind == Kind::version || field.kind == Kind::endpoint) {
      const Json* first = find(line, names[0]);
      const Json* second = find(line, names[1]);
      if (first != nullptr || second != nullptr) {
        out[std::string(field.tlsfloor)] =
            field.kind == Kind::version ? version_in(first, second) : endpoint_in(first, second);
      }
      continue;
    }
    const Json* value = find(line, names[0]);
    if (value == nullptr) continue;
    out[std::string(field.tlsfloor)] = field.kind == Kind::curve    ? curve_in(*value)
                                       : field.kind == Kind::suites ? suites_in(*value)
                                                                    : *value;
  }
  return out;
}

std::vector<FieldNames> field_names() {
  std::vector<FieldNames> names;
  for (const Field& field : kFields) names.push_back({field.tlsfloor, field.ecs, field.otel});
  names.push_back({"", "tls.established", "tls.established"});
  names.push_back({"",
                   "ecs.version, event.kind, event.category, event.type, event.dataset, "
                   "event.outcome",
                   "event.name"});
  return names;
}

}  // namespace tlsfloor::log_schema
