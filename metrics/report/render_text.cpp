#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/named_group.h"
#include "config/tls_version.h"
#include "metrics/report/render.h"
#include "metrics/report/text_table.h"

namespace tlsfloor::report {

// --- text output -----------------------------------------------------------------------------

// Values come from the log and, before that, from clients: C0 controls, DEL and C1 controls
// (U+0080..U+009F, which some terminals obey as escape sequences) are shown as escapes.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char escape[8];
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (byte < 0x20 || byte == 0x7f) {
      std::snprintf(escape, sizeof escape, "\\x%02x", byte);
      out += escape;
    } else if (byte == 0xc2 && next >= 0x80 && next <= 0x9f) {
      std::snprintf(escape, sizeof escape, "\\u%04x", next);
      out += escape;
      ++i;
    } else {
      out += static_cast<char>(byte);
    }
  }
  return out;
}

namespace {

// Terminal columns taken by UTF-8 text: one per character (wide CJK characters would take two,
// which only costs alignment).
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  if (part == 0 || whole == 0) return "0.00%";
  const double value = 100.0 * fraction(part, whole);
  // Rounding must not turn "a few" into none or "almost all" into all.
  if (value < 0.005) return "<0.01%";
  if (part < whole && value >= 99.995) return ">99.99%";
  char text[16];
  std::snprintf(text, sizeof text, "%.2f%%", value);
  return text;
}

std::string values_cell(const DistinctValues& values) {
  if (values.kept().empty()) return "-";
  std::string cell;
  for (const std::string& value : values.kept()) {
    if (!cell.empty()) cell += ',';
    cell += printable(value);
  }
  if (values.more() > 0) {
    cell += " (+" + std::to_string(values.more()) +
            (values.more_is_lower_bound() ? " or more)" : " more)");
  }
  return cell;
}

}  // namespace

// Columns two spaces apart, each as wide as its widest cell; the last column is not padded so
// that lines carry no trailing blanks.
void write_table(std::ostream& out, const std::vector<Column>& columns,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const Column& column : columns) widths.push_back(display_width(column.header));
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  const auto write_row = [&](const auto& cell_of) {
    std::string line;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const std::string& cell = cell_of(i);
      const std::string padding(widths[i] - display_width(cell), ' ');
      if (i > 0) line += "  ";
      if (columns[i].right_aligned) line += padding;
      line += cell;
      if (!columns[i].right_aligned && i + 1 < columns.size()) line += padding;
    }
    out << line << '\n';
  };
  write_row([&](std::size_t i) -> const std::string& { return columns[i].header; });
  for (const auto& row : rows) {
    write_row([&](std::size_t i) -> const std::string& { return row[i]; });
  }
}

