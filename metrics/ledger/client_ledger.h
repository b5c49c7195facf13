#pragma once
// The client ledger: every legacy client seen in the last months (the horizon, 400 days by
// default), per listener, route and client, with when it was first and last seen, its handshakes
// by version and decision, its families and owners. What the live per-client table cannot
// remember: that table restarts with the process and keeps the heaviest clients, while a batch
// job that calls once a month is light and rare. Bounded in entries (the least recently seen
// go first, counted) and each entry in bytes; kept in a file across restarts (ledger_file.h).
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/legacy_decision.h"
#include "config/timestamp.h"
#include "config/tls_version.h"

namespace tlsfloor::ledger {

/// Listener, route and client (its certificate subject, or its address or network as text).
struct LedgerKey {
  std::string listener;
  std::string route;
  std::string client;
  friend auto operator<=>(const LedgerKey&, const LedgerKey&) = default;
  friend bool operator==(const LedgerKey&, const LedgerKey&) = default;
};

/// Distinct values kept per entry for each of families, owners, JA4s and server names: the
/// first ones seen, each cut to config::kMaxClientText bytes.
inline constexpr std::size_t kMaxValuesPerEntry = 4;

struct LedgerEntry {
  config::Timestamp first_seen{};
  config::Timestamp last_seen{};
  /// Handshakes by best offered version (config::wire_version_index()) and decision.
  using Counts = std::array<std::array<std::uint64_t, config::kLegacyDecisionCount>,
                            config::kWireVersionLabels>;
  Counts counts{};
  std::vector<std::string> families;
  std::vector<std::string> owners;
  std::vector<std::string> fingerprints;
  std::vector<std::string> server_names;
  /// Whether any of its handshakes was below the version, cipher or key-exchange floor.
  bool below_version = false;
  bool below_ciphers = false;
  bool below_groups = false;

  std::uint64_t handshakes() const;
  /// Adds `value` (cut to config::kMaxClientText bytes) to `values` unless it is empty, already
  /// there, or kMaxValuesPerEntry are kept.
  static void keep(std::vector<std::string>& values, std::string_view value);
  friend bool operator==(const LedgerEntry&, const LedgerEntry&) = default;
};

/// One legacy handshake as the ledger records it. The views need only outlive record().
struct LedgerFact {
  std::string_view listener;
  std::string_view route;
  std::string_view client;
  std::uint16_t version_wire = 0;  // best offered; codes outside SSL 3.0 .. TLS 1.3 are unknown
  config::LegacyDecision decision = config::LegacyDecision::would_reject;
  std::string_view family;
  std::string_view owner;
  std::string_view ja4;
  std::string_view server_name;
  bool below_version = false;
  bool below_ciphers = false;
  bool below_groups = false;
  config::Timestamp when{};
};

struct LedgerBounds {
  /// Entries kept; when a new client comes with the ledger full, the least recently seen goes.
  std::size_t max_entries = 10000;
  /// Entries not seen for this long are dropped.
  std::chrono::seconds horizon = std::chrono::days(400);
  friend bool operator==(const LedgerBounds&, const LedgerBounds&) = default;
};

using LedgerRows = std::vector<std::pair<LedgerKey, LedgerEntry>>;

/// Thread-safe: record() from any worker (one mutex, legacy handshakes only), the rest from the
/// control thread.
class ClientLedger {
 public:
  explicit ClientLedger(LedgerBounds bounds = {});
  ClientLedger(const ClientLedger&) = delete;
  ClientLedger& operator=(const ClientLedger&) = delete;

  /// Counts one legacy handshake. noexcept: it runs at the end of a handshake, where an
  /// allocation failure must terminate rather than leave the index half-updated. O(log n).
  void record(const LedgerFact& fact) noexcept;
  /// Adds entries remembered from before (the file): merged into what is recorded already,
  /// then the bounds applied (the least recently seen beyond max_entries are evicted, counted).
  void restore(const LedgerRows& rows);
  /// New bounds (a reload): applied at once.
  void set_bounds(LedgerBounds bounds);
  /// Drops the entries last seen before `now - horizon`; returns how many.
  std::size_t expire(config::Timestamp now);

  /// Entries last seen at or after `since`, most recently seen first (ties by key).
  LedgerRows seen_since(config::Timestamp since) const;
  /// Every entry, by key (what the file keeps).
  LedgerRows rows() const;

  struct Counters {
    std::size_t entries = 0;
    std::uint64_t evicted = 0;  // for room, the least recently seen first
    std::uint64_t expired = 0;  // not seen within the horizon
    /// Rises with every change: the file is written when it moved since the last write.
    std::uint64_t changes = 0;
  };
  Counters counters() const;
  LedgerBounds bounds() const;

 private:
  struct Node {
    LedgerEntry entry;
    std::set<std::pair<config::Timestamp, const LedgerKey*>>::iterator by_last_seen;
  };
  void touch(const LedgerKey& key, Node& node, config::Timestamp last_seen);
  void evict_beyond(std::size_t max_entries);

  mutable std::mutex mutex_;
  LedgerBounds bounds_;
  // Ordered containers: O(log n) whatever keys a client chooses (its SNI does not key; its
  // address does, and a certificate subject only once verified).
  std::map<LedgerKey, Node> entries_;
  // Every entry by last seen (then key address): the front is the least recently seen.
  std::set<std::pair<config::Timestamp, const LedgerKey*>> by_last_seen_;
  Counters counters_;
};

}  // namespace tlsfloor::ledger
