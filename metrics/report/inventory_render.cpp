// The inventory's three renderings: a table for terminals, one JSON document, CSV for
// spreadsheets and compliance tooling.
#include <nlohmann/json.hpp>

#include <sstream>

#include "metrics/report/inventory.h"
#include "metrics/report/text_table.h"

namespace tlsfloor::report {
namespace {

std::string when(const std::optional<config::Timestamp>& time) {
  return time ? config::format_timestamp(*time) : std::string("-");
}

// "1234", or "65536+" once the count stopped.
std::string clients_text(const DistinctClients& clients) {
  return std::to_string(clients.count()) + (clients.is_lower_bound() ? "+" : "");
}

std::string families_text(const DistinctValues& families, std::string_view separator) {
  std::string text;
  for (const std::string& family : families.kept()) {
    if (!text.empty()) text += separator;
    text += family;
  }
  if (families.more() > 0) {
    text += std::string(separator) + "+" + std::to_string(families.more()) +
            (families.more_is_lower_bound() ? " or more" : " more");
  }
  return text;
}

// RFC 4180: a field with a comma, a quote or a line break goes in quotes, quotes doubled.
std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string field = "\"";
  for (const char c : text) {
    if (c == '"') field += '"';
    field += c;
  }
  return field + "\"";
}

}  // namespace

void render_inventory_text(const Inventory& inventory, std::ostream& out) {
  out << "Protocols, suites, groups and certificates negotiated (PCI DSS 12.3.3 inventory)\n";
  out << "  log files        " << inventory.files() << '\n';
  out << "  handshakes       " << inventory.handshakes() << " (" << inventory.completed()
      << " completed, the rows count those)\n";
  out << "  malformed lines  " << inventory.malformed_lines() << " (skipped)\n";
  out << "  first seen       " << when(inventory.first_seen()) << '\n';
  out << "  last seen        " << when(inventory.last_seen()) << '\n';
  const auto routes = inventory.routes();
  out << '\n' << "Routes: " << routes.size() << " read\n";
  if (routes.empty()) return;
  std::vector<std::vector<std::string>> rows;
  for (const InventoryRoute* route : routes) {
    for (const InventoryRow* row : route->rows()) {
      rows.push_back(
          {printable(route->listener), printable(route->route), std::string(to_string(row->kind)),
           printable(row->value), std::to_string(row->handshakes), clients_text(row->clients),
           row->families.kept().empty() ? "-" : printable(families_text(row->families, ",")),
           config::format_timestamp(row->first_seen), config::format_timestamp(row->last_seen)});
    }
    if (route->completed == 0) {
      rows.push_back({printable(route->listener), printable(route->route), "-",
                      "(no completed handshake)", "0", "0", "-", "-", "-"});
    }
  }
  write_table(out,
              {{"LISTENER"},
               {"ROUTE"},
               {"KIND"},
               {"VALUE"},
               {"HANDSHAKES", true},
               {"CLIENTS", true},
               {"FAMILIES"},
               {"FIRST SEEN"},
               {"LAST SEEN"}},
              rows);
}

std::string render_inventory_json(const Inventory& inventory) {
  using nlohmann::ordered_json;
  const auto time_or_null = [](const std::optional<config::Timestamp>& time) {
    return time ? ordered_json(config::format_timestamp(*time)) : ordered_json(nullptr);
  };
  ordered_json document;
  document["files"] = inventory.files();
  document["handshakes"] = inventory.handshakes();
  document["completed"] = inventory.completed();
  document["malformed_lines"] = inventory.malformed_lines();
  document["first_seen"] = time_or_null(inventory.first_seen());
  document["last_seen"] = time_or_null(inventory.last_seen());
  auto& routes = document["routes"] = ordered_json::array();
  for (const InventoryRoute* route : inventory.routes()) {
    ordered_json entry;
    entry["listener"] = route->listener;
    entry["route"] = route->route;
    entry["handshakes"] = route->handshakes;
    entry["completed"] = route->completed;
    // Every kind is present, as a list, so a program need not test for keys.
    for (std::size_t kind = 0; kind < kInventoryKinds; ++kind) {
      entry[std::string(to_string(static_cast<InventoryKind>(kind))) + "s"] = ordered_json::array();
    }
    for (const InventoryRow* row : route->rows()) {
      ordered_json json;
      json["value"] = row->value;
      json["handshakes"] = row->handshakes;
      json["clients"] = row->clients.count();
      json["clients_is_lower_bound"] = row->clients.is_lower_bound();
      json["families"] = {{"values", row->families.kept()},
                          {"more", row->families.more()},
                          {"more_is_lower_bound", row->families.more_is_lower_bound()}};
      json["first_seen"] = config::format_timestamp(row->first_seen);
      json["last_seen"] = config::format_timestamp(row->last_seen);
      entry[std::string(to_string(row->kind)) + "s"].push_back(std::move(json));
    }
    routes.push_back(std::move(entry));
  }
  std::string text = document.dump(2, ' ', false, ordered_json::error_handler_t::replace);
  text += '\n';
  return text;
}

std::string render_inventory_csv(const Inventory& inventory) {
  std::ostringstream out;
  out << "listener,route,kind,value,handshakes,clients,clients_at_least,families,first_seen,"
         "last_seen\r\n";
  for (const InventoryRoute* route : inventory.routes()) {
    for (const InventoryRow* row : route->rows()) {
      out << csv_field(route->listener) << ',' << csv_field(route->route) << ','
          << to_string(row->kind) << ',' << csv_field(row->value) << ',' << row->handshakes << ','
          << row->clients.count() << ',' << (row->clients.is_lower_bound() ? "true" : "false")
          << ',' << csv_field(families_text(row->families, ";")) << ','
          << config::format_timestamp(row->first_seen) << ','
          << config::format_timestamp(row->last_seen) << "\r\n";
    }
  }
  return out.str();
}

}  // namespace tlsfloor::report
