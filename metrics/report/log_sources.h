#pragma once
// Where `tlsfloor report`'s lines come from: the --log arguments expanded into files (globs,
// directories, standard input), and a reader of each one's bytes: a plain file from any offset
// (so that one large file can be read in pieces in parallel), a gzip-compressed one (a rotated
// log, read whole: a gzip stream cannot be entered in the middle), or standard input (plain or
// gzip). I/O only; what the bytes mean is the command's business.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace tlsfloor::report {

/// One log to read.
struct LogSource {
  std::string path;  // "-" for standard input
  std::string name;  // as messages name it: the path, or "<stdin>"
  bool is_stdin = false;
  bool gzip = false;       // starts with gzip's magic bytes (standard input: found when read)
  std::uint64_t size = 0;  // bytes of a plain file; 0 for the others
};

/// Expands --log arguments, in their order: "-" is standard input; an argument with a glob
/// character (`*`, `?`, `[`) is a pattern, expanded here (so that a quoted pattern works) to its
/// matches sorted by name; a directory stands for the handshake logs in it as logrotate leaves
/// them (is_log_file_name()), sorted by name, subdirectories left out; anything else is a file.
/// Every file is opened once to check that it can be read. Says on `err` what cannot be read or
/// found (every problem, not only the first) and returns nullopt then.
std::optional<std::vector<LogSource>> find_logs(const std::vector<std::string>& arguments,
                                                std::ostream& err);

/// A name a directory's handshake log has: "X.log", or rotated "X.log.1", "X.log.2.gz",
/// "X.log-20261122", "X.log-20261122.gz"; hidden files (".X") are not.
bool is_log_file_name(std::string_view name);

/// The bytes of one log, read in order.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  /// Up to `size` bytes into `to`: how many were read, 0 at the end, -1 on an error (error()
  /// says which).
  virtual long read(char* to, std::size_t size) = 0;
  const std::string& error() const { return error_; }

 protected:
  std::string error_;
};

/// A reader of `source` from byte `offset` on (a plain file's offset; 0 for the others), or
/// nullptr with `error` set.
std::unique_ptr<ByteReader> open_log(const LogSource& source, std::uint64_t offset,
                                     std::string& error);

/// The processors this process may run on (its CPU affinity), at least 1.
unsigned usable_processors();

}  // namespace tlsfloor::report
