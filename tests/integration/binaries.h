#pragma once
// The binaries the end-to-end tests run, as tests/CMakeLists.txt built them.
#include <string>

namespace tlsfloor::test {

inline const std::string kBinary = TLSFLOOR_BINARY;

}  // namespace tlsfloor::test
