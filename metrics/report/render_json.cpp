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

// {"at": "2027-01-15T00:00:00.000Z", "mode": "enforce"}, or null.
ordered_json change_json(const std::optional<ScheduledChange>& change) {
  if (!change) return nullptr;
  ordered_json json;
  json["at"] = config::format_timestamp(change->at);
  json["mode"] = config::to_string(change->mode);
  return json;
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
  document["owner"] = settings.owner ? ordered_json(*settings.owner) : ordered_json(nullptr);
  // Only with --config, so that the document without it stays as it was.
  const std::optional<Deadlines>& deadlines = settings.deadlines;
  if (deadlines) {
    document["config"] = deadlines->source;
    document["schedules_as_of"] = config::format_timestamp(deadlines->as_of);
  }
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
  totals_json["other_owners"] = totals.other_owners;
  totals_json["without_ciphers"] = totals.without_ciphers;
  if (report.judges_key_exchange()) totals_json["without_groups"] = totals.without_groups;
  totals_json["first_seen"] = timestamp_or_null(totals.first_seen);
  totals_json["last_seen"] = timestamp_or_null(totals.last_seen);
  // Affected handshakes per UTC day (the latest kReportDays days with any), oldest first.
  auto& days = document["affected_by_day"] = ordered_json::array();
  for (const auto& [day, handshakes] : totals.affected_by_day) {
    ordered_json row;
    row["day"] = config::format_timestamp(config::Timestamp(std::chrono::days(day))).substr(0, 10);
    row["handshakes"] = handshakes;
    days.push_back(std::move(row));
  }

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
        row["families"] = values_json(client.families);
        row["owners"] = values_json(client.owners);
        row["failures"] = values_json(client.failures);
        row["certificates"] = values_json(client.certificates);
        if (deadlines) row["breaks_on"] = change_json(client.breaks);
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
    if (deadlines) {
      row["mode"] = route->deadline ? ordered_json(config::to_string(route->deadline->mode))
                                    : ordered_json(nullptr);
      row["next_change"] = route->deadline ? change_json(route->deadline->next) : nullptr;
    }
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
  document["families"] =
      table_json<LabelRow>(report.families(), options.top, [&](const LabelRow& family) {
        ordered_json row;
        // Lines of a tlsfloor before families name none.
        row["family"] = family.label.empty() ? ordered_json(nullptr) : ordered_json(family.label);
        add_affected_json(report, family.affected, report.totals().handshakes, row);
        row["clients"] = family.clients;
        const auto description = options.describe_family ? options.describe_family(family.label)
                                                         : std::optional<FamilyDescription>();
        row["name"] = description ? ordered_json(description->name) : ordered_json(nullptr);
        row["advice"] = description ? ordered_json(description->advice) : ordered_json(nullptr);
        row["link"] = description ? ordered_json(description->link) : ordered_json(nullptr);
        return row;
      });
  document["owners"] =
      table_json<LabelRow>(report.owners(), options.top, [&](const LabelRow& owner) {
        ordered_json row;
        row["owner"] = owner.label.empty() ? ordered_json(nullptr) : ordered_json(owner.label);
        add_affected_json(report, owner.affected, report.totals().handshakes, row);
        row["clients"] = owner.clients;
        const auto description = options.describe_owner ? options.describe_owner(owner.label)
                                                        : std::optional<OwnerDescription>();
        row["contacts"] = description ? ordered_json(description->contacts) : ordered_json(nullptr);
        row["link"] = description && !description->link.empty() ? ordered_json(description->link)
                                                                : ordered_json(nullptr);
        return row;
      });
  // Who wrote the lines: once the lines name their host, as in the text.
  if (report.hosts_named()) {
    const auto replicas = report.replicas();
    const std::size_t shown = rows_shown(replicas.size(), options.top);
    auto& table = document["replicas"];
    table["gap_seconds"] = settings.gap.count();
    table["total"] = replicas.size();
    table["omitted"] = replicas.size() - shown;
    auto& rows = table["rows"] = ordered_json::array();
    for (std::size_t i = 0; i < shown; ++i) {
      const ReplicaRow& replica = *replicas[i];
      ordered_json row;
      row["host"] = replica.host().empty() ? ordered_json(nullptr) : ordered_json(replica.host());
      row["lines"] = replica.lines();
      row["first_seen"] = config::format_timestamp(replica.first_seen());
      row["last_seen"] = config::format_timestamp(replica.last_seen());
      row["gaps"] = replica.gaps();
      row["gaps_is_lower_bound"] = replica.gaps_is_lower_bound();
      const auto longest = replica.longest_gap();
      if (longest) {
        auto& gap = row["longest_gap"];
        gap["seconds"] =
            std::chrono::duration_cast<std::chrono::seconds>(longest->to - longest->from).count();
        gap["from"] = config::format_timestamp(longest->from);
        gap["to"] = config::format_timestamp(longest->to);
      } else {
        row["longest_gap"] = nullptr;
      }
      rows.push_back(std::move(row));
    }
  }
  // Values are cut at character boundaries and parsed from valid JSON, so replacement should
  // never happen; it keeps one odd byte from turning the whole report into an exception.
  std::string text = document.dump(2, ' ', false, ordered_json::error_handler_t::replace);
  text += '\n';
  return text;
}

}  // namespace tlsfloor::report
