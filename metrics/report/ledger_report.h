#pragma once
// `tlsfloor report --ledger FILE`: who would break at a floor among the clients the client
// ledger remembers (metrics/ledger/), months of them across restarts, where the handshake logs
// may have been rotated away. Each entry keeps its handshakes by best offered version, so the
// floor is judged as the log report judges it: a handshake whose best offered version is below
// the floor ("unknown" is below any) is affected. Pure: rows in, tables out.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config/timestamp.h"
#include "config/tls_version.h"
#include "metrics/ledger/client_ledger.h"

namespace tlsfloor::report {

struct LedgerReportSettings {
  std::optional<config::TlsVersion> floor = config::TlsVersion::tls1_2;
  /// Only clients last seen at or after this; absent: every entry.
  std::optional<config::Timestamp> since;
  std::optional<std::string> route;  // only entries of routes of this name
  std::optional<std::string> owner;  // only entries given this owner ("unowned": none)
};

struct LedgerReportRow {
  ledger::LedgerKey key;
  ledger::LedgerEntry entry;
  std::uint64_t affected = 0;  // handshakes below the floor
};

struct LedgerReport {
  std::size_t entries_read = 0;
  /// Affected clients, most affected handshakes first; ties by last seen (latest first), key.
  std::vector<LedgerReportRow> rows;
  std::uint64_t affected_handshakes = 0;
};

LedgerReport build_ledger_report(const ledger::LedgerRows& rows,
                                 const LedgerReportSettings& settings);

/// A title line naming the file, the floor and the time covered, then one aligned table (at
/// most `top` rows; 0: all).
void render_ledger_text(const LedgerReport& report, const LedgerReportSettings& settings,
                        const std::string& path, std::size_t top, std::ostream& out);
/// {"ledger": path, "floor", "since", "entries_read", "affected_clients", "affected_handshakes",
///  "clients": [ledger entry JSON + "affected"]}.
void render_ledger_json(const LedgerReport& report, const LedgerReportSettings& settings,
                        const std::string& path, std::ostream& out);

}  // namespace tlsfloor::report
