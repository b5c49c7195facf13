#pragma once
// The client ledger's file on disk: read at start, replaced atomically when the ledger changed
// (every minute at most) and at stop, like the state file.
#include <cstddef>
#include <string>

#include "metrics/ledger/client_ledger.h"

namespace tlsfloor::state {

/// The largest ledger file read: `max_entries` entries of their largest (a few KiB) and room.
std::size_t max_ledger_file_bytes(std::size_t max_entries);

/// Restores `path` into `ledger`. A missing file is a first start. A file that is not a ledger
/// (corrupt, too large) is logged and moved aside to `<path>.corrupt` (the months it holds are
/// evidence, not to be overwritten by the next save); one that cannot be read (permissions) is
/// logged and left. Either way the ledger starts empty.
void load_client_ledger(const std::string& path, ledger::ClientLedger& ledger);
/// Replaces `path` atomically with `ledger`'s entries; false (logged) on failure, the old file
/// left intact.
bool save_client_ledger(const std::string& path, const ledger::ClientLedger& ledger);

}  // namespace tlsfloor::state
