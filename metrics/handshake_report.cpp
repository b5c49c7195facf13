#include "metrics/handshake_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <functional>
#include <limits>
#include <tuple>

namespace tlsfloor::metrics {
namespace {

using nlohmann::ordered_json;

constexpr std::uint16_t kSsl30 = 0x0300;
constexpr std::uint16_t kTls13 = 0x0304;
constexpr std::uint16_t kUnknownVersion = 0;

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

// The inverse of config::wire_version_label, restricted to what highest_offered can hold.
std::optional<std::uint16_t> version_from_label(std::string_view label) {
  if (label == "unknown") return kUnknownVersion;
  for (std::uint16_t wire = kSsl30; wire <= kTls13; ++wire) {
    if (config::wire_version_label(wire) == label) return wire;
  }
  return std::nullopt;
}

// --- bounded values --------------------------------------------------------------------------

// Cuts at a character boundary: a cut inside a UTF-8 sequence would leave invalid UTF-8, which
// the JSON output would then have to mangle.
std::string_view cut_to_length(std::string_view value) {
  if (value.size() <= DistinctValues::kMaxValueLength) return value;
  std::size_t length = DistinctValues::kMaxValueLength;
  while (length > 0 && (static_cast<unsigned char>(value[length]) & 0xc0) == 0x80) --length;
  return value.substr(0, length);
}

std::size_t version_slot(std::uint16_t wire) {
  return wire >= kSsl30 && wire <= kTls13 ? wire - kSsl30 + 1 : 0;
}

double fraction(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

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

struct Column {
  std::string header;
  bool right_aligned = false;
};

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

std::size_t rows_shown(std::size_t total, std::size_t top) {
  return top == 0 ? total : std::min(total, top);
}

// The per-version columns, then first and last seen: shared by both tables.
void add_affected_columns(const HandshakeReport& report, std::vector<Column>& columns) {
  columns.push_back({"AFFECTED", true});
  columns.push_back({"SHARE", true});
  for (const std::uint16_t version : report.affected_versions()) {
    columns.push_back({std::string(config::wire_version_label(version)), true});
  }
  columns.push_back({"FIRST SEEN"});
  columns.push_back({"LAST SEEN"});
}

void add_affected_cells(const HandshakeReport& report, const AffectedHandshakes& affected,
                        std::vector<std::string>& cells) {
  cells.push_back(std::to_string(affected.count));
  cells.push_back(percent(affected.count, report.totals().handshakes));
  for (const std::uint16_t version : report.affected_versions()) {
    cells.push_back(std::to_string(affected.with_version(version)));
  }
  cells.push_back(config::format_timestamp(affected.first_seen));
  cells.push_back(config::format_timestamp(affected.last_seen));
}

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

void add_affected_json(const HandshakeReport& report, const AffectedHandshakes& affected,
                       ordered_json& row) {
  row["affected"] = affected.count;
  row["share"] = fraction(affected.count, report.totals().handshakes);
  auto& by_version = row["by_version"] = ordered_json::object();
  for (const std::uint16_t version : report.affected_versions()) {
    by_version[std::string(config::wire_version_label(version))] = affected.with_version(version);
  }
  row["first_seen"] = config::format_timestamp(affected.first_seen);
  row["last_seen"] = config::format_timestamp(affected.last_seen);
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

ParsedLine parse_handshake_line(std::string_view line) {
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(line.begin(), line.end());
  } catch (const nlohmann::json::parse_error& error) {
    return failure("not JSON (syntax error at byte " + std::to_string(error.byte) + ")");
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

  HandshakeRecord record;
  const auto time = config::parse_timestamp(*time_text);
  if (!time)
    return failure("\"time\" is " + json_quoted(*time_text) + ", not an RFC 3339 timestamp");
  record.time = *time;
  boost::system::error_code address_error;
  record.client = boost::asio::ip::make_address(*client_text, address_error);
  if (address_error) {
    return failure("\"client\" is " + json_quoted(*client_text) + ", not an IP address");
  }
  const auto version = version_from_label(*highest_offered);
  if (!version) {
    return failure("\"highest_offered\" is " + json_quoted(*highest_offered) +
                   ", not SSL3.0, TLS1.0 .. TLS1.3 or unknown");
  }
  record.highest_offered = *version;
  record.listener = *listener;
  record.server_name = *server_name;
  record.ja4 = *ja4;

  ParsedLine result;
  result.record = std::move(record);
  return result;
}

void DistinctValues::add(std::string_view value) {
  if (value.empty()) return;
  value = cut_to_length(value);
  if (std::find(kept_.begin(), kept_.end(), value) != kept_.end()) return;
  if (kept_.size() < kMaxKept) {
    kept_.emplace_back(value);
    return;
  }
  const std::uint64_t hash = std::hash<std::string_view>{}(value);
  const auto position = std::lower_bound(more_hashes_.begin(), more_hashes_.end(), hash);
  if (position != more_hashes_.end() && *position == hash) return;
  if (more_hashes_.size() >= kMaxCounted) {
    saturated_ = true;
    return;
  }
  more_hashes_.insert(position, hash);
}

void AffectedHandshakes::add(std::uint16_t highest_offered, config::Timestamp time) {
  if (count == 0) {
    first_seen = time;
    last_seen = time;
  }
  // min/max rather than first/last: rotated logs can be given in any order.
  first_seen = std::min(first_seen, time);
  last_seen = std::max(last_seen, time);
  ++count;
  ++by_version_slot[version_slot(highest_offered)];
}

std::uint64_t AffectedHandshakes::with_version(std::uint16_t wire) const {
  return by_version_slot[version_slot(wire)];
}

HandshakeReport::HandshakeReport(Settings settings) : settings_(settings) {}

bool HandshakeReport::is_affected(std::uint16_t highest_offered) const {
  // "unknown" is 0, below every version's wire code.
  return highest_offered < static_cast<std::uint16_t>(settings_.floor);
}

std::vector<std::uint16_t> HandshakeReport::affected_versions() const {
  std::vector<std::uint16_t> versions;
  for (std::uint16_t wire = kSsl30; is_affected(wire); ++wire) versions.push_back(wire);
  versions.push_back(kUnknownVersion);
  return versions;
}

void HandshakeReport::add(const HandshakeRecord& record) {
  ++totals_.handshakes;
  totals_.first_seen =
      totals_.first_seen ? std::min(*totals_.first_seen, record.time) : record.time;
  totals_.last_seen = totals_.last_seen ? std::max(*totals_.last_seen, record.time) : record.time;
  if (!is_affected(record.highest_offered)) return;
  ++totals_.affected;

  const ClientKey key =
      make_client_key(record.client, settings_.ipv4_prefix, settings_.ipv6_prefix);
  auto client = clients_.find(key);
  if (client == clients_.end()) {
    assert(clients_.size() < std::numeric_limits<std::uint32_t>::max());
    ClientEntry entry;
    entry.row.client = key;
    entry.row.client_text = to_string(key);
    entry.id = static_cast<std::uint32_t>(clients_.size());
    client = clients_.emplace(key, std::move(entry)).first;
  }
  ClientRow& client_row = client->second.row;
  client_row.affected.add(record.highest_offered, record.time);
  client_row.server_names.add(record.server_name);
  client_row.fingerprints.add(record.ja4);
  client_row.listeners.add(record.listener);

  // Cut like the values in DistinctValues, so that a row's size is bounded whatever the log.
  const std::string_view ja4 = cut_to_length(record.ja4);
  auto fingerprint = fingerprints_.find(ja4);
  if (fingerprint == fingerprints_.end()) {
    assert(fingerprints_.size() < std::numeric_limits<std::uint32_t>::max());
    FingerprintEntry entry;
    entry.row.ja4 = ja4;
    entry.id = static_cast<std::uint32_t>(fingerprints_.size());
    fingerprint = fingerprints_.emplace(std::string(ja4), std::move(entry)).first;
  }
  FingerprintRow& fingerprint_row = fingerprint->second.row;
  fingerprint_row.affected.add(record.highest_offered, record.time);
  fingerprint_row.server_names.add(record.server_name);
  const std::uint64_t pair = std::uint64_t{client->second.id} << 32 | fingerprint->second.id;
  if (client_fingerprint_pairs_.insert(pair).second) ++fingerprint_row.clients;
}

std::vector<const ClientRow*> HandshakeReport::clients() const {
  std::vector<const ClientRow*> rows;
  rows.reserve(clients_.size());
  for (const auto& [key, entry] : clients_) rows.push_back(&entry.row);
  std::sort(rows.begin(), rows.end(), [](const ClientRow* a, const ClientRow* b) {
    return std::tie(b->affected.count, a->client_text) <
           std::tie(a->affected.count, b->client_text);
  });
  return rows;
}

std::vector<const FingerprintRow*> HandshakeReport::fingerprints() const {
  std::vector<const FingerprintRow*> rows;
  rows.reserve(fingerprints_.size());
  for (const auto& [ja4, entry] : fingerprints_) rows.push_back(&entry.row);
  std::sort(rows.begin(), rows.end(), [](const FingerprintRow* a, const FingerprintRow* b) {
    return std::tie(b->affected.count, a->ja4) < std::tie(a->affected.count, b->ja4);
  });
  return rows;
}

void render_text(const HandshakeReport& report, const RenderOptions& options, std::ostream& out) {
  const ReportTotals& totals = report.totals();
  const auto clients = report.clients();
  const auto fingerprints = report.fingerprints();
  const auto when = [](const std::optional<config::Timestamp>& time) {
    return time ? config::format_timestamp(*time) : std::string("-");
  };

  out << "Who would break at a floor of " << config::to_string(report.settings().floor) << '\n';
  out << "  log files        " << totals.files << '\n';
  out << "  handshakes       " << totals.handshakes << '\n';
  out << "  affected         " << totals.affected << " ("
      << percent(totals.affected, totals.handshakes) << ")\n";
  out << "  malformed lines  " << totals.malformed_lines << " (skipped)\n";
  out << "  first seen       " << when(totals.first_seen) << '\n';
  out << "  last seen        " << when(totals.last_seen) << '\n';
  out << "  clients grouped  IPv4 /" << report.settings().ipv4_prefix << ", IPv6 /"
      << report.settings().ipv6_prefix << '\n';

  out << '\n';
  const std::size_t clients_shown = rows_shown(clients.size(), options.top);
  write_table_title(out, "Clients", clients.size(), clients_shown);
  if (!clients.empty()) {
    std::vector<Column> columns{{"CLIENT"}};
    add_affected_columns(report, columns);
    columns.insert(columns.end(), {{"LISTENERS"}, {"SNI"}, {"JA4"}});
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < clients_shown; ++i) {
      const ClientRow& client = *clients[i];
      auto& cells = rows.emplace_back();
      cells.push_back(client.client_text);
      add_affected_cells(report, client.affected, cells);
      cells.push_back(values_cell(client.listeners));
      cells.push_back(values_cell(client.server_names));
      cells.push_back(values_cell(client.fingerprints));
    }
    write_table(out, columns, rows);
  }

  out << '\n';
  const std::size_t fingerprints_shown = rows_shown(fingerprints.size(), options.top);
  write_table_title(out, "Fingerprints (JA4)", fingerprints.size(), fingerprints_shown);
  if (!fingerprints.empty()) {
    std::vector<Column> columns{{"JA4"}};
    add_affected_columns(report, columns);
    columns.insert(columns.end(), {{"CLIENTS", true}, {"SNI"}});
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < fingerprints_shown; ++i) {
      const FingerprintRow& fingerprint = *fingerprints[i];
      auto& cells = rows.emplace_back();
      cells.push_back(fingerprint.ja4.empty() ? "(none)" : printable(fingerprint.ja4));
      add_affected_cells(report, fingerprint.affected, cells);
      cells.push_back(std::to_string(fingerprint.clients));
      cells.push_back(values_cell(fingerprint.server_names));
    }
    write_table(out, columns, rows);
  }
}

std::string render_json(const HandshakeReport& report, const RenderOptions& options) {
  const ReportTotals& totals = report.totals();
  ordered_json document;
  document["floor"] = config::to_string(report.settings().floor);
  document["ipv4_prefix"] = report.settings().ipv4_prefix;
  document["ipv6_prefix"] = report.settings().ipv6_prefix;
  document["top"] = options.top;

  auto& totals_json = document["totals"];
  totals_json["files"] = totals.files;
  totals_json["handshakes"] = totals.handshakes;
  totals_json["affected"] = totals.affected;
  totals_json["share"] = fraction(totals.affected, totals.handshakes);
  totals_json["malformed_lines"] = totals.malformed_lines;
  totals_json["first_seen"] = timestamp_or_null(totals.first_seen);
  totals_json["last_seen"] = timestamp_or_null(totals.last_seen);

  document["clients"] =
      table_json<ClientRow>(report.clients(), options.top, [&](const ClientRow& client) {
        ordered_json row;
        row["client"] = client.client_text;
        add_affected_json(report, client.affected, row);
        row["listeners"] = values_json(client.listeners);
        row["sni"] = values_json(client.server_names);
        row["ja4"] = values_json(client.fingerprints);
        return row;
      });
  document["fingerprints"] = table_json<FingerprintRow>(
      report.fingerprints(), options.top, [&](const FingerprintRow& fingerprint) {
        ordered_json row;
        row["ja4"] = fingerprint.ja4;
        add_affected_json(report, fingerprint.affected, row);
        row["clients"] = fingerprint.clients;
        row["sni"] = values_json(fingerprint.server_names);
        return row;
      });
  // Values are cut at character boundaries and parsed from valid JSON, so replacement should
  // never happen; it keeps one odd byte from turning the whole report into an exception.
  std::string text = document.dump(2, ' ', false, ordered_json::error_handler_t::replace);
  text += '\n';
  return text;
}

}  // namespace tlsfloor::metrics
