#pragma once
// `tlsfloor report --ledger FILE`: reads a client ledger file (legacy_clients.ledger) and prints
// who would break at the floor among the clients it remembers. The I/O half of ledger_report.h.
#include <cstddef>
#include <ostream>
#include <string>

#include "metrics/report/ledger_report.h"

namespace tlsfloor::report {

/// The largest ledger file read (a ledger of the most entries allowed is far smaller).
inline constexpr std::size_t kMaxLedgerFileBytes = std::size_t{1} << 30;

/// Reads `path` and writes the report to `out` as text (at most `top` rows; 0: all) or JSON.
/// Returns 0 when written (even with no client affected), 1 when the file cannot be read or is
/// not a ledger (the reason on `err`), as the log report's exit codes.
int run_ledger_report(const std::string& path, const LedgerReportSettings& settings, bool json,
                      std::size_t top, std::ostream& out, std::ostream& err);

}  // namespace tlsfloor::report
