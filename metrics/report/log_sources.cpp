#include "metrics/report/log_sources.h"

#include <fcntl.h>
#include <glob.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>

namespace tlsfloor::report {
namespace {

constexpr std::string_view kStdinPath = "-";
// zlib's own buffer for a .gz: larger than its 8 KiB default, for fewer read calls.
constexpr unsigned kGzipBuffer = 256 * 1024;

bool has_glob_characters(std::string_view text) {
  return text.find_first_of("*?[") != std::string_view::npos;
}

// Opens, looks at the first bytes and the size; "" or why not.
std::string inspect(LogSource& source) {
  std::error_code ignored;
  if (std::filesystem::is_directory(source.path, ignored)) return std::strerror(EISDIR);
  const int fd = ::open(source.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);
  struct stat status {};
  unsigned char magic[2] = {};
  const bool ok = ::fstat(fd, &status) == 0 && ::pread(fd, magic, sizeof magic, 0) >= 0;
  const int error = errno;
  ::close(fd);
  if (!ok) return std::strerror(error);
  source.gzip = magic[0] == 0x1f && magic[1] == 0x8b;
  source.size = source.gzip ? 0 : static_cast<std::uint64_t>(status.st_size);
  return {};
}

// A range of a plain file, from `offset` to its end.
class FileReader : public ByteReader {
 public:
  FileReader(int fd, std::uint64_t offset) : fd_(fd), offset_(offset) {
    ::posix_fadvise(fd_, static_cast<off_t>(offset_), 0, POSIX_FADV_SEQUENTIAL);
  }
  ~FileReader() override { ::close(fd_); }

  long read(char* to, std::size_t size) override {
    for (;;) {
      const ssize_t got = ::pread(fd_, to, size, static_cast<off_t>(offset_));
      if (got >= 0) {
        offset_ += static_cast<std::uint64_t>(got);
        return static_cast<long>(got);
      }
      if (errno == EINTR) continue;
      error_ = std::strerror(errno);
      return -1;
    }
  }

 private:
  int fd_;
  std::uint64_t offset_;
};

// A gzip stream (several members, as `cat a.gz b.gz` makes, are read on), or plain bytes as
// they are: zlib passes input without gzip's header through, which standard input relies on.
class GzipReader : public ByteReader {
 public:
  explicit GzipReader(gzFile file) : file_(file) { ::gzbuffer(file_, kGzipBuffer); }
  ~GzipReader() override { ::gzclose(file_); }

  long read(char* to, std::size_t size) override {
    const int got =
        ::gzread(file_, to, static_cast<unsigned>(std::min<std::size_t>(size, INT_MAX)));
    if (got > 0) return got;
    // At the end, a stream cut short (a log still being compressed, a copy cut off) is an
    // error too: zlib then says Z_BUF_ERROR.
    int code = Z_OK;
    const char* message = ::gzerror(file_, &code);
    if (got == 0 && code == Z_OK) return 0;
    error_ = code == Z_ERRNO ? std::strerror(errno) : message;
    return -1;
  }

 private:
  gzFile file_;
};

}  // namespace

bool is_log_file_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  for (std::size_t at = name.find(".log"); at != std::string_view::npos;
       at = name.find(".log", at + 1)) {
    const std::size_t after = at + 4;
    if (after == name.size() || name[after] == '.' || name[after] == '-') return true;
  }
  return false;
}

std::optional<std::vector<LogSource>> find_logs(const std::vector<std::string>& arguments,
                                                std::ostream& err) {
  std::vector<LogSource> sources;
  bool ok = true;
  const auto add_file = [&](const std::string& path) {
    LogSource source{path, path};
    const std::string problem = inspect(source);
    if (!problem.empty()) {
      err << "tlsfloor report: cannot open " << path << ": " << problem << '\n';
      ok = false;
      return;
    }
    sources.push_back(std::move(source));
  };
  for (const std::string& argument : arguments) {
    if (argument == kStdinPath) {
      sources.push_back({argument, "<stdin>", true});
      continue;
    }
    std::error_code error;
    if (std::filesystem::is_directory(argument, error)) {
      std::vector<std::string> files;
      for (std::filesystem::directory_iterator entry(argument, error), end; !error && entry != end;
           entry.increment(error)) {
        std::error_code type_error;
        if (entry->is_regular_file(type_error) &&
            is_log_file_name(entry->path().filename().string())) {
          files.push_back(entry->path().string());
        }
      }
      if (error) {
        err << "tlsfloor report: cannot read the directory " << argument << ": " << error.message()
            << '\n';
        ok = false;
        continue;
      }
      if (files.empty()) {
        err << "tlsfloor report: no handshake log (*.log, *.log.N, *.log.N.gz) in " << argument
            << '\n';
        ok = false;
        continue;
      }
      std::sort(files.begin(), files.end());
      for (const std::string& file : files) add_file(file);
      continue;
    }
    if (has_glob_characters(argument) && !std::filesystem::exists(argument, error)) {
      glob_t matches{};
      const int result = ::glob(argument.c_str(), GLOB_NOSORT, nullptr, &matches);
      std::vector<std::string> files(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
      ::globfree(&matches);
      if (result != 0 || files.empty()) {
        err << "tlsfloor report: no file matches " << argument << '\n';
        ok = false;
        continue;
      }
      // By byte, not by the locale's collation: the same order on every machine.
      std::sort(files.begin(), files.end());
      for (const std::string& file : files) {
        std::error_code type_error;
        if (!std::filesystem::is_directory(file, type_error)) add_file(file);  // logs/*: files
      }
      continue;
    }
    add_file(argument);
  }
  if (!ok) return std::nullopt;
  return sources;
}

std::unique_ptr<ByteReader> open_log(const LogSource& source, std::uint64_t offset,
                                     std::string& error) {
  if (source.is_stdin || source.gzip) {
    const int fd =
        source.is_stdin ? ::dup(STDIN_FILENO) : ::open(source.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = std::strerror(errno);
      return nullptr;
    }
    const gzFile file = ::gzdopen(fd, "rb");
    if (file == nullptr) {
      ::close(fd);
      error = "out of memory";
      return nullptr;
    }
    return std::make_unique<GzipReader>(file);
  }
  const int fd = ::open(source.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return nullptr;
  }
  return std::make_unique<FileReader>(fd, offset);
}

unsigned usable_processors() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<unsigned>(count);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace tlsfloor::report
