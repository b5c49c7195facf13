#pragma once
// Per-client accounting of legacy handshakes, in memory bounded whatever the traffic: the
// heaviest clients are kept with Space-Saving (Metwally, Agrawal, El Abbadi, "Efficient
// computation of frequent and top-k elements in data streams", ICDT 2005), and everything
// else is folded into one `other` entry.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/address_prefix.h"
#include "config/legacy_decision.h"

namespace tlsfloor::metrics {

// What the policy did with a legacy client (config/legacy_decision.h); counted and shown here.
using config::kLegacyDecisionCount;
using config::LegacyDecision;

/// Counts legacy handshakes per client (by source-address prefix), keeping at most
/// Options::top_k clients. A client arriving when the table is full replaces the one with the
/// smallest count and inherits that count as its error bound (classic Space-Saving), so any
/// client with more than total()/top_k handshakes is guaranteed to be tracked, and a tracked
/// client's true count lies in [count - error, count].
///
/// record() takes one mutex: it is only ever called for legacy handshakes, so the (normal)
/// non-legacy path never touches the tracker. All methods are thread-safe.
class LegacyClientTracker {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  struct Options {
    /// Clients tracked individually; 0 folds everything into other().
    std::size_t top_k = 1000;
    /// Distinct SNI values kept per client: the first ones seen, not the most recent.
    std::size_t max_server_names = 8;
    /// Distinct JA4 fingerprints kept per client: the first ones seen, not the most recent.
    std::size_t max_fingerprints = 8;
    /// Distinct routes kept per client: the first ones seen.
    std::size_t max_routes = 16;
    /// Distinct client families kept per client: the first ones seen.
    std::size_t max_families = 8;
    /// Distinct owners kept per client (one address behind a NAT may serve several teams).
    std::size_t max_owners = 4;
    /// Addresses kept per client keyed by certificate subject: the first ones seen.
    std::size_t max_addresses = 8;
    /// Distinct handshake failure reasons counted per client: the first ones seen; the rest
    /// are counted as "other".
    std::size_t max_failures = 8;
    /// Groups kept of a client's latest hello (offered, and of key shares): the first ones.
    std::size_t max_groups = 32;
  };

  /// What the policy did with the handshake. Spelled by to_string() as in metric labels.
  using Decision = LegacyDecision;

  /// One legacy handshake. The string views are copied if kept; they need only outlive
  /// the call to record(). An empty string means "not known" and is not recorded.
  /// A verified client certificate, as the per-client views show it (each text cut to
  /// config::kMaxClientText bytes when kept).
  struct CertificateSeen {
    std::string subject;
    std::string issuer;
    std::string serial;
    std::string sha256;
    TimePoint not_after{};
    std::string result;  // config::ClientCertificateResult's spelling
  };

  struct Observation {
    config::AddressPrefix client;
    /// legacy_clients.key: certificate: the subject of the client's verified certificate, which
    /// then names the client instead of `client` (empty: keyed by `client`, the fallback).
    std::string_view subject;
    /// The client certificate of the handshake, when the route asked for one and it verified.
    const CertificateSeen* certificate_seen = nullptr;
    /// The version the decision was about (as in tlsfloor_legacy_handshakes_total). Codes
    /// other than SSL 3.0 .. TLS 1.3 (0x0300 .. 0x0304) are counted as 0, "unknown", so that
    /// a client cannot grow its entry by inventing versions.
    std::uint16_t version_wire = 0;
    Decision decision = Decision::would_reject;
    std::string_view server_name;
    /// The listener's route the handshake went to ("default": none matched).
    std::string_view route;
    std::string_view ja4;
    /// The client family its hello matches (proxy/families' label; "unknown" when none).
    std::string_view family;
    /// The owner the owner directory gives the client; empty when none does.
    std::string_view owner;
    std::string_view cipher;
    std::string_view certificate;  // the key type served ("RSA2048"); empty: none
    /// The floors the client is below (at least one: only legacy handshakes are recorded).
    bool below_version = true;
    bool below_ciphers = false;
    bool below_groups = false;
    /// The key exchange: the groups it offers (GREASE left out, bounded by the hello facts), the
    /// groups of its key shares, the group negotiated (0: none, or not completed), and whether it
    /// offers a post-quantum group.
    std::span<const std::uint16_t> offered_groups;
    std::span<const std::uint16_t> key_share_groups;
    std::uint16_t group = 0;
    bool pq_offered = false;
    /// Why the handshake did not complete (tls/handshake_failure.h); empty when it did.
    std::string_view failure;
    /// Injected so that the tracker never reads a clock (and tests control time).
    TimePoint when{};
  };

