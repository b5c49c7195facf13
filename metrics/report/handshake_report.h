#pragma once
// "Who would break at a given floor": handshake-log records (log_line.h) summarised by client
// and by JA4 fingerprint, counting the handshakes whose best offered version is below a
// candidate minimum version. Pure: records in, tables out; reading files is the command's job
// (handshake_report_command.h), printing is render.h's.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "config/address_prefix.h"
#include "config/cipher_suite.h"
#include "config/named_group.h"
#include "config/timestamp.h"
#include "config/tls_version.h"
#include "metrics/report/affected_handshakes.h"
#include "metrics/report/deadlines.h"
#include "metrics/report/label_table.h"
#include "metrics/report/log_line.h"

namespace tlsfloor::report {

/// Distinct values of one attribute of a report row (SNI names, JA4s, listeners): the first
/// kMaxKept kept verbatim, and how many distinct values there are beyond those, counted up to
/// kMaxCounted. Bounded because SNI and JA4 are chosen by the client: one client cycling through
/// random server names must not grow its row without limit.
class DistinctValues {
 public:
  static constexpr std::size_t kMaxKept = 8;
  static constexpr std::size_t kMaxCounted = 1024;
  /// Counts `value` (cut to config::kMaxClientText bytes at a UTF-8 character boundary: the
  /// ClientHello framing allows a 64 KiB server name); an empty value means "none" and is
  /// ignored.
  void add(std::string_view value);
  /// The first distinct values seen, in that order, at most kMaxKept.
  const std::vector<std::string>& kept() const { return kept_; }
  /// Distinct values seen beyond kept(). Exact unless more_is_lower_bound().
  std::size_t more() const { return more_hashes_.size(); }
  /// True once more than kMaxCounted distinct values were seen: more() stopped counting.
  bool more_is_lower_bound() const { return saturated_; }
  /// Adds the values `later` counted, as if they had been added here after this one's: the
  /// result is what adding both sequences in order gives (tests/unit/metrics/report/
  /// report_merge_test.cpp). One caveat, of the same kind as the hashes' own: a value beyond
  /// `later`'s kept ones whose 64-bit hash equals that of a value kept here counts once.
  void merge(const DistinctValues& later);

 private:
  void add_hash(std::uint64_t hash);

  std::vector<std::string> kept_;
  // Hashes, not the values, of the distinct values beyond kept_: 8 bytes each whatever their
  // length. Sorted for binary search. Two values with the same 64-bit hash count once, which
  // only ever lowers the count.
  std::vector<std::uint64_t> more_hashes_;
  bool saturated_ = false;
};

/// One client (address masked to the report's prefix) with at least one affected handshake.
/// Everything in it describes its affected handshakes only.
struct ClientRow {
  config::AddressPrefix client;
  std::string client_text;  // to_string(client), also the tie-breaker of the order
  AffectedHandshakes affected;
  DistinctValues server_names;
  DistinctValues fingerprints;
  DistinctValues listeners;
  DistinctValues routes;
  DistinctValues failures;      // why its handshakes did not complete
  DistinctValues families;      // the client families the proxy named (GET /families)
  DistinctValues owners;        // the owners the owner directory gave it
  DistinctValues certificates;  // subjects of the client certificates that verified
  /// With Settings::deadlines: the earliest scheduled step that refuses it on a route that
  /// serves it today (absent: none is scheduled).
  std::optional<ScheduledChange> breaks;
  /// The group lists its affected handshakes offered ("X25519:P-256:P-384"; "-" for none), shown
  /// with Settings::groups or pq.
  DistinctValues group_lists;
  /// Served today at least once: the floor would break it. Otherwise it already fails.
  bool would_break() const { return affected.would_break() > 0; }
};

/// One route of one listener: how many of its handshakes were read and how many are affected
/// (every route read is listed, affected or not, so a route can be shown to be clean).
struct RouteRow {
  std::string listener;
  std::string route;
  std::uint64_t handshakes = 0;
  AffectedHandshakes affected;
  /// With Settings::deadlines: the route's schedule (absent: the configuration has no such
  /// route).
  std::optional<RouteDeadline> deadline;
};

/// One JA4 fingerprint with at least one affected handshake ("" when the log had none, e.g.
/// an unreadable ClientHello). Everything in it describes its affected handshakes only.
struct FingerprintRow {
  std::string ja4;
  AffectedHandshakes affected;
  std::uint64_t clients = 0;  // distinct clients (after prefix grouping), exact
  DistinctValues server_names;
  DistinctValues group_lists;  // as ClientRow's
};

/// The lines of one replica (the `host` that wrote them), with the stretches of time it wrote
/// none: a replica down, or a log file left out of the report, undercounts its clients.
class ReplicaRow {
 public:
  /// Stretches without a line longer than the report's gap threshold are counted; the spans
  /// between them are kept (at most kMaxSpans; beyond, the closest are joined and gaps() becomes
  /// a lower bound), not the lines.
  static constexpr std::size_t kMaxSpans = 1024;

  struct Gap {
    config::Timestamp from{};  // the last line before it
    config::Timestamp to{};    // the first line after it
  };

