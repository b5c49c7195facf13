#pragma once
// `tlsfloor report`: reads handshake logs (files or standard input) line by line into a
// HandshakeReport and prints it. The I/O half of metrics/handshake_report.h.
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "metrics/report/handshake_report.h"
#include "metrics/report/render.h"

namespace tlsfloor::report {

struct ReportOptions {
  /// Handshake logs, read in this order; "-" is standard input. At least one is needed.
  std::vector<std::string> log_paths;
  HandshakeReport::Settings settings;
  RenderOptions render;
  enum class Format { text, json, csv };  // csv: the inventory only
  Format format = Format::text;
  /// What was negotiated per listener and route (inventory.h) instead of who would break.
  bool inventory = false;
};

/// Exit codes of run_report(), as documented in `tlsfloor report --help` and the README.
enum ReportExit : int {
  kReportWritten = 0,     // at least one handshake was read
  kReportUnreadable = 1,  // a log could not be opened or read: no report is written
  kReportEmpty = 3,       // the report is written, but no line held a handshake
};

/// Malformed lines reported one by one on `err` ("FILE:LINE: reason"); the rest are only
/// counted, so a wrong file does not flood the terminal.
inline constexpr std::size_t kMalformedLinesShown = 10;

/// Lines longer than this are malformed and skipped without being held in memory: a log line
/// is at most a few hundred KiB (a 64 KiB server name escaped), a file without newlines is not
/// a log.
inline constexpr std::size_t kMaxLineLength = 4 * 1024 * 1024;

/// Checks that every log can be opened, then streams them into a report (memory grows with
/// the distinct affected clients and fingerprints, never with the lines) and writes it to
/// `out`. Problems go to `err`: every log that cannot be opened, the first malformed lines as
/// "FILE:LINE: reason" (standard input is "<stdin>"), and how many lines were skipped. Empty
/// and blank lines are ignored. Returns a ReportExit code.
int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace tlsfloor::report
