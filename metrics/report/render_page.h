#pragma once
// A report as one page for the people who must act on it (tlsfloor report --owner NAME --format
// html|markdown): the owner and how to reach them, the period and the totals, the deadlines
// (with --config), a chart of legacy handshakes per day, each client with its software, since
// when and how often, and what to change per software. Built from render_json()'s document, so
// its numbers are the JSON report's. The HTML is self-contained (inline style and SVG, a
// Content-Security-Policy that loads nothing), so it can be mailed as it is; values from the log
// are escaped, and only http(s) links are links.
#include <ostream>

#include "metrics/report/handshake_report.h"
#include "metrics/report/render.h"

namespace tlsfloor::report {

void render_html(const HandshakeReport& report, const RenderOptions& options, std::ostream& out);
/// The same page in Markdown (a ticket, a wiki): the chart as a table of days.
void render_markdown(const HandshakeReport& report, const RenderOptions& options,
                     std::ostream& out);

}  // namespace tlsfloor::report