  ReplicaRow() = default;
  explicit ReplicaRow(std::string host) : host_(std::move(host)) {}

  /// One line written at `time`; `gap`: the threshold (0: gaps are not looked for).
  void add(config::Timestamp time, std::chrono::seconds gap);
  /// Adds `other`'s lines (any order gives the same result).
  void merge(const ReplicaRow& other, std::chrono::seconds gap);

  /// The line's `host`; "" for lines without one.
  const std::string& host() const { return host_; }
  std::uint64_t lines() const { return lines_; }
  config::Timestamp first_seen() const { return first_seen_; }
  config::Timestamp last_seen() const { return last_seen_; }
  /// Stretches between two of its lines, in time order whatever the order of the lines, longer
  /// than the gap threshold.
  std::size_t gaps() const { return spans_.empty() ? 0 : spans_.size() - 1; }
  bool gaps_is_lower_bound() const { return spans_joined_; }
  /// The longest of them; nullopt when there is none.
  std::optional<Gap> longest_gap() const;

 private:
  struct Span {
    config::Timestamp begin{};
    config::Timestamp end{};
  };
  // Spans are sorted, and apart by more than the threshold: adding a time joins the span it is
  // within the threshold of (and that span its neighbours, when they come within it).
  void add_span(Span span, std::chrono::seconds gap);
  void join_closest();

  std::string host_;
  std::uint64_t lines_ = 0;
  config::Timestamp first_seen_{};
  config::Timestamp last_seen_{};
  std::vector<Span> spans_;
  std::size_t last_span_ = 0;  // where the previous line went: the next one usually goes there
  bool spans_joined_ = false;
};

struct ReportTotals {
  std::uint64_t files = 0;
  std::uint64_t handshakes = 0;  // lines parsed, affected or not
  std::uint64_t affected = 0;
  /// The affected handshakes, as the tables count them.
  AffectedHandshakes affected_detail;
  std::uint64_t malformed_lines = 0;
  /// Handshakes of other routes, left out by Settings::route.
  std::uint64_t other_routes = 0;
  /// Handshakes of other owners, left out by Settings::owner.
  std::uint64_t other_owners = 0;
  /// With Settings::ciphers: handshakes whose line has no offered_ciphers (not judged by them).
  std::uint64_t without_ciphers = 0;
  /// With Settings::groups or pq: handshakes whose line has no offered_groups (not judged by
  /// them).
  std::uint64_t without_groups = 0;
  /// Earliest and latest time of all handshakes read; empty when none was read.
  std::optional<config::Timestamp> first_seen;
  std::optional<config::Timestamp> last_seen;
  /// Affected handshakes per UTC day (days since 1970-01-01), the latest kReportDays days that
  /// have any: what the owner page charts. Exact for every day kept, whatever order the lines
  /// come in (a day is only dropped for kReportDays later ones, which stay).
  std::map<std::int64_t, std::uint64_t> affected_by_day;
};

/// Days ReportTotals::affected_by_day keeps: a little over a year.
inline constexpr std::size_t kReportDays = 400;

/// The offered groups of `record` as one cell ("X25519:P-256"; "-" without any).
std::string group_list_cell(const HandshakeRecord& record);

/// Accumulates handshake records into the "who would break" tables. A handshake is affected
/// when its highest offered version is below the floor (SSL3.0 < TLS1.0 < TLS1.1 < TLS1.2 <
/// TLS1.3); "unknown" (nothing readable was offered) is below every floor, since such a client
/// cannot be shown to manage the floor either. Memory grows with the distinct affected clients
/// and fingerprints, not with the number of lines.
class HandshakeReport {
 public:
  struct Settings {
    /// The candidate minimum version; absent (--ciphers alone): versions are not judged.
    std::optional<config::TlsVersion> floor = config::TlsVersion::tls1_2;
    /// The candidate cipher list (resolved from a cipher string by the caller): a handshake is
    /// also affected when its client offers none of these at its best version (TLS 1.3 suites
    /// are fixed, so a TLS 1.3 client never is). Lines without offered_ciphers (an older
    /// tlsfloor's) cannot be judged: they are counted in ReportTotals::without_ciphers.
    std::optional<std::vector<config::CipherSuite>> ciphers;
    std::string ciphers_text;  // the list as given, for the report's title
    /// The candidate tls.groups (codes; any group of the registry, ML-KEM hybrids included):
    /// a handshake is also affected when its client names groups, none of them in this list
    /// and usable at its best version (the post-quantum groups are TLS 1.3 only). A client that
    /// names no group is not judged by it (its key exchange is its suite's). Lines without
    /// offered_groups are counted in ReportTotals::without_groups.
    std::optional<std::vector<std::uint16_t>> groups;
    /// Who would still use classical key exchange: a handshake is also affected when its client
    /// offers no post-quantum group. Lines without offered_groups count as without_groups.
    bool pq = false;
    /// Clients are grouped by these prefixes (config::masked()): full addresses by
    /// default.
    unsigned ipv4_prefix = 32;
    unsigned ipv6_prefix = 128;
    /// Only handshakes of routes with this name (any listener); absent: every route.
    std::optional<std::string> route;
    /// Only handshakes of clients the owner directory gave this owner ("unowned": no owner);
    /// absent: every owner.
    std::optional<std::string> owner;
    /// A replica without a line for longer than this has a gap (0: not looked for). An hour:
    /// an edge that serves traffic logs handshakes every few seconds, a quiet one every few
    /// minutes at night; an hour without one is a replica that was down or a file left out.
    std::chrono::seconds gap = std::chrono::hours(1);
    /// The routes' enforcement schedules (--config): each route says its mode and next step,
    /// each client the day it breaks. Absent: the report says nothing of schedules.
    std::optional<Deadlines> deadlines;
  };

