#pragma once
// `tlsfloor report`: reads handshake logs (files, globs, directories, standard input; plain or
// gzip) into a HandshakeReport and prints it. The I/O half of metrics/handshake_report.h.
//
// Files are read in parallel, one thread per usable processor, and a large plain file in
// newline-aligned pieces: each piece is read into a report of its own, and the pieces' reports
// are merged in file order (HandshakeReport::merge), so the report, the malformed lines named and
// their FILE:LINE are those of reading everything in order on one thread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "metrics/report/handshake_report.h"
#include "metrics/report/render.h"

namespace tlsfloor::report {

struct ReportOptions {
  /// Handshake logs, read in this order: files, globs, directories, "-" for standard input
  /// (see find_logs() in log_sources.h). At least one is needed.
  std::vector<std::string> log_paths;
  /// Threads that read; 0: one per processor this process may use.
  unsigned threads = 0;
  /// Bytes per piece of a plain file read in parallel; 0: chosen from the logs' sizes. Set by
  /// tests, to cut small logs into many pieces.
  std::uint64_t piece_bytes = 0;
  HandshakeReport::Settings settings;
  RenderOptions render;
  enum class Format { text, json, csv, html, markdown };  // csv: the inventory only
  Format format = Format::text;
  /// A tlsfloor configuration whose enforcement schedules the report shows (--config): each
  /// route's mode and next step, each client's day it breaks, as of `now`. Absent: none.
  std::optional<std::string> config_path;
  config::Timestamp now = std::chrono::system_clock::now();
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

/// Replicas whose gaps are named on `err`; the others are in the report's table.
inline constexpr std::size_t kGapWarningsShown = 10;

/// Lines longer than this are malformed and skipped without being held in memory: a log line
/// is at most a few hundred KiB (a 64 KiB server name escaped), a file without newlines is not
/// a log.
inline constexpr std::size_t kMaxLineLength = 4 * 1024 * 1024;

/// With `config_path`, first reads that configuration (as --check parses it, without the
/// certificates): its errors go to `err` and nothing is written (kReportUnreadable).
/// Checks that every log can be opened, then streams them into a report (memory grows with
/// the distinct affected clients, fingerprints and replicas, never with the lines: each thread
/// holds a buffer of at most kMaxLineLength, and at most two pieces' reports per thread wait to
/// be merged) and writes it to `out`. Problems go to `err`: every log that cannot be opened, the
/// first malformed lines as "FILE:LINE: reason" (standard input is "<stdin>"), how many lines
/// were skipped, and the replicas whose lines have gaps. Empty and blank lines are ignored.
/// Returns a ReportExit code.
int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace tlsfloor::report
