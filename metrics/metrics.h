#pragma once
// Every metric tlsfloor exports is defined and named here, and nowhere else. Handles are cheap
// to use from any worker thread: atomics only, once a label combination has been seen.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/client_certificate_result.h"
#include "config/config.h"
#include "config/legacy_decision.h"
#include "config/limits.h"
#include "metrics/client_certificate_table.h"
#include "metrics/legacy_client_series.h"
#include "metrics/legacy_client_tracker.h"

namespace tlsfloor::metrics {

enum class HandshakeOutcome { accepted, rejected, failed };
enum class Direction { client_to_upstream, upstream_to_client };

class Metrics;

/// Client families whose legacy-handshake series a route caches (the family table holds 34
/// and "unknown"; more are still counted, looked up each time).
inline constexpr std::size_t kFamilySlots = 64;

/// Counters of one family by (version, cipher suite), for one route: lock-free once a pair has
/// been seen. Open addressing over the pairs BoringSSL can negotiate (about 25 suites, most at
/// one version), which fit many times over. A slot is claimed under Metrics::mutex_ (counter
/// stored before key); readers need no lock.
class SuiteCounters {
 public:
  /// The counter of (`version_wire`, `code`) labelled `name` (the suite's IANA name), created on
  /// first use.
  prometheus::Counter& get(Metrics& owner, prometheus::Family<prometheus::Counter>& family,
                           const std::string& listener, const std::string& route,
                           std::uint16_t version_wire, std::uint16_t code, std::string_view name);

 private:
  struct Slot {
    std::atomic<std::uint32_t> key{0};  // version << 16 | code | bit 31; 0 = free
    std::atomic<prometheus::Counter*> counter{nullptr};
  };
  std::array<Slot, 128> slots_{};
};

/// The group code that tlsfloor_key_exchange_handshakes_total labels `other`: a negotiated group
/// outside the library's own (which cannot happen with BoringSSL; the label set stays bounded if
/// it ever does). Code 0 is labelled `none`: no (EC)DH group, a static-RSA key exchange.
inline constexpr std::uint16_t kOtherGroup = 0xffff;

/// Counters of tlsfloor_key_exchange_handshakes_total by (group, pq_offered), for one route:
/// lock-free once a pair has been seen, as SuiteCounters. A slot is claimed under
/// Metrics::mutex_.
class KeyExchangeCounters {
 public:
  prometheus::Counter& get(Metrics& owner, const std::string& listener, const std::string& route,
                           std::uint16_t group, bool pq_offered);

