#include "proxy/state/client_ledger_file.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "config/file_io.h"
#include "metrics/ledger/ledger_file.h"

namespace tlsfloor::state {

std::size_t max_ledger_file_bytes(std::size_t max_entries) {
  // An entry's JSON at its largest (4 values of 255 bytes in each of 4 lists, escaped, plus 24
  // counters and the key) stays under 12 KiB.
  return (max_entries + 1) * 12 * 1024;
}

void load_client_ledger(const std::string& path, ledger::ClientLedger& ledger) {
  std::error_code missing;
  if (!std::filesystem::exists(path, missing) && !missing) {
    spdlog::info("client ledger {} does not exist yet: starting with an empty one", path);
    return;
  }
  std::string error;
  const std::optional<std::string> text =
      config::read_small_file(path, max_ledger_file_bytes(ledger.bounds().max_entries), error);
  if (!text && !error.starts_with("larger than")) {
    // Unreadable (permissions, I/O) is not corrupt: left where it is for whoever fixes it.
    spdlog::error("client ledger {} cannot be read ({}); starting with an empty one", path, error);
    return;
  }
  std::size_t dropped = 0;
  std::optional<ledger::LedgerRows> rows;
  if (text) rows = ledger::ledger_from_json(*text, ledger.bounds().max_entries, &error, &dropped);
  if (!rows) {
    const std::string aside = path + ".corrupt";
    std::error_code failed;
    std::filesystem::rename(path, aside, failed);
    spdlog::error("client ledger {} is not usable ({}): moved to {}{}; starting with an empty one",
                  path, error, aside, failed ? " failed (" + failed.message() + ")" : "");
    return;
  }
  ledger.restore(*rows);
  spdlog::info("client ledger {}: {} clients remembered{}", path, rows->size(),
               dropped > 0
                   ? fmt::format(" ({} least recently seen beyond max_entries left out)", dropped)
                   : "");
}

bool save_client_ledger(const std::string& path, const ledger::ClientLedger& ledger) {
  if (config::replace_file(path, ledger::ledger_to_json(ledger.rows()), 0640)) return true;
  spdlog::error("client ledger {}: cannot write it ({}); the previous one stays", path,
                std::strerror(errno));
  return false;
}

}  // namespace tlsfloor::state
