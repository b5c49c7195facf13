// libFuzzer target for the state file reader: the file sits on disk between restarts and may be
// truncated, corrupted or replaced. It is read back or refused (tlsfloor then starts fresh);
// what it reads writes back to the same state.
#include <cstddef>
#include <cstdint>
#include <string>

#include "proxy/state/state_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tlsfloor::state;
  std::string error;
  const auto usages =
      state_from_json(std::string(reinterpret_cast<const char*>(data), size), &error);
  if (!usages) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  const auto again = state_from_json(state_to_json(*usages), &error);
  if (!again || *again != *usages) __builtin_trap();
  return 0;
}