namespace {

// "Clients: 5 affected, heaviest first (showing 2; --top 0 shows all)".
void write_table_title(std::ostream& out, std::string_view title, std::size_t total,
                       std::size_t shown) {
  out << title << ": ";
  if (total == 0) {
    out << "none affected\n";
    return;
  }
  out << total << " affected, heaviest first";
  if (shown < total) out << " (showing " << shown << "; --top 0 shows all)";
  out << '\n';
}

// What was affected and how it fares today (would break: served now; failing: refused or failed
// already), what the policy decided, by version, then first and last seen: shared by every
// table.
void add_affected_columns(const HandshakeReport& report, std::vector<Column>& columns) {
  columns.push_back({"AFFECTED", true});
  columns.push_back({"SHARE", true});
  columns.push_back({"WOULD BREAK", true});
  columns.push_back({"FAILING", true});
  columns.push_back({"LET IN", true});
  columns.push_back({"EXEMPT", true});
  columns.push_back({"BROWNOUT", true});
  columns.push_back({"REFUSED", true});
  for (const std::uint16_t version : report.affected_versions()) {
    columns.push_back({std::string(config::wire_version_label(version)), true});
  }
  columns.push_back({"FIRST SEEN"});
  columns.push_back({"LAST SEEN"});
}

// `whole`: what SHARE is a share of (a route's own handshakes, or all).
void add_affected_cells(const HandshakeReport& report, const AffectedHandshakes& affected,
                        std::uint64_t whole, std::vector<std::string>& cells) {
  cells.push_back(std::to_string(affected.count));
  cells.push_back(percent(affected.count, whole));
  cells.push_back(std::to_string(affected.would_break()));
  cells.push_back(std::to_string(affected.failing));
  for (const Decision decision :
       {Decision::let_in, Decision::exempt, Decision::brownout, Decision::refused}) {
    cells.push_back(std::to_string(affected.with_decision(decision)));
  }
  for (const std::uint16_t version : report.affected_versions()) {
    cells.push_back(std::to_string(affected.with_version(version)));
  }
  // A route with nothing affected has no span to show.
  cells.push_back(affected.count == 0 ? "-" : config::format_timestamp(affected.first_seen));
  cells.push_back(affected.count == 0 ? "-" : config::format_timestamp(affected.last_seen));
}

// "2027-01-15 (enforce)": when a scheduled step starts refusing, or "-" for none.
std::string change_cell(const std::optional<ScheduledChange>& change) {
  if (!change) return "-";
  return change_date(*change) + " (" + std::string(config::to_string(change->mode)) + ")";
}

// `with_breaks`: the table of clients the floor would break, when schedules were read.
void write_clients(std::ostream& out, const HandshakeReport& report, std::string_view title,
                   const std::vector<const ClientRow*>& clients, std::size_t top,
                   bool with_breaks = false) {
  const std::size_t shown = rows_shown(clients.size(), top);
  write_table_title(out, title, clients.size(), shown);
  if (clients.empty()) return;
  std::vector<Column> columns{{"CLIENT"}};
  add_affected_columns(report, columns);
  columns.insert(
      columns.end(),
      {{"LISTENERS"}, {"ROUTES"}, {"SNI"}, {"JA4"}, {"FAMILIES"}, {"OWNERS"}, {"FAILURES"}});
  if (report.judges_key_exchange()) columns.push_back({"GROUPS"});
  // The client certificates' subjects, when the log names any (client_auth): a column that
  // would be empty in every row is left out.
  const bool certificates =
      std::any_of(clients.begin(), clients.begin() + shown,
                  [](const ClientRow* client) { return !client->certificates.kept().empty(); });
  if (certificates) columns.push_back(Column{"CERTIFICATES"});
  if (with_breaks) columns.push_back({"BREAKS ON"});
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < shown; ++i) {
    const ClientRow& client = *clients[i];
    auto& cells = rows.emplace_back();
    cells.push_back(client.client_text);
    add_affected_cells(report, client.affected, report.totals().handshakes, cells);
    cells.push_back(values_cell(client.listeners));
    cells.push_back(values_cell(client.routes));
    cells.push_back(values_cell(client.server_names));
    cells.push_back(values_cell(client.fingerprints));
    cells.push_back(values_cell(client.families));
    cells.push_back(values_cell(client.owners));
    cells.push_back(values_cell(client.failures));
    if (report.judges_key_exchange()) cells.push_back(values_cell(client.group_lists));
    if (certificates) cells.push_back(values_cell(client.certificates));
    if (with_breaks) cells.push_back(change_cell(client.breaks));
  }
  write_table(out, columns, rows);
}

