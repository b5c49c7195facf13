#pragma once
// Bytes the allocator has handed out and not had back: what a process holds, without the noise
// of freed pages the allocator keeps (or, under AddressSanitizer, its quarantine).
#include <cstddef>

namespace tlsfloor::test {

std::size_t heap_in_use();

}  // namespace tlsfloor::test
