#pragma once
// GET /legacy-clients?since=90d: the client ledger's view, who was seen in that time across
// restarts (the live table only knows the process's life, and its heaviest clients). Pure.
#include <string>

#include "config/timestamp.h"
#include "metrics/ledger/client_ledger.h"
#include "proxy/admin/legacy_clients_json.h"

namespace tlsfloor::admin {

/// {"generated_at", "source": "ledger", "since", "horizon_days", "max_entries",
///  "total_clients", "offset", "limit", "next_offset",
///  "clients": [{listener, route, client, first_seen, last_seen, handshakes, by_version,
///  families (as in the live view: id, name, advice, link), owners, fingerprints, server_names,
///  below}]}: `rows` (seen since `now - filter.since`, most recently seen first) that pass the
/// filter's listener, route, version, family and owner, paged by its limit and offset. With a
/// version, only clients with handshakes at it, in the same order.
std::string ledger_clients_json(const ledger::LedgerRows& rows, const ledger::LedgerBounds& bounds,
                                const LegacyClientsFilter& filter, config::Timestamp now);

}  // namespace tlsfloor::admin
