#include "metrics/report/handshake_report_command.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "metrics/report/inventory.h"
#include "metrics/report/log_line_fast.h"
#include "metrics/report/log_sources.h"

#include "config/config_parser.h"
#include "config/owner_directory.h"
#include "metrics/report/render.h"
#include "metrics/report/render_page.h"

#include "metrics/report/inventory.h"

namespace tlsfloor::report {
namespace {

// A thread's read buffer starts at this and grows, for long lines only, to kMaxLineLength + 1.
constexpr std::size_t kInitialBuffer = 1 << 20;
// A plain file is cut into pieces of about total / (threads * kPiecesPerThread) bytes, within
// these bounds: enough pieces that the threads finish together, few enough that merging the
// pieces' reports stays small next to reading them (measured in tests/bench/README.md).
constexpr std::uint64_t kPiecesPerThread = 4;
constexpr std::uint64_t kMinPiece = 16 << 20;
constexpr std::uint64_t kMaxPiece = 128 << 20;
// What a piece reads past its end at a time, looking for its last line's newline.
constexpr std::size_t kMinRead = 64 * 1024;
constexpr std::uint64_t kToTheEnd = std::numeric_limits<std::uint64_t>::max();

// The lines whose first byte is in [begin, end) of one log; the last of them may end after it.
struct Piece {
  std::size_t source = 0;
  std::uint64_t begin = 0;
  std::uint64_t end = kToTheEnd;
};

struct MalformedLine {
  std::uint64_t line = 0;  // in the piece, from 1
  std::string reason;
};

// What reading one piece gave, until it is merged in order.
struct PieceResult {
  PieceResult(const HandshakeReport::Settings& settings, bool inventory_only)
      : report(settings), inventory_only(inventory_only) {}
  HandshakeReport report;  // who would break, unless inventory_only
  Inventory inventory;     // what was negotiated, with inventory_only
  bool inventory_only = false;
  std::uint64_t malformed_lines = 0;
  std::uint64_t lines = 0;               // lines begun in the piece, blank ones included
  std::vector<MalformedLine> malformed;  // the first kMalformedLinesShown
  std::string read_error;                // set: reading stopped after `lines` lines
};

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// One per thread: its line parser, its record and its buffer are reused from piece to piece.
class PieceReader {
 public:
  PieceReader() : buffer_(kInitialBuffer + kLinePadding) {}

  void read(const LogSource& source, const Piece& piece, PieceResult& result) {
    result_ = &result;
    // A piece after the first starts after the newline that ends the line its first byte is
    // in: from the byte before it, that line is skipped (read by the piece before).
    std::string error;
    const std::uint64_t start = piece.begin > 0 ? piece.begin - 1 : 0;
    const std::unique_ptr<ByteReader> reader = open_log(source, start, error);
    if (!reader) {
      result.read_error = error;
      return;
    }
    bool before = piece.begin > 0;  // skipping the line before the piece's first
    bool skipping = before;         // ... or one too long
    std::uint64_t offset = start;   // of buffer_[head]
    std::size_t head = 0;
    std::size_t tail = 0;
    for (;;) {
      char* const data = buffer_.data();
      if (const auto* newline =
              static_cast<const char*>(std::memchr(data + head, '\n', tail - head))) {
        const auto length = static_cast<std::size_t>(newline - (data + head));
        if (!skipping) line(std::string_view(data + head, length));
        skipping = before = false;
        head += length + 1;
        offset += length + 1;
        if (offset >= piece.end) return;  // the next line is the next piece's
        continue;
      }
      const std::size_t capacity = buffer_.size() - kLinePadding;
      if (skipping) {
        offset += tail - head;
        head = tail = 0;
        // No newline up to the piece's end: all its bytes are in a line begun before it.
        if (before && offset >= piece.end) return;
      } else if (head > 0) {
        std::memmove(data, data + head, tail - head);
        tail -= head;
        head = 0;
      } else if (tail == capacity) {
        if (capacity <= kMaxLineLength) {
          buffer_.resize(std::min<std::size_t>(capacity * 2, kMaxLineLength + 1) + kLinePadding);
          continue;
        }
        // Longer than kMaxLineLength: skipped without being held.
        start_line();
        malformed("longer than " + std::to_string(kMaxLineLength) + " bytes");
        skipping = true;
        offset += tail;
        head = tail = 0;
      }
      // Near its end, a piece reads little more than it needs (its last line's end).
      std::size_t want = buffer_.size() - kLinePadding - tail;
      const std::uint64_t read_at = offset + (tail - head);
      if (piece.end != kToTheEnd && read_at < piece.end && piece.end - read_at < want) {
        want = std::max<std::size_t>(kMinRead, piece.end - read_at);
        want = std::min(want, buffer_.size() - kLinePadding - tail);
      } else if (piece.end != kToTheEnd && read_at >= piece.end) {
        want = std::min(want, kMinRead);
      }
      const long got = reader->read(buffer_.data() + tail, want);
      if (got < 0) {
        result.read_error = reader->error();
        return;
      }
      if (got == 0) {
        // A last line may lack its '\n'.
        if (!skipping && tail > head) line(std::string_view(buffer_.data() + head, tail - head));
        return;
      }
      tail += static_cast<std::size_t>(got);
    }
  }