 private:
  struct Slot {
    std::atomic<std::uint32_t> key{0};  // group << 1 | pq_offered | bit 31; 0 = free
    std::atomic<prometheus::Counter*> counter{nullptr};
  };
  std::array<Slot, 32> slots_{};
};

/// Where a handshake log reports what it did (Metrics::handshake_log() makes these).
struct HandshakeLogCounters {
  prometheus::Counter& written;
  prometheus::Counter& dropped_queue_full;
  prometheus::Counter& dropped_write_error;
};

/// The signing pool's series (Metrics::signing() gives them): Prometheus handles, safe from any
/// thread.
struct SigningCounters {
  prometheus::Counter& made;
  prometheus::Counter& failed;
  prometheus::Counter& abandoned;
  prometheus::Histogram& queue_wait;
  prometheus::Gauge& queue_length;  // set at each scrape
  prometheus::Gauge& threads;
};

/// One exception (override) of a listener as the metrics show it at a scrape. The use is kept
/// elsewhere (the exception ledger); the metrics only report it.
struct ExceptionSample {
  std::string listener;
  std::string route;  // whose list it is in ("default": the listener's own)
  std::string exception;
  std::uint64_t handshakes = 0;  // clients it let in since the process started
  std::optional<std::chrono::system_clock::time_point> last_used;
  std::chrono::system_clock::time_point expiry;  // when it stops matching
  std::string owner;  // the owner directory's owner of it (owner_of_exception); empty: none
};

/// The client ledger (metrics/ledger/) as the metrics show it at a scrape.
struct ClientLedgerSample {
  std::size_t entries = 0;
  std::size_t max_entries = 0;
  std::uint64_t evicted = 0;  // for room, least recently seen first
  std::uint64_t expired = 0;  // not seen within the horizon
};

/// The label values of a route's series that are made at 0 when its configuration is put in
/// force (at start and by every reload), so that increase() and rate() count the first event of
/// each: Prometheus cannot see the first increment of a series that appears with it. Filled
/// from the route's configuration (proxy/runtime/), so bounded by it.
struct RouteSeriesPlan {
  struct Suite {
    std::uint16_t version_wire = 0;
    std::uint16_t code = 0;
    std::string name;  // IANA name
  };
  /// tlsfloor_handshakes_total{outcome="accepted"}: the versions the route can negotiate.
  std::vector<std::uint16_t> accepted_versions;
  /// tlsfloor_legacy_handshakes_total, for every decision: the versions below the floor.
  std::vector<std::uint16_t> legacy_versions;
  /// tlsfloor_weak_cipher_handshakes_total, for every decision: the versions below TLS 1.3 the
  /// route can negotiate.
  std::vector<std::uint16_t> weak_versions;
  /// tlsfloor_negotiated_ciphers_total: every suite of the route's lists at every version it can
  /// be negotiated at.
  std::vector<Suite> suites;
  /// tlsfloor_weak_group_handshakes_total, for every decision: the versions the route can
  /// negotiate.
  std::vector<std::uint16_t> weak_group_versions;
  /// tlsfloor_key_exchange_handshakes_total, with pq_offered true and false: every group of the
  /// route's lists, and 0 (`none`).
  std::vector<std::uint16_t> key_exchange_groups;
  /// tlsfloor_handshake_failures_total: the reasons refusals and common failures end with.
  std::vector<std::string_view> failures;
  /// With upstream.tls: the upstream leg's completed versions, its suites, and its failure
  /// reasons (tlsfloor_upstream_handshakes_total at version "unknown").
  std::vector<std::uint16_t> upstream_versions;
  std::vector<Suite> upstream_suites;
  std::vector<std::string_view> upstream_failures;
  /// tlsfloor_legacy_handshakes_by_owner_total, for every decision: the owners that can own a
  /// client of the route, and "unowned".
  std::vector<std::string> owners;
  /// With client_auth: tlsfloor_client_certificate_handshakes_total for every result.
  bool client_certificates = false;
};

/// The series of one route of a listener (the listener's own keys are route "default"): what
/// happens once a client has named its host. Obtained from ListenerMetrics::route(); lives as
/// long as the Metrics. Counting is lock-free.
class RouteMetrics {
 public:
  /// `version_wire`: negotiated version when accepted, else the highest offered (0: unknown).
  /// Makes the plan's series (those that do not exist yet) at 0.
  void prepare(const RouteSeriesPlan& plan);
  void count_handshake(std::uint16_t version_wire, HandshakeOutcome outcome);
  void count_legacy_handshake(std::uint16_t version_wire, LegacyDecision decision);
  /// A client that meets the version floor but offers none of tls.ciphers at `version_wire`
  /// (the version it negotiates), and what the cipher floor did with it.
  void count_weak_cipher_handshake(std::uint16_t version_wire, LegacyDecision decision);
  /// A legacy handshake (below either floor, counted once) from a client of family `family`
  /// (proxy/families' label, "unknown" included), and what the policy did with it. `slot`
  /// caches the series: a family's fixed position below kFamilySlots, the same for every call
  /// with that family (families::family_slot()); a slot beyond is looked up each time.
  void count_legacy_family(std::size_t slot, std::string_view family, LegacyDecision decision);
  /// A legacy handshake (counted once) from a client of `owner` (the owner directory's name, or
  /// "unowned"), and what the policy did with it. Bounded by the directory.
  void count_legacy_owner(std::string_view owner, LegacyDecision decision);
  /// A client that names groups but none of tls.groups, at `version_wire` (the version it
  /// negotiates), and what the key-exchange floor did with it.
  void count_weak_group_handshake(std::uint16_t version_wire, LegacyDecision decision);
  /// A completed handshake's key exchange: the group negotiated (0 for none: static RSA;
  /// kOtherGroup for a group outside the library's), and whether the client offered a
  /// post-quantum group. Lock-free once a pair has been seen.
  void count_key_exchange(std::uint16_t group, bool pq_offered) {
    key_exchange_.get(owner_, listener_, route_, group, pq_offered).Increment();
  }
  /// An accepted handshake's suite: `code` (IANA code point) named `name` (IANA name, static
  /// storage), at `version_wire`. Lock-free once a (version, suite) pair has been seen.
  void count_negotiated_cipher(std::uint16_t version_wire, std::uint16_t code,
                               std::string_view name);
  void observe_handshake_duration(double seconds) { handshake_duration_.Observe(seconds); }
  /// An accepted handshake that resumed a session (ticket or cache): no certificate signature.
  void count_resumed_handshake() { resumed_handshakes_.Increment(); }
  void count_bytes(Direction direction, std::uint64_t bytes) {
    (direction == Direction::client_to_upstream ? bytes_in_ : bytes_out_)
        .Increment(static_cast<double>(bytes));
  }
  void count_upstream_connect_failure() { upstream_connect_failures_.Increment(); }
  /// A TLS handshake with the upstream (upstream.tls) completed at `version_wire` with the suite
  /// `code` named `name` (IANA name, static storage).
  void count_upstream_handshake(std::uint16_t version_wire, bool resumed, std::uint16_t code,
                                std::string_view name);
  /// One failed, for `reason` (tls::upstream_failure_reason(); a fixed set). `version_wire` is
  /// the version agreed before it failed (a refused certificate), else 0. Rare by design, so
  /// the series is looked up each time.
  void count_upstream_handshake_failure(std::uint16_t version_wire, std::string_view reason);
  /// A handshake that did not complete, for `reason` (tls/handshake_failure.h's vocabulary,
  /// bounded). The reasons a refusal or a common failure ends with exist from the start.
  void count_handshake_failure(std::string_view reason);
  /// A client's stream ended without close_notify after the handshake; the upstream was reset.
  void count_client_truncation() { client_truncations_.Increment(); }
  void set_brownout_active(bool active) { brownout_active_.Set(active ? 1 : 0); }
  /// A handshake of a route with client_auth, by what its client certificate came to
  /// (verified, absent, untrusted, expired, revoked, not_allowed, invalid). Lock-free.
  void count_client_certificate(config::ClientCertificateResult result);

