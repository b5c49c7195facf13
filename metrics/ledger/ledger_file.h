#pragma once
// The client ledger's file (JSON, versioned) and each entry's JSON, which GET /legacy-clients
// ?since= and `tlsfloor report --ledger` show as the file has it. Pure: text in, rows out;
// writing the file atomically is proxy/state's job.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "metrics/ledger/client_ledger.h"

namespace tlsfloor::ledger {

/// One entry: listener, route, client, first_seen, last_seen, handshakes (total),
/// by_version ({"TLS1.0": {"would_reject": 3}}: only counts above 0), families, owners,
/// fingerprints, server_names, below (["version", "ciphers", "groups"], those it was below).
nlohmann::ordered_json entry_to_json(const LedgerKey& key, const LedgerEntry& entry);

/// {"version": 1, "clients": [entry, ...]} with a newline at the end.
std::string ledger_to_json(const LedgerRows& rows);
/// nullopt, with the reason in `error`, when the text is not a ledger file of this version. At
/// most `max_entries` entries are read (the most recently seen); entries beyond them are counted
/// in `*dropped` when given. Values beyond an entry's bounds are dropped as record() would.
std::optional<LedgerRows> ledger_from_json(const std::string& text, std::size_t max_entries,
                                           std::string* error, std::size_t* dropped = nullptr);

}  // namespace tlsfloor::ledger