 private:
  void start_line() { ++result_->lines; }

  void line(std::string_view text) {
    start_line();
    if (is_blank(text)) return;
    if (!parser_.parse_padded(text, record_, error_)) {
      malformed(std::move(error_));
    } else if (result_->inventory_only) {
      result_->inventory.add(record_);
    } else {
      result_->report.add(record_);
    }
  }

  void malformed(std::string reason) {
    ++result_->malformed_lines;
    result_->report.count_malformed_line();
    result_->inventory.count_malformed_line();
    if (result_->malformed.size() < kMalformedLinesShown) {
      result_->malformed.push_back({result_->lines, std::move(reason)});
    }
  }

  FastLineParser parser_;
  HandshakeRecord record_;
  std::string error_;
  std::vector<char> buffer_;  // kLinePadding bytes beyond what is read, for the parser
  PieceResult* result_ = nullptr;
};

// Whole logs, and large plain files in pieces when more than one thread reads.
std::vector<Piece> plan(const std::vector<LogSource>& sources, unsigned threads,
                        std::uint64_t piece_bytes) {
  std::uint64_t plain_bytes = 0;
  for (const LogSource& source : sources) plain_bytes += source.size;
  const std::uint64_t piece_size =
      piece_bytes > 0 ? piece_bytes
                      : std::clamp(plain_bytes / (std::uint64_t{threads} * kPiecesPerThread),
                                   kMinPiece, kMaxPiece);
  std::vector<Piece> pieces;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::uint64_t size = sources[i].size;
    const bool split = threads > 1 || piece_bytes > 0;
    const std::uint64_t count = split && size > piece_size ? size / piece_size : 1;
    for (std::uint64_t k = 0; k < count; ++k) {
      pieces.push_back({i, size / count * k, k + 1 == count ? kToTheEnd : size / count * (k + 1)});
    }
  }
  return pieces;
}

// Runs PieceReaders on `threads` threads and hands their results over in piece order. At most
// kWindowPerThread results per thread wait for their turn, so memory stays bounded however
// unevenly the pieces take.
class ParallelRead {
 public:
  static constexpr std::size_t kWindowPerThread = 2;

  ParallelRead(const std::vector<LogSource>& sources, const std::vector<Piece>& pieces,
               const HandshakeReport::Settings& settings, bool inventory_only, unsigned threads)
      : sources_(sources),
        pieces_(pieces),
        settings_(settings),
        inventory_only_(inventory_only),
        results_(pieces.size()) {
    window_ = std::max<std::size_t>(1, threads) * kWindowPerThread;
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
  }

  ~ParallelRead() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    room_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

  /// The result of piece `index`, once read; call for 0, 1, 2, ... in turn.
  std::unique_ptr<PieceResult> take(std::size_t index) {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return results_[index] != nullptr; });
    handed_over_ = index + 1;
    room_.notify_all();
    return std::move(results_[index]);
  }

 private:
  void work() {
    PieceReader reader;
    for (;;) {
      std::size_t index = 0;
      {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [&] {
          return stopping_ || next_ >= pieces_.size() || next_ < handed_over_ + window_;
        });
        if (stopping_ || next_ >= pieces_.size()) return;
        index = next_++;
      }
      auto result = std::make_unique<PieceResult>(settings_, inventory_only_);
      const Piece& piece = pieces_[index];
      if (piece.begin == 0) {
        result->report.count_file();
        result->inventory.count_file();
      }
      reader.read(sources_[piece.source], piece, *result);
      {
        const std::lock_guard lock(mutex_);
        results_[index] = std::move(result);
      }
      done_.notify_all();
    }
  }

  const std::vector<LogSource>& sources_;
  const std::vector<Piece>& pieces_;
  const HandshakeReport::Settings settings_;
  const bool inventory_only_;
  std::mutex mutex_;
  std::condition_variable done_;  // a result is ready
  std::condition_variable room_;  // a result was handed over, or stop
  std::vector<std::unique_ptr<PieceResult>> results_;
  std::size_t next_ = 0;
  std::size_t handed_over_ = 0;
  std::size_t window_ = 1;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: started once everything above exists
};

