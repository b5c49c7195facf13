#include "config/file_io.h"

#include <unistd.h>

#include <cerrno>

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

}  // namespace tlsfloor::config
