// libFuzzer target for `tlsfloor report`'s reader of handshake-log lines: logs are copied
// around and may be edited, truncated or forged, and their values came from clients. A line is
// a record or a reason; a record goes through the report and both renderings without harm.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

#include "metrics/report/handshake_report.h"
#include "metrics/report/log_line.h"
#include "metrics/report/render.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tlsfloor::report;
  const ParsedLine parsed =
      parse_handshake_line(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parsed.record.has_value() == !parsed.error.empty()) __builtin_trap();
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
