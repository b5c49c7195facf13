#pragma once
// The names of this process's threads: the proxy runs in-process in the integration tests, so
// its workers, handshake threads and signing threads are among them.
#include <string>
#include <vector>

namespace tlsfloor::test {

std::vector<std::string> thread_names();

}  // namespace tlsfloor::test
