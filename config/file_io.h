#pragma once
// Writing to files, the one way: every writer of tlsfloor (the state file, the handshake log)
// goes through here, so short writes and signals are handled once.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tlsfloor::config {

/// Writes all of `data` to `fd`, retrying short writes and EINTR. false on any other error,
/// with errno set by the failed write(2).
bool write_all(int fd, std::string_view data);

/// Replaces the file `path` with `contents` so that a crash leaves the old file or the new one,
/// never a mix: writes a new file beside it under a random name (O_EXCL|O_NOFOLLOW, so a
/// planted file or symlink is never written through), fsyncs it, renames it over `path`, and
/// fsyncs the directory so the rename itself survives a crash. The file gets `mode` (not
/// narrowed by the umask). false with errno on failure; the old file is then untouched and the
/// temporary one removed. (The directory's fsync is best effort: by then the file is replaced.)
bool replace_file(const std::string& path, std::string_view contents, unsigned mode);

/// Reads the whole file `path`, retrying EINTR. nullopt with `error` set on failure: the
/// reason (strerror of what failed), or, past `max_bytes`, that it is larger.
std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes,
                                           std::string& error);

}  // namespace tlsfloor::config