  struct ClientStats {
    config::AddressPrefix client;
    /// Non-empty: the client is this certificate subject (legacy_clients.key: certificate), and
    /// `client` is unset; `addresses` lists the first ones it came from.
    std::string subject;
    std::vector<std::string> addresses;
    /// The verified client certificate of its latest handshake that had one.
    std::optional<CertificateSeen> last_client_certificate;
    /// Names this tracking period: a client evicted and tracked again gets a new id, and its
    /// exact counts restart. Lets a consumer of successive snapshots tell the two apart.
    std::uint64_t entry_id = 0;
    /// Space-Saving's estimate: handshakes observed while tracked plus `error`. Never less
    /// than the client's true count since construction (evictions included).
    std::uint64_t count = 0;
    /// Space-Saving's overestimation bound: the count inherited from the entry this client
    /// replaced. `count - error` handshakes were really observed while tracked.
    std::uint64_t error = 0;
    /// Exact counts of the handshakes observed while tracked (they sum to count - error), by
    /// normalised version (see Observation::version_wire) and decision.
    std::map<std::pair<std::uint16_t, Decision>, std::uint64_t> by_version_decision;
    /// Earliest and latest `when` of those handshakes (min/max, so that observations recorded
    /// slightly out of order by different threads do not move them backwards).
    TimePoint first_seen{};
    TimePoint last_seen{};
    /// Distinct values in the order first seen, at most Options::max_server_names /
    /// max_fingerprints of them, each cut to config::kMaxClientText bytes.
    std::vector<std::string> server_names;
    std::vector<std::string> fingerprints;
    /// The routes its handshakes went to, in the order first seen (at most Options::max_routes).
    std::vector<std::string> routes;
    /// The client families its hellos matched, in the order first seen (at most
    /// Options::max_families): one address may be a NAT in front of several stacks.
    std::vector<std::string> families;
    /// The owners its handshakes were given, in the order first seen (at most
    /// Options::max_owners); empty when no owner matched.
    std::vector<std::string> owners;
    /// The cipher, and the served certificate's key type, of the handshake with the latest
    /// `when` that named one.
    std::string last_cipher;
    std::string last_certificate;
    /// Whether any of its handshakes was below the version floor, the cipher floor, the
    /// key-exchange floor.
    bool below_version = false;
    bool below_ciphers = false;
    bool below_groups = false;
    /// The groups offered and key-share groups of its latest handshake, the last group
    /// negotiated (0: none yet), and whether any of its handshakes offered a post-quantum group.
    std::vector<std::uint16_t> last_offered_groups;
    std::vector<std::uint16_t> last_key_share_groups;
    std::uint16_t last_group = 0;
    bool pq_offered = false;
    /// Its handshakes that did not complete, by reason (the first Options::max_failures
    /// reasons seen, then "other"); those that completed are count - error - their sum.
    std::vector<std::pair<std::string, std::uint64_t>> failures;
  };

  /// Longest stored SNI / JA4 / cipher value: a DNS name is at most 253 characters, while the
  /// ClientHello framing allows a 64 KiB server name; cutting keeps the memory bound small.

  LegacyClientTracker() : LegacyClientTracker(Options{}) {}
  explicit LegacyClientTracker(Options options);
  LegacyClientTracker(const LegacyClientTracker&) = delete;
  LegacyClientTracker& operator=(const LegacyClientTracker&) = delete;

  /// Counts one legacy handshake. noexcept: it runs inside BoringSSL's ClientHello callback,
  /// which an exception must not unwind through, so an allocation failure terminates rather
  /// than leaving the table half-updated. O(log top_k).
  void record(const Observation& observation) noexcept;

  /// The tracked clients, heaviest (by `count`) first; ties by earlier first_seen, then by key,
  /// so the order is deterministic.
  std::vector<ClientStats> snapshot() const;

  /// Everything not attributed to a tracked client: the handshakes that evicted clients had
  /// observed while tracked (and every handshake when top_k is 0). Only by_version_decision,
  /// count (their sum), first_seen and last_seen are filled; error is 0, `client` is a
  /// default config::AddressPrefix with no meaning, and the per-client sets and cipher stay empty
  /// (a union of arbitrary clients' values would not say anything about anyone). Invariant: the sum
  /// of `count - error` over snapshot() plus other().count equals total().
  ClientStats other() const;

  /// snapshot(), other() and total() taken at one instant, so that their invariant holds.
  struct Contents {
    std::vector<ClientStats> clients;  // heaviest first, as snapshot()
    ClientStats other;
    std::uint64_t total = 0;
  };
  Contents contents() const;

  /// Clients tracked now; never more than Options::top_k.
  std::size_t tracked() const;
  /// Handshakes recorded since construction.
  std::uint64_t total() const;

 private:
  // A certificate subject (when keyed so), else the address.
  using Key = std::pair<std::string, config::AddressPrefix>;
  struct Entry {
    ClientStats stats;
    std::multimap<std::uint64_t, Key>::iterator by_count;
  };

  // Folds the entry with the smallest count into other_ and removes it.
  void evict_minimum();
  // Counts by version and decision, first/last seen and count: for tracked clients and other_.
  static void count(ClientStats& stats, const Observation& observation);
  // SNI, JA4 and cipher: for tracked clients only. Call before count().
  void describe(ClientStats& stats, const Observation& observation) const;

  const Options options_;
  mutable std::mutex mutex_;
  // Ordered containers rather than hash tables: O(log top_k) whatever source addresses an
  // attacker picks, where a hash table could be driven into long collision chains.
  std::map<Key, Entry> clients_;
  // Tracked clients by count. Equal counts keep insertion order, so among the minimum the
  // entry that has gone longest without a handshake is evicted first.
  std::multimap<std::uint64_t, Key> by_count_;
  ClientStats other_;
  std::uint64_t total_ = 0;
  std::uint64_t next_entry_id_ = 1;
};

/// What names a row: its certificate subject, else its address (or network) as text.
std::string client_label(const LegacyClientTracker::ClientStats& stats);

}  // namespace tlsfloor::metrics