 private:
  friend class Metrics;
  friend class ListenerMetrics;

  RouteMetrics(Metrics& owner, const std::string& listener, const std::string& route);
  // Label combinations are created on first use (Family::Add locks) and then cached.
  prometheus::Counter& cached(std::atomic<prometheus::Counter*>& slot,
                              prometheus::Family<prometheus::Counter>& family,
                              const prometheus::Labels& labels);
  prometheus::Counter& handshakes(std::uint16_t version_wire, HandshakeOutcome outcome);
  prometheus::Counter& legacy(std::uint16_t version_wire, LegacyDecision decision);
  prometheus::Counter& weak_cipher(std::uint16_t version_wire, LegacyDecision decision);
  prometheus::Labels family_labels(std::string_view family, LegacyDecision decision) const;
  prometheus::Labels owner_labels(std::string_view owner, LegacyDecision decision) const;
  prometheus::Counter& weak_group(std::uint16_t version_wire, LegacyDecision decision);
  prometheus::Counter& handshake_failure(std::string_view reason);
  prometheus::Counter& upstream_failure(std::uint16_t version_wire, std::string_view reason);
  prometheus::Counter& client_certificate(config::ClientCertificateResult result);

  Metrics& owner_;
  std::string listener_;
  std::string route_;
  std::array<std::atomic<prometheus::Counter*>, config::kWireVersionLabels * 3> handshakes_{};
  std::array<std::atomic<prometheus::Counter*>, config::kWireVersionLabels * kLegacyDecisionCount>
      legacy_{};
  std::array<std::atomic<prometheus::Counter*>, config::kWireVersionLabels> upstream_handshakes_{};
  std::array<std::atomic<prometheus::Counter*>, config::kWireVersionLabels * kLegacyDecisionCount>
      weak_cipher_{};
  std::array<std::atomic<prometheus::Counter*>, kFamilySlots * kLegacyDecisionCount> by_family_{};
  std::array<std::atomic<prometheus::Counter*>, config::kClientCertificateResults.size()>
      client_certificates_{};
  std::array<std::atomic<prometheus::Counter*>, config::kWireVersionLabels * kLegacyDecisionCount>
      weak_group_{};
  KeyExchangeCounters key_exchange_;
  SuiteCounters negotiated_;
  SuiteCounters upstream_negotiated_;
  prometheus::Histogram& handshake_duration_;
  prometheus::Counter& resumed_handshakes_;
  prometheus::Counter& bytes_in_;
  prometheus::Counter& bytes_out_;
  prometheus::Counter& upstream_connect_failures_;
  prometheus::Counter& upstream_resumed_handshakes_;
  prometheus::Counter& client_truncations_;
  prometheus::Gauge& brownout_active_;
  prometheus::Gauge* policy_info_ = nullptr;  // guarded by Metrics::mutex_
  prometheus::Gauge* next_change_ = nullptr;  // guarded by Metrics::mutex_
};

/// The series of one listener that are counted before a client names its host (connections,
/// accept errors, limits), its per-client legacy table, and its routes. Obtained from
/// Metrics::listener(); lives as long as the Metrics.
class ListenerMetrics {
 public:
  void connection_opened() {
    connections_total_.Increment();
    connections_active_.Increment();
  }
  void connection_closed() { connections_active_.Decrement(); }
  /// A handshake thread handed an established connection to a worker.
  void count_hand_over() { handed_over_.Increment(); }
  void count_accept_error() { accept_errors_.Increment(); }
  /// A client refused by one of the listener's limits (or the descriptor reserve).
  void count_limit_rejection(config::Limit limit) {
    limit_rejections_[static_cast<std::size_t>(limit)]->Increment();
  }
  /// Handling a ClientHello threw inside BoringSSL's callback; that handshake failed.
  void count_client_hello_error() noexcept { client_hello_errors_.Increment(); }
  /// A connection closed for its PROXY protocol header: `reason` is untrusted, missing,
  /// malformed, oversized or timeout. Rare by design, so the series is looked up each time.
  void count_proxy_protocol_error(std::string_view reason);

