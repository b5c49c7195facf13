#include "config/file_io.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace tlsfloor::config {

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      if (written == 0) errno = EIO;  // write(2) never returns 0 for a non-empty regular write
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

namespace {

// A name nobody can guess in advance: 64 random bits.
std::string temporary_name(const std::string& path) {
  std::uint64_t random = 0;
  if (getrandom(&random, sizeof random, 0) != sizeof random) {
    random = static_cast<std::uint64_t>(::getpid()) ^
             static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&random));
  }
  char suffix[24];
  const int length =
      std::snprintf(suffix, sizeof suffix, ".tmp.%016llx", static_cast<unsigned long long>(random));
  // Appended, not `path + suffix`: GCC 12 warns falsely (-Wrestrict) about that operator+.
  std::string name = path;
  name.append(suffix, static_cast<std::size_t>(length));
  return name;
}

bool fsync_directory_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  // "." for a bare name; "/" for a file at the root.
  const std::string directory =
      slash == std::string::npos ? std::string(".") : path.substr(0, slash == 0 ? 1 : slash);
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

}  // namespace

bool replace_file(const std::string& path, std::string_view contents, unsigned mode) {
  const std::string temporary = temporary_name(path);
  const int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return false;
  // fsync before rename: after a crash the file is the old one or the new one, never empty.
  bool ok = ::fchmod(fd, mode) == 0 && write_all(fd, contents) && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  ok = ok && ::rename(temporary.c_str(), path.c_str()) == 0;
  if (!ok) {
    saved = errno != 0 ? errno : saved;
    ::unlink(temporary.c_str());
    errno = saved;
    return false;
  }
  // Best effort: the new file is in place either way, and a failure here only means a crash in
  // the next moments could bring the old one back.
  fsync_directory_of(path);
  return true;
}

std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes,
                                           std::string& error) {
  // POSIX I/O rather than ifstream: it reports *why* (ENOENT, EACCES, EISDIR) through errno.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buffer[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) {
      error = "larger than " + std::to_string(max_bytes >> 20) + " MiB";
      ::close(fd);
      return std::nullopt;
    }
  }
  ::close(fd);
  return text;
}

}  // namespace tlsfloor::config
