#pragma once
// Writing to files, the one way: every writer of tlsfloor (the state file, the handshake log)
// goes through here, so short writes and signals are handled once.
#include <string_view>

namespace tlsfloor::config {

/// Writes all of `data` to `fd`, retrying short writes and EINTR. false on any other error,
/// with errno set by the failed write(2).
bool write_all(int fd, std::string_view data);

}  // namespace tlsfloor::config