  /// The series of route `name` ("default" for the listener's own keys), created on first call.
  RouteMetrics& route(const std::string& name);
  /// Per-client accounting of this listener's legacy handshakes (all its routes).
  LegacyClientTracker& legacy_clients() { return legacy_clients_; }
  /// The verified client certificates of this listener (all its routes), for their expiry.
  ClientCertificateTable& client_certificates() { return client_certificates_; }
  const std::string& name() const { return name_; }

 private:
  friend class Metrics;

  ListenerMetrics(Metrics& owner, const std::string& name);

  Metrics& owner_;
  std::string name_;
  prometheus::Counter& connections_total_;
  prometheus::Gauge& connections_active_;
  prometheus::Counter& handed_over_;
  prometheus::Counter& accept_errors_;
  std::array<prometheus::Counter*, config::kLimits.size()> limit_rejections_{};
  prometheus::Counter& client_hello_errors_;
  std::map<std::string, std::unique_ptr<RouteMetrics>, std::less<>> routes_;  // Metrics::mutex_
  // This listener's certificate series (expiry, loaded) as published; Metrics::mutex_.
  std::vector<std::pair<prometheus::Gauge*, prometheus::Gauge*>> certificates_;
  LegacyClientTracker legacy_clients_;
  LegacyClientSeries legacy_client_series_;  // guarded by Metrics::mutex_
  ClientCertificateTable client_certificates_;
};

/// The policy one route enforces, as tlsfloor_policy_info shows it.
struct RoutePolicySample {
  std::string route;
  std::string_view min_version;
  std::string_view max_version;
  std::string_view mode;
  std::string_view cipher_mode;
  std::string_view groups_mode = "enforce";
  /// The next step of the route's enforcement schedule: its Unix time and the mode it sets.
  /// Absent when no step is left (tlsfloor_enforcement_next_change_timestamp_seconds has none).
  std::optional<double> next_change_seconds;
  std::string_view next_mode;
};

/// One certificate a listener serves, as the certificate metrics show it.
struct CertificateSample {
  std::string route;  // whose list it is in ("default": the listener's own)
  std::string subject;
  std::string serial;
  std::string key_type;
  double expiry_seconds = 0;  // Unix time of its notAfter
  double loaded_seconds = 0;  // Unix time it was read
};

/// One listener's legacy-client table at one instant, for JSON views.
struct ListenerLegacyClients {
  std::string listener;
  std::size_t top_k = 0;
  LegacyClientTracker::Contents contents;
};

/// Owns the registry. One per process.
class Metrics {
 public:
  /// `legacy_clients` sizes every listener's per-client table (fixed for the process's life).
  explicit Metrics(const config::LegacyClientsConfig& legacy_clients = {});
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// The handles of listener `name`, created on first call.
  ListenerMetrics& listener(const std::string& name);
  /// Publishes the listener's `tlsfloor_policy_info` series, one per route, and the next change
  /// of each scheduled route, replacing all it had (a route removed by a reload loses its
  /// series; its counters stay).
  void publish_policy(const std::string& name, const std::vector<RoutePolicySample>& routes);
  /// Publishes the listener's certificate series (expiry and load time, one pair per
  /// certificate), replacing all it had: a reload that changes a certificate replaces its series.
  void publish_certificates(const std::string& name,
                            const std::vector<CertificateSample>& certificates);
  /// A listener was closed by a reload: its policies and certificates are no longer in force.
  /// Its counters stay (they are counters) and continue if it comes back.
  void withdraw_policy(const std::string& name);
  /// A listener with only its default route and that policy (tests).
  RouteMetrics& listener(const std::string& name, std::string_view min_version,
                         std::string_view max_version, std::string_view mode) {
    publish_policy(name,
                   {{"default", min_version, max_version, mode, "enforce", "enforce", {}, {}}});
    return listener(name).route("default");
  }