  HandshakeReport() : HandshakeReport(Settings{}) {}
  explicit HandshakeReport(Settings settings);

  void add(const HandshakeRecord& record);
  /// Adds the report of the lines read after this one's (same settings): the result is the
  /// report of both in that order, as if one HandshakeReport had read them all (see
  /// DistinctValues::merge for its one caveat). For files and pieces of files read in parallel.
  void merge(HandshakeReport&& later);
  void count_malformed_line() { ++totals_.malformed_lines; }
  void count_file() { ++totals_.files; }

  /// True when a handshake whose best offered version is `highest_offered` (wire code, 0 for
  /// unknown) is below the floor.
  bool is_affected(std::uint16_t highest_offered) const;
  /// True when `record` is below the floor or shares none of the candidate ciphers or groups,
  /// or (with pq) offers no post-quantum group.
  bool is_affected(const HandshakeRecord& record) const;
  /// Whether the tables show the groups offered (with Settings::groups or pq).
  bool judges_key_exchange() const { return settings_.groups || settings_.pq; }
  /// The versions a handshake can be affected with, oldest first and "unknown" (0) last: the
  /// columns of the per-version counts.
  std::vector<std::uint16_t> affected_versions() const;

  const Settings& settings() const { return settings_; }
  const ReportTotals& totals() const { return totals_; }
  /// Affected clients, heaviest first; equal counts by client text.
  std::vector<const ClientRow*> clients() const;
  /// Of those, the ones the candidate floor would break (served today at least once), and the
  /// ones that already fail today (none of their affected handshakes completed), in that order.
  std::vector<const ClientRow*> clients_that_would_break() const;
  std::vector<const ClientRow*> clients_failing_today() const;
  /// Affected fingerprints, heaviest first; equal counts by JA4 text.
  std::vector<const FingerprintRow*> fingerprints() const;
  /// Affected client families (the log's `family`: an id of GET /families or "unknown"; "" for
  /// lines of a tlsfloor before families), heaviest first; equal counts by id.
  std::vector<const LabelRow*> families() const { return families_.rows(); }
  /// Affected clients by owner (the log's `owner`; "" for clients no owner matched), likewise.
  std::vector<const LabelRow*> owners() const { return owners_.rows(); }
  /// Every route read, most affected first; equal counts by listener, then route.
  std::vector<const RouteRow*> routes() const;
  /// Every replica read, by host name ("" first); only once a line named its host
  /// (hosts_named()), otherwise one row for all lines.
  std::vector<const ReplicaRow*> replicas() const;
  /// True once a line carried a `host`: the report then has a replicas table.
  bool hosts_named() const { return hosts_named_; }

 private:
  // With Settings::groups: whether `record` names no group or one of the candidates usable at
  // its best version.
  bool shares_candidate_group(const HandshakeRecord& record) const;

  // Ids number the rows so that (client, fingerprint) pairs can be remembered compactly.
  struct ClientEntry {
    ClientRow row;
    std::uint32_t id = 0;
  };
  struct FingerprintEntry {
    FingerprintRow row;
    std::uint32_t id = 0;
  };

  Settings settings_;
  ReportTotals totals_;
  // Ordered maps rather than hash tables: O(log n) whatever addresses and fingerprints a log
  // holds, where a hash table could be driven into long collision chains by chosen JA4s.
  std::map<config::AddressPrefix, ClientEntry> clients_;
  std::map<std::string, FingerprintEntry, std::less<>> fingerprints_;
  // By (listener, route); looked up by views, without building the key's strings.
  struct RouteKeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::pair<std::string_view, std::string_view>(a.first, a.second) <
             std::pair<std::string_view, std::string_view>(b.first, b.second);
    }
  };
  std::map<std::pair<std::string, std::string>, RouteRow, RouteKeyLess> routes_;
  std::map<std::string, ReplicaRow, std::less<>> replicas_;  // by host
  ReplicaRow* last_replica_ = nullptr;  // the previous line's: most lines are its neighbour's
  bool hosts_named_ = false;
  // (client id << 32 | fingerprint id) of every pair seen, for the exact distinct-client count
  // per fingerprint. Ids are sequential, so the identity hash spreads them well.
  std::unordered_set<std::uint64_t> client_fingerprint_pairs_;
  LabelTable families_;
  LabelTable owners_;
};

}  // namespace tlsfloor::report
