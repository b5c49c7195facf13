#pragma once
// `tlsfloor report --inventory`: what was negotiated, per listener and route, over the period the
// handshake logs cover: protocols, cipher suites, key-exchange groups and certificate key types
// (and the upstream leg's protocols and suites), each with its handshakes, distinct clients,
// client families where the log names them, and when it was first and last seen. The inventory
// PCI DSS 4.0.1 requirement 12.3.3 asks for, made from what happened rather than from what is
// configured. Pure: records in (log_line.h), tables out; the command reads the files.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/timestamp.h"
#include "metrics/report/handshake_report.h"
#include "metrics/report/log_line.h"

namespace tlsfloor::report {

/// What an inventory row is about.
enum class InventoryKind {
  protocol,
  cipher,
  group,
  certificate,
  upstream_protocol,
  upstream_cipher,
};
inline constexpr std::size_t kInventoryKinds = 6;
/// "protocol", "cipher", "group", "certificate", "upstream_protocol", "upstream_cipher".
std::string_view to_string(InventoryKind kind);

/// Distinct clients, counted exactly up to kMaxCounted (as 64-bit hashes of their addresses),
/// then only known to be at least that many: a log with millions of clients costs at most
/// kMaxCounted hashes per row.
class DistinctClients {
 public:
  static constexpr std::size_t kMaxCounted = 65536;
  void add(const config::AddressPrefix& client);
  /// Adds the clients of `other` (of a later part of the same logs), up to the same cap.
  void merge(const DistinctClients& other);
  std::size_t count() const { return hashes_.size(); }
  bool is_lower_bound() const { return saturated_; }

 private:
  // A tree rather than a sorted vector (a row may see tens of thousands of clients) or a hash
  // table (addresses are chosen by the clients).
  std::set<std::uint64_t> hashes_;
  bool saturated_ = false;
};

/// One value of one kind (TLS1.3, TLS_AES_128_GCM_SHA256, X25519, EC256) on one route.
struct InventoryRow {
  InventoryKind kind = InventoryKind::protocol;
  std::string value;
  std::uint64_t handshakes = 0;
  DistinctClients clients;
  DistinctValues families;
  config::Timestamp first_seen{};
  config::Timestamp last_seen{};
};

/// One route of one listener: every handshake read, those that completed, and its rows.
struct InventoryRoute {
  std::string listener;
  std::string route;
  std::uint64_t handshakes = 0;
  std::uint64_t completed = 0;
  /// By kind, then value: rows in kind order, values by handshakes (heaviest first), then text.
  std::vector<const InventoryRow*> rows() const;

 private:
  friend class Inventory;
  std::map<std::pair<InventoryKind, std::string>, InventoryRow> rows_;
};

/// Accumulates records into the inventory. A completed handshake (the line names its
/// negotiated version) adds to the rows of its protocol, suite, group ("none" for a key exchange
/// without one: static RSA), the key type of the certificate shown (resumed handshakes show
/// none) and, with TLS to the upstream, the upstream leg's protocol and suite. Memory grows with
/// the distinct values, which the library bounds, and DistinctClients' cap per row.
class Inventory {
 public:
  void add(const HandshakeRecord& record);
  /// Makes this the inventory of this part of the logs followed by `later`'s part: what
  /// `tlsfloor report --inventory` does with the pieces it reads in parallel.
  void merge(Inventory&& later);
  void count_malformed_line() { ++malformed_lines_; }
  void count_file() { ++files_; }

  std::uint64_t files() const { return files_; }
  std::uint64_t handshakes() const { return handshakes_; }
  std::uint64_t completed() const { return completed_; }
  std::uint64_t malformed_lines() const { return malformed_lines_; }
  /// Earliest and latest time of the handshakes read; empty when none was.
  const std::optional<config::Timestamp>& first_seen() const { return first_seen_; }
  const std::optional<config::Timestamp>& last_seen() const { return last_seen_; }
  /// Every route read, by listener then route.
  std::vector<const InventoryRoute*> routes() const;

 private:
  std::map<std::pair<std::string, std::string>, InventoryRoute> routes_;
  std::uint64_t files_ = 0;
  std::uint64_t handshakes_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t malformed_lines_ = 0;
  std::optional<config::Timestamp> first_seen_;
  std::optional<config::Timestamp> last_seen_;
};

/// The inventory for terminals: a header with the period, then one aligned table with a row per
/// (listener, route, kind, value). Values from the log are escaped as render_text() does.
void render_inventory_text(const Inventory& inventory, std::ostream& out);
/// As one JSON document (the README's schema).
std::string render_inventory_json(const Inventory& inventory);
/// As CSV (RFC 4180, a header line; fields with commas, quotes or line breaks quoted): listener,
/// route, kind, value, handshakes, clients, clients_at_least, families, first_seen, last_seen.
std::string render_inventory_csv(const Inventory& inventory);

}  // namespace tlsfloor::report