  /// A configuration was loaded: at start (`reload` false) or by a reload that succeeded.
  void config_loaded(std::chrono::system_clock::time_point when, bool reload);
  /// A reload was refused; the running configuration stays.
  void config_reload_failed() { reload_failures_.Increment(); }
  /// A reload that certificate_reload started because files changed, and how it went (it is
  /// also counted as a configuration reload).
  void certificate_reloaded(bool ok) {
    (ok ? certificate_reload_successes_ : certificate_reload_failures_).Increment();
  }

  /// The counters of the handshake log written to `path`.
  HandshakeLogCounters handshake_log(const std::string& path);
  /// The signing pool's series; they exist from start, at 0 (also with no pool).
  SigningCounters signing() { return signing_; }
  /// How many handshake threads there are (set once, at start).
  void set_handshake_threads(unsigned threads) { handshake_threads_.Set(threads); }
  /// Whether new connections go to the handshake threads (a storm of full handshakes) or to
  /// the workers; a storm that starts is counted.
  void set_handshake_storm(bool raging) {
    if (raging && handshake_storm_.Value() == 0) handshake_storms_.Increment();
    handshake_storm_.Set(raging ? 1 : 0);
  }
  /// The admin port's open connections.
  void set_admin_connections(std::size_t open) {
    admin_connections_.Set(static_cast<double>(open));
  }
  /// An admin connection closed for admin.max_connections: `evicted` (it was idle and made room)
  /// or `refused` (a newcomer found every connection busy).
  void count_admin_over_cap(std::string_view how) {
    (how == "evicted" ? admin_evicted_ : admin_refused_).Increment();
  }

  /// Everything, in the Prometheus text exposition format (version 0.0.4), with the exceptions
  /// in force as `exceptions` says. Not const: the per-client series remember which clients
  /// they showed last time.
  std::string render(const std::vector<ExceptionSample>& exceptions = {},
                     const std::optional<ClientLedgerSample>& ledger = std::nullopt);

  /// Every listener's legacy-client table, in listener-name order.
  std::vector<ListenerLegacyClients> legacy_clients() const;

  prometheus::Registry& registry() { return *registry_; }