// A table of affected handshakes by a label of their clients (family, owner), with what
// `describe` says of each label in the last columns.
void write_labels(std::ostream& out, const HandshakeReport& report, std::string_view title,
                  const std::vector<const LabelRow*>& labels, std::size_t top,
                  std::string_view label_column, std::string_view none,
                  const std::vector<Column>& described,
                  const std::function<std::vector<std::string>(std::string_view)>& describe) {
  const std::size_t shown = rows_shown(labels.size(), top);
  write_table_title(out, title, labels.size(), shown);
  if (labels.empty()) return;
  std::vector<Column> columns{{std::string(label_column)}};
  add_affected_columns(report, columns);
  columns.push_back({"CLIENTS", true});
  columns.insert(columns.end(), described.begin(), described.end());
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < shown; ++i) {
    const LabelRow& row = *labels[i];
    auto& cells = rows.emplace_back();
    cells.push_back(row.label.empty() ? std::string(none) : printable(row.label));
    add_affected_cells(report, row.affected, report.totals().handshakes, cells);
    cells.push_back(std::to_string(row.clients));
    for (std::string& cell : describe(row.label)) cells.push_back(printable(cell));
  }
  write_table(out, columns, rows);
}

std::string replica_name(const ReplicaRow& replica) {
  return replica.host().empty() ? "-" : printable(replica.host());
}

std::chrono::seconds whole_seconds(config::Timestamp::duration span) {
  return std::chrono::duration_cast<std::chrono::seconds>(span);
}

std::string gaps_cell(const ReplicaRow& replica) {
  return std::to_string(replica.gaps()) + (replica.gaps_is_lower_bound() ? " or more" : "");
}

// Who wrote the lines: shown once the lines name their host, so that a report of logs from
// before `host` reads as it did.
void write_replicas(std::ostream& out, const HandshakeReport& report, std::size_t top) {
  const auto replicas = report.replicas();
  const std::size_t shown = rows_shown(replicas.size(), top);
  const std::chrono::seconds gap = report.settings().gap;
  out << "Replicas: " << replicas.size() << " read, by host";
  if (shown < replicas.size()) out << " (showing " << shown << "; --top 0 shows all)";
  out << '\n';
  std::vector<Column> columns{{"HOST"}, {"LINES", true}, {"FIRST SEEN"}, {"LAST SEEN"}};
  if (gap.count() > 0) {
    columns.push_back({"GAPS > " + format_span(gap), true});
    columns.push_back({"LONGEST GAP"});
  }
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < shown; ++i) {
    const ReplicaRow& replica = *replicas[i];
    auto& cells = rows.emplace_back();
    cells.push_back(replica_name(replica));
    cells.push_back(std::to_string(replica.lines()));
    cells.push_back(config::format_timestamp(replica.first_seen()));
    cells.push_back(config::format_timestamp(replica.last_seen()));
    if (gap.count() > 0) {
      cells.push_back(gaps_cell(replica));
      const auto longest = replica.longest_gap();
      cells.push_back(longest ? format_span(whole_seconds(longest->to - longest->from)) + " (" +
                                    config::format_timestamp(longest->from) + " to " +
                                    config::format_timestamp(longest->to) + ")"
                              : "-");
    }
  }
  write_table(out, columns, rows);
}

}  // namespace

std::string format_span(std::chrono::seconds span) {
  const long long total = span.count();
  const long long days = total / 86400;
  const long long hours = total % 86400 / 3600;
  const long long minutes = total % 3600 / 60;
  const long long seconds = total % 60;
  char text[48];
  if (days > 0) {
    std::snprintf(text, sizeof text, "%lldd%02lldh%02lldm", days, hours, minutes);
  } else if (hours > 0) {
    std::snprintf(text, sizeof text, "%lldh%02lldm", hours, minutes);
  } else if (minutes > 0) {
    std::snprintf(text, sizeof text, "%lldm%02llds", minutes, seconds);
  } else {
    std::snprintf(text, sizeof text, "%llds", seconds);
  }
  return text;
}

