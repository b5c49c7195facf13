#include <nlohmann/json.hpp>

#include <functional>

#include "config/named_group.h"
#include "config/tls_version.h"
#include "metrics/report/render.h"

namespace tlsfloor::report {
namespace {

using nlohmann::ordered_json;

// --- JSON output -----------------------------------------------------------------------------

ordered_json timestamp_or_null(const std::optional<config::Timestamp>& when) {
  if (!when) return nullptr;
  return config::format_timestamp(*when);
}

ordered_json values_json(const DistinctValues& values) {
  ordered_json json;
  json["values"] = values.kept();
  json["more"] = values.more();
  json["more_is_lower_bound"] = values.more_is_lower_bound();
  return json;
}

// `whole`: what `share` is a share of (a route's own handshakes, or all).
void add_affected_json(const HandshakeReport& report, const AffectedHandshakes& affected,
                       std::uint64_t whole, ordered_json& row) {
  row["affected"] = affected.count;
  row["share"] = fraction(affected.count, whole);
  row["would_break"] = affected.would_break();
  row["failing"] = affected.failing;
  auto& by_decision = row["by_decision"] = ordered_json::object();
  by_decision["let_in"] = affected.with_decision(Decision::let_in);
  by_decision["exempt"] = affected.with_decision(Decision::exempt);
  by_decision["brownout"] = affected.with_decision(Decision::brownout);
  by_decision["refused"] = affected.with_decision(Decision::refused);
  auto& by_version = row["by_version"] = ordered_json::object();
  for (const std::uint16_t version : report.affected_versions()) {
    by_version[std::string(config::wire_version_label(version))] = affected.with_version(version);
  }
  // A route with nothing affected has no span: null, as the totals of an empty report.
  const auto when = [&](config::Timestamp time) {
    return affected.count == 0 ? ordered_json(nullptr)
                               : ordered_json(config::format_timestamp(time));
  };
  row["first_seen"] = when(affected.first_seen);
  row["last_seen"] = when(affected.last_seen);
}

template <typename Row>
ordered_json table_json(const std::vector<const Row*>& rows, std::size_t top,
                        const std::function<ordered_json(const Row&)>& row_json) {
  const std::size_t shown = rows_shown(rows.size(), top);
  ordered_json table;
  table["total"] = rows.size();
  table["omitted"] = rows.size() - shown;
  auto& json_rows = table["rows"] = ordered_json::array();
  for (std::size_t i = 0; i < shown; ++i) json_rows.push_back(row_json(*rows[i]));
  return table;
}

}  // namespace

std::string render_json(const HandshakeReport& report, const RenderOptions& options) {
  const ReportTotals& totals = report.totals();
  ordered_json document;
  const HandshakeReport::Settings& settings = report.settings();
  document["floor"] =
      settings.floor ? ordered_json(config::to_string(*settings.floor)) : ordered_json(nullptr);
  document["ciphers"] =
      settings.ciphers ? ordered_json(settings.ciphers_text) : ordered_json(nullptr);
  document["ipv4_prefix"] = settings.ipv4_prefix;
  document["ipv6_prefix"] = settings.ipv6_prefix;
  document["top"] = options.top;
  document["route"] = settings.route ? ordered_json(*settings.route) : ordered_json(nullptr);
  // The key exchange's keys only when it is judged: a report without them reads as before.
  if (settings.groups) document["groups"] = config::group_list_text(*settings.groups);
  if (settings.pq) document["pq"] = true;

  auto& totals_json = document["totals"];
  totals_json["files"] = totals.files;
  totals_json["handshakes"] = totals.handshakes;
  totals_json["affected"] = totals.affected;
  totals_json["share"] = fraction(totals.affected, totals.handshakes);
  totals_json["would_break"] = totals.affected_detail.would_break();
  totals_json["failing"] = totals.affected_detail.failing;
  totals_json["malformed_lines"] = totals.malformed_lines;
  totals_json["other_routes"] = totals.other_routes;
  totals_json["without_ciphers"] = totals.without_ciphers;
  if (report.judges_key_exchange()) totals_json["without_groups"] = totals.without_groups;
  totals_json["first_seen"] = timestamp_or_null(totals.first_seen);
  totals_json["last_seen"] = timestamp_or_null(totals.last_seen);

  document["clients"] =
      table_json<ClientRow>(report.clients(), options.top, [&](const ClientRow& client) {
        ordered_json row;
        row["client"] = client.client_text;
        row["today"] = client.would_break() ? "would_break" : "failing";
        add_affected_json(report, client.affected, report.totals().handshakes, row);
        row["listeners"] = values_json(client.listeners);
        row["routes"] = values_json(client.routes);
        row["sni"] = values_json(client.server_names);
        row["ja4"] = values_json(client.fingerprints);
        row["failures"] = values_json(client.failures);
        if (report.judges_key_exchange()) row["groups"] = values_json(client.group_lists);
        return row;
      });
  auto& routes = document["routes"] = ordered_json::array();
  for (const RouteRow* route : report.routes()) {
    ordered_json row;
    row["listener"] = route->listener;
    row["route"] = route->route;
    row["handshakes"] = route->handshakes;
    add_affected_json(report, route->affected, route->handshakes, row);
    routes.push_back(std::move(row));
  }
  document["fingerprints"] = table_json<FingerprintRow>(
      report.fingerprints(), options.top, [&](const FingerprintRow& fingerprint) {
        ordered_json row;
        row["ja4"] = fingerprint.ja4;
        add_affected_json(report, fingerprint.affected, report.totals().handshakes, row);
        row["clients"] = fingerprint.clients;
        row["sni"] = values_json(fingerprint.server_names);
        if (report.judges_key_exchange()) row["groups"] = values_json(fingerprint.group_lists);
        return row;
      });
  // Values are cut at character boundaries and parsed from valid JSON, so replacement should
  // never happen; it keeps one odd byte from turning the whole report into an exception.
  std::string text = document.dump(2, ' ', false, ordered_json::error_handler_t::replace);
  text += '\n';
  return text;
}

}  // namespace tlsfloor::report
