#include "metrics/report/handshake_report_command.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string_view>

#include "metrics/report/inventory.h"

namespace tlsfloor::report {
namespace {

constexpr std::string_view kStdinPath = "-";
constexpr std::size_t kReadChunk = 64 * 1024;

std::string display_name(const std::string& path) { return path == kStdinPath ? "<stdin>" : path; }

// Lines split by hand rather than with std::getline, which would hold a line of any length in
// memory: a multi-gigabyte file without a newline must not become one string.
class LineReader {
 public:
  explicit LineReader(std::istream& in) : in_(in), buffer_(kReadChunk) {}

  /// The next line, without its '\n', in `line`; false at the end of the input. A line longer
  /// than kMaxLineLength comes back empty with `too_long` set.
  bool next(std::string& line, bool& too_long) {
    line.clear();
    too_long = false;
    bool started = false;
    for (;;) {
      if (begin_ == end_ && !refill()) return started;  // a last line may lack its '\n'
      started = true;
      const char* start = buffer_.data() + begin_;
      const std::size_t available = end_ - begin_;
      const auto* newline = static_cast<const char*>(std::memchr(start, '\n', available));
      const std::size_t length = newline ? static_cast<std::size_t>(newline - start) : available;
      if (!too_long && line.size() + length > kMaxLineLength) {
        too_long = true;
        std::string().swap(line);  // give the memory back while the rest is skipped
      }
      if (!too_long) line.append(start, length);
      begin_ += length;
      if (newline) {
        ++begin_;
        return true;
      }
    }
  }

 private:
  bool refill() {
    in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    begin_ = 0;
    end_ = static_cast<std::size_t>(in_.gcount());
    return end_ > 0;
  }

  std::istream& in_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Opens a log, or says why not on `err`. A directory opens fine as a stream on Linux and then
// fails on the first read, so it is refused here with a clear message.
std::unique_ptr<std::ifstream> open_log(const std::string& path, std::ostream& err) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    err << "tlsfloor report: cannot open " << path << ": Is a directory\n";
    return nullptr;
  }
  errno = 0;
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in) {
    const int error = errno;
    err << "tlsfloor report: cannot open " << path << ": "
        << (error != 0 ? std::strerror(error) : "unknown error") << '\n';
    return nullptr;
  }
  return in;
}

// `Report` is what the records go into: the HandshakeReport or the Inventory.
template <typename Report>
class LogReader {
 public:
  LogReader(Report& report, std::ostream& err) : report_(report), err_(err) {}

  /// Reads one log to its end; false (after saying so) on a read error.
  bool read(std::istream& in, const std::string& name) {
    report_.count_file();
    LineReader reader(in);
    std::string line;
    bool too_long = false;
    std::uint64_t line_number = 0;
    while (reader.next(line, too_long)) {
      ++line_number;
      if (too_long) {
        skip(name, line_number, "longer than " + std::to_string(kMaxLineLength) + " bytes");
        continue;
      }
      if (is_blank(line)) continue;
      ParsedLine parsed = parse_handshake_line(line);
      if (parsed.record) {
        report_.add(*parsed.record);
      } else {
        skip(name, line_number, parsed.error);
      }
    }
    if (in.bad()) {
      err_ << "tlsfloor report: cannot read " << name << " after line " << line_number << '\n';
      return false;
    }
    return true;
  }

  void summarise() const {
    const std::uint64_t skipped = malformed_lines_;
    if (skipped == 0) return;
    err_ << "tlsfloor report: " << skipped << " malformed line" << (skipped == 1 ? "" : "s")
         << " skipped";
    if (skipped > kMalformedLinesShown) err_ << " (the first " << kMalformedLinesShown << " shown)";
    err_ << '\n';
  }

 private:
  void skip(const std::string& name, std::uint64_t line_number, const std::string& reason) {
    report_.count_malformed_line();
    if (++malformed_lines_ <= kMalformedLinesShown) {
      err_ << name << ':' << line_number << ": " << reason << '\n';
    }
  }

  Report& report_;
  std::ostream& err_;
  std::uint64_t malformed_lines_ = 0;
};

// Reads every log into `report`; false when one cannot be read (it was said on `err`).
template <typename Report>
bool read_logs(const std::vector<std::string>& paths, Report& report, std::ostream& err) {
  LogReader<Report> reader(report, err);
  for (const std::string& path : paths) {
    bool read = false;
    if (path == kStdinPath) {
      read = reader.read(std::cin, display_name(path));
    } else if (const auto in = open_log(path, err)) {
      read = reader.read(*in, display_name(path));
    }
    if (!read) return false;
  }
  reader.summarise();
  return true;
}

int run_inventory(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  Inventory inventory;
  if (!read_logs(options.log_paths, inventory, err)) return kReportUnreadable;
  switch (options.format) {
    case ReportOptions::Format::json:
      out << render_inventory_json(inventory);
      break;
    case ReportOptions::Format::csv:
      out << render_inventory_csv(inventory);
      break;
    case ReportOptions::Format::text:
      render_inventory_text(inventory, out);
      break;
  }
  out.flush();
  return inventory.handshakes() > 0 ? kReportWritten : kReportEmpty;
}

}  // namespace

int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  // Every log is checked before any is read: a report that silently left out one of several
  // rotated logs would undercount exactly the clients the operator is looking for.
  bool all_open = true;
  for (const std::string& path : options.log_paths) {
    if (path != kStdinPath && !open_log(path, err)) all_open = false;
  }
  if (!all_open) return kReportUnreadable;
  if (options.inventory) return run_inventory(options, out, err);

  HandshakeReport report(options.settings);
  if (!read_logs(options.log_paths, report, err)) return kReportUnreadable;

  if (options.format == ReportOptions::Format::json) {
    out << render_json(report, options.render);
  } else {
    render_text(report, options.render, out);
  }
  out.flush();
  return report.totals().handshakes > 0 ? kReportWritten : kReportEmpty;
}

}  // namespace tlsfloor::report