int write_inventory(const Inventory& inventory, ReportOptions::Format format, std::ostream& out) {
  switch (format) {
    case ReportOptions::Format::json:
      out << render_inventory_json(inventory);
      break;
    case ReportOptions::Format::csv:
      out << render_inventory_csv(inventory);
      break;
    case ReportOptions::Format::text:
    case ReportOptions::Format::html:  // refused for an inventory by the command line
    case ReportOptions::Format::markdown:
      render_inventory_text(inventory, out);
      break;
  }
  out.flush();
  return inventory.handshakes() > 0 ? kReportWritten : kReportEmpty;
}

void summarise_malformed(std::uint64_t skipped, std::ostream& err) {
  if (skipped == 0) return;
  err << "tlsfloor report: " << skipped << " malformed line" << (skipped == 1 ? "" : "s")
      << " skipped";
  if (skipped > kMalformedLinesShown) err << " (the first " << kMalformedLinesShown << " shown)";
  err << '\n';
}

}  // namespace

int run_report(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  HandshakeReport::Settings settings = options.settings;
  RenderOptions render = options.render;
  if (options.config_path) {
    // A schedule read wrong would put a wrong date in front of the people to tell: a
    // configuration with errors gives no report.
    const config::ParseResult parsed = config::load_config_file(*options.config_path);
    if (!parsed.config) {
      for (const config::ConfigError& error : parsed.errors) err << error.to_string() << '\n';
      err << "tlsfloor report: " << *options.config_path << ": " << parsed.errors.size()
          << " configuration error" << (parsed.errors.size() == 1 ? "" : "s") << '\n';
      return kReportUnreadable;
    }
    settings.deadlines =
        deadlines_of(*parsed.config, options.now,
                     settings.floor ? config::StagedFloor::version : config::StagedFloor::ciphers);
    // Whom to tell: the owners file's contacts and link beside each owner.
    if (const std::shared_ptr<const config::OwnerDirectory> owners = parsed.config->owners) {
      render.describe_owner = [owners](std::string_view name) {
        std::optional<OwnerDescription> description;
        for (const config::OwnerConfig& owner : owners->owners) {
          if (owner.name != name) continue;
          description.emplace();
          for (const std::string& contact : owner.contacts) {
            description->contacts += (description->contacts.empty() ? "" : ", ") + contact;
          }
          description->link = owner.link;
        }
        return description;
      };
    }
  }
  // Every log is checked before any is read: a report that silently left out one of several
  // rotated logs would undercount exactly the clients the operator is looking for.
  const auto sources = find_logs(options.log_paths, err);
  if (!sources) return kReportUnreadable;
  const unsigned threads = options.threads > 0 ? options.threads : usable_processors();
  const std::vector<Piece> pieces = plan(*sources, threads, options.piece_bytes);
  const bool inventory_only = options.inventory;

  HandshakeReport report(settings);
  Inventory inventory;
  std::uint64_t malformed_before = 0;  // lines skipped in the pieces merged so far
  {
    ParallelRead read(*sources, pieces, settings, inventory_only,
                      static_cast<unsigned>(std::min<std::size_t>(threads, pieces.size())));
    std::vector<std::uint64_t> lines_before(sources->size());  // of each log, in pieces merged
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const std::unique_ptr<PieceResult> result = read.take(i);
      const LogSource& source = (*sources)[pieces[i].source];
      std::uint64_t& base = lines_before[pieces[i].source];
      for (std::size_t k = 0; k < result->malformed.size(); ++k) {
        if (malformed_before + k >= kMalformedLinesShown) break;
        err << source.name << ':' << base + result->malformed[k].line << ": "
            << result->malformed[k].reason << '\n';
      }
      malformed_before += result->malformed_lines;
      if (!result->read_error.empty()) {
        err << "tlsfloor report: cannot read " << source.name << " after line "
            << base + result->lines << ": " << result->read_error << '\n';
        return kReportUnreadable;
      }
      base += result->lines;
      if (inventory_only) {
        inventory.merge(std::move(result->inventory));
      } else if (i == 0) {
        report = std::move(result->report);  // the first needs no merge
      } else {
        report.merge(std::move(result->report));
      }
    }
  }
  summarise_malformed(malformed_before, err);
  if (inventory_only) return write_inventory(inventory, options.format, out);
  write_gap_warnings(report, kGapWarningsShown, err);

  switch (options.format) {
    case ReportOptions::Format::json:
      out << render_json(report, render);
      break;
    case ReportOptions::Format::html:
      render_html(report, render, out);
      break;
    case ReportOptions::Format::markdown:
      render_markdown(report, render, out);
      break;
    case ReportOptions::Format::text:
    case ReportOptions::Format::csv:  // refused for a report by the command line
      render_text(report, render, out);
      break;
  }
  out.flush();
  return report.totals().handshakes > 0 ? kReportWritten : kReportEmpty;
}

}  // namespace tlsfloor::report