 private:
  friend class ListenerMetrics;
  friend class RouteMetrics;
  friend class SuiteCounters;
  friend class KeyExchangeCounters;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& handshakes_;
  prometheus::Family<prometheus::Counter>& legacy_handshakes_;
  prometheus::Family<prometheus::Counter>& weak_cipher_handshakes_;
  prometheus::Family<prometheus::Counter>& legacy_handshakes_by_family_;
  prometheus::Family<prometheus::Counter>& legacy_handshakes_by_owner_;
  prometheus::Family<prometheus::Counter>& negotiated_ciphers_;
  prometheus::Family<prometheus::Counter>& weak_group_handshakes_;
  prometheus::Family<prometheus::Counter>& key_exchange_handshakes_;
  prometheus::Family<prometheus::Counter>& handshake_failures_;
  prometheus::Family<prometheus::Counter>& client_certificate_handshakes_;
  prometheus::Family<prometheus::Histogram>& handshake_duration_;
  prometheus::Family<prometheus::Counter>& resumed_handshakes_;
  prometheus::Family<prometheus::Counter>& connections_total_;
  prometheus::Family<prometheus::Gauge>& connections_active_;
  prometheus::Family<prometheus::Counter>& handed_over_;
  prometheus::Gauge& handshake_threads_;
  prometheus::Gauge& handshake_storm_;
  prometheus::Counter& handshake_storms_;
  prometheus::Gauge& admin_connections_;
  prometheus::Family<prometheus::Counter>& admin_over_cap_;
  prometheus::Counter& admin_evicted_;
  prometheus::Counter& admin_refused_;
  prometheus::Family<prometheus::Counter>& bytes_;
  prometheus::Family<prometheus::Counter>& upstream_connect_failures_;
  prometheus::Family<prometheus::Counter>& upstream_handshakes_;
  prometheus::Family<prometheus::Counter>& upstream_negotiated_ciphers_;
  prometheus::Family<prometheus::Counter>& upstream_resumed_handshakes_;
  prometheus::Family<prometheus::Counter>& client_truncations_;
  prometheus::Family<prometheus::Counter>& accept_errors_;
  prometheus::Family<prometheus::Counter>& limit_rejections_;
  prometheus::Family<prometheus::Counter>& proxy_protocol_errors_;
  prometheus::Family<prometheus::Counter>& client_hello_errors_;
  prometheus::Family<prometheus::Gauge>& brownout_active_;
  prometheus::Family<prometheus::Counter>& config_reloads_;
  prometheus::Counter& reload_successes_;
  prometheus::Counter& reload_failures_;
  prometheus::Family<prometheus::Counter>& certificate_reloads_;
  prometheus::Counter& certificate_reload_successes_;
  prometheus::Counter& certificate_reload_failures_;
  prometheus::Gauge& last_reload_success_;
  prometheus::Family<prometheus::Counter>& access_log_lines_;
  prometheus::Family<prometheus::Counter>& access_log_dropped_;
  prometheus::Family<prometheus::Gauge>& policy_info_;
  prometheus::Family<prometheus::Gauge>& enforcement_next_change_;
  prometheus::Family<prometheus::Gauge>& certificate_expiry_;
  prometheus::Family<prometheus::Gauge>& certificate_loaded_;
  prometheus::Family<prometheus::Gauge>& build_info_;
  SigningCounters signing_;
  const config::LegacyClientsConfig legacy_clients_config_;

  // Built at each scrape from the trackers, not kept in the registry: the set of clients
  // shown changes between scrapes.
  std::vector<prometheus::MetricFamily> collect_legacy_clients();
  // Built at each scrape from the client-certificate tables: the soonest to expire.
  std::vector<prometheus::MetricFamily> collect_client_certificates();
  // Built at each scrape from the exception ledger's records.
  static std::vector<prometheus::MetricFamily> collect_client_ledger(
      const ClientLedgerSample& ledger);
  static std::vector<prometheus::MetricFamily> collect_exceptions(
      const std::vector<ExceptionSample>& exceptions);

  mutable std::mutex mutex_;  // listeners_, policy_info and client series; never on the data path
  std::map<std::string, std::unique_ptr<ListenerMetrics>, std::less<>> listeners_;
};

/// Label values, shared with logs and JSON views.
std::string_view to_string(HandshakeOutcome outcome);
std::string_view to_string(Direction direction);

}  // namespace tlsfloor::metrics
