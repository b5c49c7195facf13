#pragma once
// GET /legacy-clients: the per-client legacy tables as JSON, heaviest first. Pure: the tables
// and the time come in, text goes out.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/timestamp.h"
#include "metrics/metrics.h"

namespace tlsfloor::admin {

struct LegacyClientsFilter {
  std::optional<std::string> listener;
  /// Only clients with legacy handshakes on routes of this name ("default": matched no route).
  std::optional<std::string> route;
  /// A wire code: only clients with handshakes at this version, ordered by those.
  std::optional<std::uint16_t> version;
  /// Only clients one of whose hellos matched this client family ("unknown": none).
  std::optional<std::string> family;
  /// Only clients this owner (the owner directory's name) was given for one of their
  /// handshakes; "unowned": clients no owner matched.
  std::optional<std::string> owner;
  /// The page: at most `limit` clients (kMaxPage at most), after skipping `offset`.
  /// Set (`since=90d`): the client ledger's view of the clients seen in that time, across
  /// restarts (ledger_clients_json.h), instead of the live table's.
  std::optional<std::chrono::seconds> since;
  std::size_t limit = kDefaultPage;
  std::size_t offset = 0;
  /// Clients in one answer by default, and at most: an unauthenticated view must not answer
  /// with the whole table (top_k may be tens of thousands) in one response.
  static constexpr std::size_t kDefaultPage = 100;
  static constexpr std::size_t kMaxPage = 1000;
};

/// The page a filter asks for among `total` clients: rows [begin, end), at most `limit`.
struct ClientsPage {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t limit = 0;
};
ClientsPage page_of(std::size_t total, const LegacyClientsFilter& filter);

/// `document` with total_clients, offset, limit, next_offset (null on the last page) and
/// `clients` added, as text: the ending both views of /legacy-clients share. Values from clients
/// (server names) that are not UTF-8 are replaced rather than failing the whole view.
std::string clients_page_json(nlohmann::ordered_json document, std::size_t total,
                              const ClientsPage& page, nlohmann::ordered_json clients);

/// {"generated_at", "listeners": [{listener, top_k, tracked, handshakes, other}],
///  "total_clients", "offset", "limit", "next_offset" (null on the last page),
///  "clients": [{listener, client, handshakes, overcount_bound, by_version, first_seen,
///  last_seen, server_names, routes, ja4, families, owners, last_cipher, last_certificate,
///  last_group, offered_groups and key_share_groups (of its latest handshake), pq_offered (any of
///  its handshakes offered a post-quantum group), below, failures, client_certificate}]}: the page
///  of clients the filter asks for, `total_clients` of them in all. `families` lists the client
///  families its hellos matched, each with its name, advice and link (null for "unknown");
///  `owners` the owner directory's names its handshakes were given (empty: none matched).
///  `routes` lists the routes the
/// client's legacy handshakes went to (its counts are over all of them). `by_version` maps a
/// version label to counts by decision. `handshakes` is Space-Saving's estimate (never below the
/// true count since the client was first tracked); the true count is at least handshakes -
/// overcount_bound. Clients are ordered by handshakes (by that version's count when filtered), then
/// listener and client. nullopt when the filter names a listener that has no table.
std::optional<std::string> legacy_clients_json(
    const std::vector<metrics::ListenerLegacyClients>& tables, const LegacyClientsFilter& filter,
    config::Timestamp now);

}  // namespace tlsfloor::admin
