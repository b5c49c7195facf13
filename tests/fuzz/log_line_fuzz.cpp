// libFuzzer target for `tlsfloor report`'s reader of handshake-log lines: logs are copied
// around and may be edited, truncated or forged, and their values came from clients. A line is
// a record or a reason; a record goes through the report and both renderings without harm. The
// fast reader the report runs (log_line_fast.h) must give the exact reader's record or reason.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

#include "metrics/report/handshake_report.h"
#include "metrics/report/log_line.h"
#include "metrics/report/log_line_fast.h"
#include "metrics/report/render.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tlsfloor::report;
  const ParsedLine parsed =
      parse_handshake_line(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parsed.record.has_value() == !parsed.error.empty()) __builtin_trap();
  static FastLineParser fast_parser;
  const ParsedLine fast =
      fast_parser.parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (fast.error != parsed.error || fast.record.has_value() != parsed.record.has_value()) {
    __builtin_trap();
  }
  if (parsed.record) {
    const HandshakeRecord& a = *parsed.record;
    const HandshakeRecord& b = *fast.record;
    if (a.time != b.time || a.host != b.host || a.listener != b.listener || a.route != b.route ||
        !(a.client == b.client) || a.highest_offered != b.highest_offered ||
        a.server_name != b.server_name || a.ja4 != b.ja4 ||
        a.offered_ciphers != b.offered_ciphers || a.decision != b.decision ||
        a.failed != b.failed || a.failure != b.failure) {
      __builtin_trap();
    }
  }
  if (!parsed.record) {
    // Reasons quote values JSON-escaped and ASCII only: nothing raw reaches a terminal.
    for (const char c : parsed.error) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
        __builtin_trap();
      }
    }
    return 0;
  }
  HandshakeReport report;
  report.add(*parsed.record);
  std::ostringstream text;
  render_text(report, {}, text);
  render_json(report, {});
  return 0;
}
