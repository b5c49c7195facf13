#include "metrics/report/ledger_report_command.h"

#include "config/config.h"
#include "config/file_io.h"
#include "metrics/ledger/ledger_file.h"

namespace tlsfloor::report {

int run_ledger_report(const std::string& path, const LedgerReportSettings& settings, bool json,
                      std::size_t top, std::ostream& out, std::ostream& err) {
  std::string error;
  const std::optional<std::string> text = config::read_small_file(path, kMaxLedgerFileBytes, error);
  if (!text) {
    err << "tlsfloor report: " << path << ": " << error << "\n";
    return 1;
  }
  const auto rows = ledger::ledger_from_json(*text, config::kMaxLedgerEntries, &error);
  if (!rows) {
    err << "tlsfloor report: " << path << " is not a client ledger: " << error << "\n";
    return 1;
  }
  const LedgerReport report = build_ledger_report(*rows, settings);
  if (json) {
    render_ledger_json(report, settings, path, out);
  } else {
    render_ledger_text(report, settings, path, top, out);
  }
  return 0;
}

}  // namespace tlsfloor::report
