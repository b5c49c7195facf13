#pragma once
// The handshake-log line reader `tlsfloor report` runs on every line: parse_handshake_line's
// contract (log_line.h) at a fraction of its cost. simdjson's DOM parser validates the whole
// line in two SIMD passes; the record is then read from one walk over its keys, with no copy
// of values the report does not keep and no allocation once the record's strings have grown.
//
// It never decides alone that a line is malformed: any line it is not certain to read exactly
// as parse_handshake_line does (any simdjson error, a backslash anywhere, a number near the
// ends of a double's range, a key the report reads given twice, a value of the wrong type or
// content, a line longer than kMaxFastLineLength) goes to parse_handshake_line, which gives the
// record or the reason. So records and reasons are parse_handshake_line's, byte for byte
// (tests/unit/metrics/report/ log_line_fast_test.cpp compares both over a corpus of valid,
// malformed and hostile lines).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "metrics/report/log_line.h"

namespace tlsfloor::report {

/// Bytes that must be readable (whatever they hold) after a line given to
/// FastLineParser::parse_padded: simdjson reads whole 64-byte blocks.
inline constexpr std::size_t kLinePadding = 64;

/// Lines longer than this go to parse_handshake_line: the fast parser's buffers are sized for
/// it once (about 1.5 MiB), so a hostile multi-megabyte line cannot grow them. Real lines are
/// under 4 KiB.
inline constexpr std::size_t kMaxFastLineLength = 64 * 1024;

/// One per thread: it holds simdjson's buffers and is not thread-safe.
class FastLineParser {
 public:
  FastLineParser();
  ~FastLineParser();
  FastLineParser(const FastLineParser&) = delete;
  FastLineParser& operator=(const FastLineParser&) = delete;

  /// As parse_handshake_line(line): true with `record` filled (its previous content replaced,
  /// its memory reused), or false with `error` set to the same reason. `line` (without its
  /// newline) must be followed in memory by kLinePadding readable bytes.
  bool parse_padded(std::string_view line, HandshakeRecord& record, std::string& error);

  /// The same for a line without padding after it (copied first): for tests and the fuzzer.
  ParsedLine parse(std::string_view line);

  /// Lines handed to parse_handshake_line so far: for tests and measurements.
  std::uint64_t exact_fallbacks() const { return exact_fallbacks_; }

 private:
  struct Simdjson;
  std::unique_ptr<Simdjson> simdjson_;  // keeps simdjson.h out of this header
  std::string padded_;                  // parse()'s copy
  std::uint64_t exact_fallbacks_ = 0;
};

}  // namespace tlsfloor::report
