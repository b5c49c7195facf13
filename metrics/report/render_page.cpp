#include "metrics/report/render_page.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <sstream>

namespace tlsfloor::report {
namespace {

using nlohmann::ordered_json;

// What the page says, read once from the JSON report: the page shows the JSON's numbers, never
// numbers of its own.
struct Page {
  std::string owner;  // "" for a report of every owner
  std::string contacts;
  std::string link;
  ordered_json document;
  std::map<std::string, ordered_json> families;  // id -> the families table's row
};

Page page_of(const HandshakeReport& report, const RenderOptions& options) {
  Page page;
  page.document = ordered_json::parse(render_json(report, options));
  if (page.document["owner"].is_string()) page.owner = page.document["owner"];
  for (const ordered_json& row : page.document["owners"]["rows"]) {
    if (row["owner"] != page.document["owner"]) continue;
    if (row["contacts"].is_string()) page.contacts = row["contacts"];
    if (row["link"].is_string()) page.link = row["link"];
  }
  for (const ordered_json& row : page.document["families"]["rows"]) {
    if (row["family"].is_string()) page.families[row["family"]] = row;
  }
  return page;
}

std::string text_of(const ordered_json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "-";
  return value.dump();
}

// A family id as people know it: the table's name, else the id.
std::string software(const Page& page, const std::string& id) {
  const auto found = page.families.find(id);
  if (found == page.families.end() || !found->second["name"].is_string()) return id;
  return found->second["name"];
}

// A DistinctValues cell of the JSON report ({values, more, ...}) as text.
std::string joined(const ordered_json& values, const std::string& separator) {
  std::string text;
  for (const ordered_json& value : values["values"]) {
    text += (text.empty() ? "" : separator) + text_of(value);
  }
  if (values["more"] != 0) text += separator + "+" + text_of(values["more"]) + " more";
  return text.empty() ? "-" : text;
}

std::string software_of(const Page& page, const ordered_json& client) {
  std::string text;
  for (const ordered_json& id : client["families"]["values"]) {
    text += (text.empty() ? "" : ", ") + software(page, text_of(id));
  }
  return text.empty() ? "-" : text;
}

std::string title_of(const Page& page) {
  return page.owner.empty() ? "Legacy TLS clients" : "Legacy TLS clients of " + page.owner;
}

// "TLS1.2" or "TLS1.2 with the ciphers ..." : what the report judged against.
std::string floor_of(const ordered_json& document) {
  std::string floor = document["floor"].is_string() ? document["floor"].get<std::string>() : "";
  if (document["ciphers"].is_string()) {
    floor += (floor.empty() ? "" : ", ") + std::string("ciphers ") +
             document["ciphers"].get<std::string>();
  }
  return floor.empty() ? "-" : floor;
}

// --- HTML ---------------------------------------------------------------------------------

std::string html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Only http(s) links become links: a log or a directory could hold "javascript:".
std::string html_link(const std::string& url, const std::string& text) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return html(text);
  return "<a href=\"" + html(url) + "\">" + html(text) + "</a>";
}

// Affected handshakes per day as bars, drawn in SVG inside the page (nothing is fetched).
void chart(std::ostream& out, const ordered_json& days) {
  if (days.empty()) {
    out << "<p>No legacy handshakes in the logs read.</p>\n";
    return;
  }
  std::uint64_t highest = 1;
  for (const ordered_json& day : days)
    highest = std::max<std::uint64_t>(highest, day["handshakes"]);
  constexpr int kHeight = 120;
  const int bar = std::max(2, std::min(24, 720 / static_cast<int>(days.size())));
  const int width = std::max(240, bar * static_cast<int>(days.size()));  // room for the dates
  out << "<svg id=\"per-day\" role=\"img\" width=\"" << width << "\" height=\"" << kHeight + 20
      << "\" viewBox=\"0 0 " << width << ' ' << kHeight + 20
      << "\" aria-label=\"Legacy handshakes per day\">\n";
  int x = 0;
  for (const ordered_json& day : days) {
    const std::uint64_t count = day["handshakes"];
    const int height = std::max(1, static_cast<int>(count * kHeight / highest));
    out << "<rect x=\"" << x << "\" y=\"" << kHeight - height << "\" width=\""
        << std::max(1, bar - 1) << "\" height=\"" << height << "\" data-day=\""
        << html(text_of(day["day"])) << "\" data-handshakes=\"" << count << "\"><title>"
        << html(text_of(day["day"])) << ": " << count << "</title></rect>\n";
    x += bar;
  }
  out << "<text x=\"0\" y=\"" << kHeight + 15 << "\">" << html(text_of(days.front()["day"]))
      << "</text>";
  if (days.size() > 1) {
    out << "<text x=\"" << width << "\" y=\"" << kHeight + 15 << "\" text-anchor=\"end\">"
        << html(text_of(days.back()["day"])) << "</text>";
  }
  out << "\n</svg>\n";
  out << "<p>Most in one day: " << highest << ".</p>\n";
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}"
    "th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}"
    "th{background:#eee}td.n{text-align:right}"
    "rect{fill:#c0392b}svg text{font-size:11px;fill:#555}"
    ".deadline{color:#c0392b;font-weight:bold}";

}  // namespace

