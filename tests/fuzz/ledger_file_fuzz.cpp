// libFuzzer target for the client ledger's file reader: the file sits on disk for months between
// restarts and may be truncated, corrupted or replaced. It is read back or refused (tlsfloor then
// moves it aside); what it reads writes back to the same text, and restoring it into a ledger
// keeps the ledger's bound.
#include <cstddef>
#include <cstdint>
#include <string>

#include "metrics/ledger/ledger_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tlsfloor::ledger;
  constexpr std::size_t kMaxEntries = 64;
  std::string error;
  const auto rows =
      ledger_from_json(std::string(reinterpret_cast<const char*>(data), size), kMaxEntries, &error);
  if (!rows) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  if (rows->size() > kMaxEntries) __builtin_trap();
  const std::string written = ledger_to_json(*rows);
  const auto again = ledger_from_json(written, kMaxEntries, &error);
  if (!again || ledger_to_json(*again) != written) __builtin_trap();
  ClientLedger ledger({.max_entries = 8});
  ledger.restore(*rows);
  if (ledger.counters().entries > 8) __builtin_trap();
  return 0;
}