void write_gap_warnings(const HandshakeReport& report, std::size_t shown, std::ostream& err) {
  std::size_t warned = 0;
  std::size_t more = 0;
  for (const ReplicaRow* replica : report.replicas()) {
    const auto longest = replica->longest_gap();
    if (!longest) continue;
    if (warned == shown) {
      ++more;
      continue;
    }
    ++warned;
    err << "tlsfloor report: replica " << replica_name(*replica) << ": no line for "
        << format_span(whole_seconds(longest->to - longest->from)) << " ("
        << config::format_timestamp(longest->from) << " to "
        << config::format_timestamp(longest->to) << "), the longest of " << gaps_cell(*replica)
        << " gap" << (replica->gaps() == 1 && !replica->gaps_is_lower_bound() ? "" : "s")
        << " over " << format_span(report.settings().gap)
        << ": was it down, or is one of its logs missing?\n";
  }
  if (more > 0) {
    err << "tlsfloor report: " << more << " more replica" << (more == 1 ? " has" : "s have")
        << " gaps (see the replicas table)\n";
  }
}

void render_text(const HandshakeReport& report, const RenderOptions& options, std::ostream& out) {
  const ReportTotals& totals = report.totals();
  const auto fingerprints = report.fingerprints();
  const auto when = [](const std::optional<config::Timestamp>& time) {
    return time ? config::format_timestamp(*time) : std::string("-");
  };

  const HandshakeReport::Settings& settings = report.settings();
  const bool judged_before_pq = settings.floor || settings.ciphers || settings.groups;
  out << (judged_before_pq ? "Who would break" : "Who would still use classical key exchange");
  if (settings.floor) out << " at a floor of " << config::to_string(*settings.floor);
  if (settings.ciphers) {
    out << (settings.floor ? " and" : "") << " with only the ciphers "
        << printable(settings.ciphers_text);
  }
  if (settings.groups) {
    out << (settings.floor || settings.ciphers ? " and" : "") << " with only the groups "
        << config::group_list_text(*settings.groups);
  }
  if (settings.pq) {
    out << (judged_before_pq ? ", or would still use classical key exchange" : "")
        << " (no post-quantum group offered)";
  }
  out << '\n';
  out << "  log files        " << totals.files << '\n';
  out << "  handshakes       " << totals.handshakes << '\n';
  out << "  affected         " << totals.affected << " ("
      << percent(totals.affected, totals.handshakes) << ")\n";
  out << "    would break    " << totals.affected_detail.would_break()
      << " (served today, refused at this floor)\n";
  out << "    failing today  " << totals.affected_detail.failing
      << " (refused or failed already, whatever the floor)\n";
  out << "  malformed lines  " << totals.malformed_lines << " (skipped)\n";
  if (settings.ciphers) {
    out << "  no cipher facts  " << totals.without_ciphers
        << " (lines without offered_ciphers, from an older tlsfloor: not judged by ciphers)\n";
  }
  if (settings.owner) {
    out << "  owner            " << printable(*settings.owner) << " (" << totals.other_owners
        << " handshakes of other owners left out)\n";
  }
  if (report.judges_key_exchange()) {
    out << "  no group facts   " << totals.without_groups
        << " (lines without offered_groups, from an older tlsfloor: not judged by groups)\n";
  }
  if (settings.route) {
    out << "  route            " << printable(*settings.route) << " (" << totals.other_routes
        << " handshakes of other routes left out)\n";
  }
  out << "  first seen       " << when(totals.first_seen) << '\n';
  out << "  last seen        " << when(totals.last_seen) << '\n';
  out << "  clients grouped  IPv4 /" << report.settings().ipv4_prefix << ", IPv6 /"
      << report.settings().ipv6_prefix << '\n';
  const std::optional<Deadlines>& deadlines = settings.deadlines;
  if (deadlines) {
    out << "  schedules        " << printable(deadlines->source) << " as of "
        << config::format_timestamp(deadlines->as_of) << '\n';
  }

  const auto routes = report.routes();
  out << '\n' << "Routes: " << routes.size() << " read, most affected first\n";
  if (!routes.empty()) {
    std::vector<Column> columns{{"LISTENER"}, {"ROUTE"}, {"HANDSHAKES", true}};
    add_affected_columns(report, columns);
    if (deadlines) columns.insert(columns.end(), {{"MODE"}, {"NEXT CHANGE"}});
    std::vector<std::vector<std::string>> rows;
    for (const RouteRow* route : routes) {
      auto& cells = rows.emplace_back();
      cells.push_back(printable(route->listener));
      cells.push_back(printable(route->route));
      cells.push_back(std::to_string(route->handshakes));
      add_affected_cells(report, route->affected, route->handshakes, cells);
      if (deadlines) {
        const auto& deadline = route->deadline;
        cells.push_back(deadline ? std::string(config::to_string(deadline->mode)) : "-");
        cells.push_back(deadline && deadline->next
                            ? config::format_timestamp(deadline->next->at) + " " +
                                  std::string(config::to_string(deadline->next->mode))
                            : "-");
      }
    }
    write_table(out, columns, rows);
  }

  out << '\n';
  write_clients(out, report, "Clients that would break", report.clients_that_would_break(),
                options.top, deadlines.has_value());
  out << '\n';
  write_clients(out, report, "Clients already failing today", report.clients_failing_today(),
                options.top);

  out << '\n';
  // Which software the affected clients run and what to change: the list to hand each owner.
  write_labels(out, report, "Client families", report.families(), options.top, "FAMILY",
               "(not logged)", {{"SOFTWARE"}, {"FIX"}}, [&](std::string_view family) {
                 const auto description = options.describe_family
                                              ? options.describe_family(family)
                                              : std::optional<FamilyDescription>();
                 if (!description) return std::vector<std::string>{"-", "-"};
                 return std::vector<std::string>{
                     std::string(description->name),
                     std::string(description->advice) + " " + std::string(description->link)};
               });

  // Whose they are: who to tell, and how to reach them (with --config's owners file). Only
  // once a line names an owner: without an owner directory every client is unowned.
  const auto owners = report.owners();
  if (std::any_of(owners.begin(), owners.end(),
                  [](const LabelRow* row) { return !row->label.empty(); })) {
    out << '\n';
    write_labels(out, report, "Owners", owners, options.top, "OWNER", "(unowned)",
                 {{"CONTACTS"}, {"LINK"}}, [&](std::string_view owner) {
                   const auto description = options.describe_owner
                                                ? options.describe_owner(owner)
                                                : std::optional<OwnerDescription>();
                   if (!description) return std::vector<std::string>{"-", "-"};
                   return std::vector<std::string>{
                       description->contacts.empty() ? "-" : description->contacts,
                       description->link.empty() ? "-" : description->link};
                 });
  }

  out << '\n';
  const std::size_t fingerprints_shown = rows_shown(fingerprints.size(), options.top);
  write_table_title(out, "Fingerprints (JA4)", fingerprints.size(), fingerprints_shown);
  if (!fingerprints.empty()) {
    std::vector<Column> columns{{"JA4"}};
    add_affected_columns(report, columns);
    columns.insert(columns.end(), {{"CLIENTS", true}, {"SNI"}});
    if (report.judges_key_exchange()) columns.push_back({"GROUPS"});
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < fingerprints_shown; ++i) {
      const FingerprintRow& fingerprint = *fingerprints[i];
      auto& cells = rows.emplace_back();
      cells.push_back(fingerprint.ja4.empty() ? "(none)" : printable(fingerprint.ja4));
      add_affected_cells(report, fingerprint.affected, report.totals().handshakes, cells);
      cells.push_back(std::to_string(fingerprint.clients));
      cells.push_back(values_cell(fingerprint.server_names));
      if (report.judges_key_exchange()) cells.push_back(values_cell(fingerprint.group_lists));
    }
    write_table(out, columns, rows);
  }

  if (report.hosts_named()) {
    out << '\n';
    write_replicas(out, report, options.top);
  }
}

}  // namespace tlsfloor::report