void render_html(const HandshakeReport& report, const RenderOptions& options, std::ostream& out) {
  const Page page = page_of(report, options);
  const ordered_json& document = page.document;
  const ordered_json& totals = document["totals"];
  const ordered_json& clients = document["clients"];
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      // Nothing outside the page is ever loaded: it can be mailed and opened offline.
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'\">\n"
      << "<title>" << html(title_of(page)) << "</title>\n<style>" << kStyle
      << "</style>\n</head>\n<body>\n<h1>" << html(title_of(page)) << "</h1>\n";
  if (!page.contacts.empty() || !page.link.empty()) {
    out << "<p>Contacts: " << html(page.contacts.empty() ? "-" : page.contacts);
    if (!page.link.empty()) out << " &middot; " << html_link(page.link, page.link);
    out << "</p>\n";
  }
  out << "<p>From <span id=\"first-seen\">" << html(text_of(totals["first_seen"]))
      << "</span> to <span id=\"last-seen\">" << html(text_of(totals["last_seen"]))
      << "</span>, <span id=\"affected\">" << text_of(totals["affected"])
      << "</span> handshakes from <span id=\"clients\">" << text_of(clients["total"])
      << "</span> clients were below the floor (" << html(floor_of(document)) << "): "
      << "<span id=\"would-break\">" << text_of(totals["would_break"])
      << "</span> served today would break, <span id=\"failing\">" << text_of(totals["failing"])
      << "</span> fail already.</p>\n";
  // The deadlines: each route's next scheduled step (with --config).
  bool deadline_shown = false;
  for (const ordered_json& route : document["routes"]) {
    if (!route.contains("next_change") || !route["next_change"].is_object()) continue;
    if (!deadline_shown) out << "<h2>Deadlines</h2>\n<ul>\n";
    deadline_shown = true;
    out << "<li class=\"deadline\">" << html(text_of(route["listener"])) << " route "
        << html(text_of(route["route"])) << ": " << html(text_of(route["next_change"]["mode"]))
        << " from " << html(text_of(route["next_change"]["at"])) << "</li>\n";
  }
  if (deadline_shown) out << "</ul>\n";

  out << "<h2>Legacy handshakes per day</h2>\n";
  chart(out, document["affected_by_day"]);

  out << "<h2>Clients</h2>\n<table id=\"clients-table\">\n<tr><th>Client</th><th>Software</th>"
         "<th>Handshakes</th><th>Today</th><th>First seen</th><th>Last seen</th><th>Routes</th>"
         "<th>SNI</th>";
  const bool breaks = document.contains("config");
  if (breaks) out << "<th>Breaks on</th>";
  out << "</tr>\n";
  for (const ordered_json& client : clients["rows"]) {
    out << "<tr><td>" << html(text_of(client["client"])) << "</td><td>"
        << html(software_of(page, client)) << "</td><td class=\"n\" data-handshakes>"
        << text_of(client["affected"]) << "</td><td>" << html(text_of(client["today"]))
        << "</td><td>" << html(text_of(client["first_seen"])) << "</td><td>"
        << html(text_of(client["last_seen"])) << "</td><td>" << html(joined(client["routes"], ", "))
        << "</td><td>" << html(joined(client["sni"], ", ")) << "</td>";
    if (breaks) {
      const ordered_json& on = client["breaks_on"];
      out << "<td>" << html(on.is_object() ? text_of(on["at"]) : "-") << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n";
  if (clients["omitted"] != 0) {
    out << "<p>" << text_of(clients["omitted"])
        << " more clients not shown (--top 0 shows all).</p>\n";
  }

  out << "<h2>What to change</h2>\n<table id=\"families-table\">\n<tr><th>Software</th>"
         "<th>Clients</th><th>Handshakes</th><th>What to do</th></tr>\n";
  for (const ordered_json& family : document["families"]["rows"]) {
    const std::string id = family["family"].is_string() ? family["family"].get<std::string>() : "";
    const std::string name = id.empty() ? "not named (older log lines)" : software(page, id);
    const std::string advice = family["advice"].is_string() ? family["advice"].get<std::string>()
                                                            : "Identify it from its JA4 and SNI.";
    out << "<tr><td>" << html(name) << "</td><td class=\"n\">" << text_of(family["clients"])
        << "</td><td class=\"n\">" << text_of(family["affected"]) << "</td><td>" << html(advice);
    if (family["link"].is_string()) {
      out << " " << html_link(family["link"].get<std::string>(), "More");
    }
    out << "</td></tr>\n";
  }
  out << "</table>\n<p>Made by tlsfloor report from the handshake logs.</p>\n</body>\n</html>\n";
}

void render_markdown(const HandshakeReport& report, const RenderOptions& options,
                     std::ostream& out) {
  const Page page = page_of(report, options);
  const ordered_json& document = page.document;
  const ordered_json& totals = document["totals"];
  const ordered_json& clients = document["clients"];
  // A cell cannot hold a '|' or a line break.
  const auto cell = [](std::string text) {
    std::string out;
    for (const char c : text) {
      if (c == '|') {
        out += "\\|";
      } else if (c == '\n' || c == '\r') {
        out += ' ';
      } else {
        out += c;
      }
    }
    return out;
  };
  out << "# " << cell(title_of(page)) << "\n\n";
  if (!page.contacts.empty() || !page.link.empty()) {
    out << "Contacts: " << cell(page.contacts.empty() ? "-" : page.contacts);
    if (!page.link.empty()) out << " · " << cell(page.link);
    out << "\n\n";
  }
  out << "From " << text_of(totals["first_seen"]) << " to " << text_of(totals["last_seen"]) << ", "
      << text_of(totals["affected"]) << " handshakes from " << text_of(clients["total"])
      << " clients were below the floor (" << cell(floor_of(document))
      << "): " << text_of(totals["would_break"]) << " served today would break, "
      << text_of(totals["failing"]) << " fail already.\n\n";
  bool deadline_shown = false;
  for (const ordered_json& route : document["routes"]) {
    if (!route.contains("next_change") || !route["next_change"].is_object()) continue;
    if (!deadline_shown) out << "## Deadlines\n\n";
    deadline_shown = true;
    out << "- **" << cell(text_of(route["listener"])) << " route " << cell(text_of(route["route"]))
        << "**: " << text_of(route["next_change"]["mode"]) << " from "
        << text_of(route["next_change"]["at"]) << "\n";
  }
  if (deadline_shown) out << "\n";
  out << "## Legacy handshakes per day\n\n| Day | Handshakes |\n| --- | ---: |\n";
  for (const ordered_json& day : document["affected_by_day"]) {
    out << "| " << text_of(day["day"]) << " | " << text_of(day["handshakes"]) << " |\n";
  }
  out << "\n## Clients\n\n| Client | Software | Handshakes | Today | First seen | Last seen | "
         "Routes | SNI |\n| --- | --- | ---: | --- | --- | --- | --- | --- |\n";
  for (const ordered_json& client : clients["rows"]) {
    out << "| " << cell(text_of(client["client"])) << " | " << cell(software_of(page, client))
        << " | " << text_of(client["affected"]) << " | " << text_of(client["today"]) << " | "
        << text_of(client["first_seen"]) << " | " << text_of(client["last_seen"]) << " | "
        << cell(joined(client["routes"], ", ")) << " | " << cell(joined(client["sni"], ", "))
        << " |\n";
  }
  out << "\n## What to change\n\n| Software | Clients | Handshakes | What to do |\n"
         "| --- | ---: | ---: | --- |\n";
  for (const ordered_json& family : document["families"]["rows"]) {
    const std::string id = family["family"].is_string() ? family["family"].get<std::string>() : "";
    std::string advice = family["advice"].is_string() ? family["advice"].get<std::string>()
                                                      : "Identify it from its JA4 and SNI.";
    if (family["link"].is_string()) advice += " " + family["link"].get<std::string>();
    out << "| " << cell(id.empty() ? "not named (older log lines)" : software(page, id)) << " | "
        << text_of(family["clients"]) << " | " << text_of(family["affected"]) << " | "
        << cell(advice) << " |\n";
  }
}

}  // namespace tlsfloor::report
