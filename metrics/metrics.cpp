#include "metrics/metrics.h"

#include <algorithm>

#include <prometheus/text_serializer.h>

#include "config/named_group.h"
#include "config/timestamp.h"
#include "config/tls_version.h"
#include "metrics/build_info.h"

namespace tlsfloor::metrics {
namespace {

template <typename Builder>
auto& named(Builder builder, const char* name, const char* help, prometheus::Registry& registry) {
  return builder.Name(name).Help(help).Register(registry);
}

// Handshake latency spans a resumed TLS 1.3 handshake on loopback (well under 1 ms) to a
// client on a slow mobile link (seconds).
const prometheus::Histogram::BucketBoundaries kHandshakeBuckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// From a free signing thread (well under a millisecond) to a queue that makes clients give up.
const prometheus::Histogram::BucketBoundaries kSigningWaitBuckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

SigningCounters signing_counters(prometheus::Registry& registry) {
  auto& signatures = named(prometheus::BuildCounter(), "tlsfloor_signatures_total",
                           "Certificate signatures of the signing pool (signing_threads), by "
                           "outcome: made, failed, or abandoned (the handshake had ended, e.g. "
                           "timed out, before a signing thread took it).",
                           registry);
  return {
      signatures.Add({{"outcome", "made"}}),
      signatures.Add({{"outcome", "failed"}}),
      signatures.Add({{"outcome", "abandoned"}}),
      named(prometheus::BuildHistogram(), "tlsfloor_signing_queue_wait_seconds",
            "Time each signature waited in the signing pool's queue for a thread.", registry)
          .Add({}, kSigningWaitBuckets),
      named(prometheus::BuildGauge(), "tlsfloor_signing_queue_length",
            "Signatures waiting for a signing thread.", registry)
          .Add({}),
      named(prometheus::BuildGauge(), "tlsfloor_signing_threads",
            "Threads of the signing pool (0: each worker signs on its own thread).", registry)
          .Add({}),
  };
}

}  // namespace

std::string_view to_string(HandshakeOutcome outcome) {
  switch (outcome) {
    case HandshakeOutcome::accepted:
      return "accepted";
    case HandshakeOutcome::rejected:
      return "rejected";
    case HandshakeOutcome::failed:
      return "failed";
  }
  return "failed";
}

std::string_view to_string(Direction direction) {
  return direction == Direction::client_to_upstream ? "client_to_upstream" : "upstream_to_client";
}

Metrics::Metrics(const config::LegacyClientsConfig& legacy_clients)
    : registry_(std::make_shared<prometheus::Registry>()),
      handshakes_(named(prometheus::BuildCounter(), "tlsfloor_handshakes_total",
                        "TLS handshakes by version (negotiated if accepted, else highest "
                        "offered) and outcome (accepted, rejected by policy, failed).",
                        *registry_)),
      legacy_handshakes_(named(prometheus::BuildCounter(), "tlsfloor_legacy_handshakes_total",
                               "Handshakes from clients whose best offered version is below "
                               "the listener's floor, by decision.",
                               *registry_)),
      weak_cipher_handshakes_(
          named(prometheus::BuildCounter(), "tlsfloor_weak_cipher_handshakes_total",
                "Handshakes from clients that meet the version floor but offer none of the "
                "listener's ciphers (tls.ciphers) at the version they negotiate, by decision.",
                *registry_)),
      legacy_handshakes_by_family_(
          named(prometheus::BuildCounter(), "tlsfloor_legacy_handshakes_by_family_total",
                "Legacy handshakes (below the version floor or the cipher floor, each counted "
                "once) by the client family their ClientHello matches (unknown: none), by "
                "decision.",
                *registry_)),
      legacy_handshakes_by_owner_(
          named(prometheus::BuildCounter(), "tlsfloor_legacy_handshakes_by_owner_total",
                "Legacy handshakes (below either floor, each counted once) by the owner the "
                "owner directory gives their client (unowned: none), by decision.",
                *registry_)),
      negotiated_ciphers_(named(prometheus::BuildCounter(), "tlsfloor_negotiated_ciphers_total",
                                "Accepted handshakes by negotiated version and cipher suite "
                                "(IANA name).",
                                *registry_)),
      weak_group_handshakes_(
          named(prometheus::BuildCounter(), "tlsfloor_weak_group_handshakes_total",
                "Handshakes from clients whose supported groups name none of the listener's "
                "groups (tls.groups), by the version they negotiate and decision.",
                *registry_)),
      key_exchange_handshakes_(
          named(prometheus::BuildCounter(), "tlsfloor_key_exchange_handshakes_total",
                "Completed handshakes by the key-exchange group negotiated (none: static RSA; "
                "other: a group outside the TLS library's) and by whether the client offered a "
                "post-quantum group (pq_offered).",
                *registry_)),
      handshake_failures_(named(prometheus::BuildCounter(), "tlsfloor_handshake_failures_total",
                                "Client handshakes that did not complete, refused ones "
                                "included, by reason: no_shared_cipher, unsupported_version, "
                                "no_shared_group, inappropriate_fallback, client_alert:<alert>, "
                                "not_tls, closed, timeout, malformed_hello, internal_error, "
                                "aborted, keyserver:<outcome> or protocol_error.",
                                *registry_)),
      client_certificate_handshakes_(
          named(prometheus::BuildCounter(), "tlsfloor_client_certificate_handshakes_total",
                "Handshakes of routes with client_auth by what the client certificate came to: "
                "verified, absent (let in under optional, refused under require), or refused as "
                "untrusted, expired, revoked, not_allowed or invalid.",
                *registry_)),
      handshake_duration_(named(prometheus::BuildHistogram(), "tlsfloor_handshake_duration_seconds",
                                "Time from accept to a completed TLS handshake.", *registry_)),
      resumed_handshakes_(named(prometheus::BuildCounter(), "tlsfloor_resumed_handshakes_total",
                                "Accepted handshakes that resumed a session (ticket or session "
                                "cache) instead of a full handshake.",
                                *registry_)),
      connections_total_(named(prometheus::BuildCounter(), "tlsfloor_connections_total",
                               "Client connections accepted.", *registry_)),
      connections_active_(named(prometheus::BuildGauge(), "tlsfloor_connections_active",
                                "Client connections currently open.", *registry_)),
      handed_over_(named(prometheus::BuildCounter(), "tlsfloor_connections_handed_over_total",
                         "Established connections a handshake thread handed to a worker "
                         "(handshake_threads) to relay.",
                         *registry_)),
      handshake_threads_(named(prometheus::BuildGauge(), "tlsfloor_handshake_threads",
                               "Threads that accept and run handshakes (0: each worker runs its "
                               "own).",
                               *registry_)
                             .Add({})),
      handshake_storm_(named(prometheus::BuildGauge(), "tlsfloor_handshake_storm",
                             "1 while full handshakes come at handshake_storm_rate or more and "
                             "new connections go to the handshake threads; 0 while the workers "
                             "accept and run them.",
                             *registry_)
                           .Add({})),
      handshake_storms_(named(prometheus::BuildCounter(), "tlsfloor_handshake_storms_total",
                              "Storms of full handshakes that sent new connections to the "
                              "handshake threads.",
                              *registry_)
                            .Add({})),
      admin_connections_(named(prometheus::BuildGauge(), "tlsfloor_admin_connections",
                               "Connections open on the admin port (at most "
                               "admin.max_connections).",
                               *registry_)
                             .Add({})),
      admin_over_cap_(named(prometheus::BuildCounter(), "tlsfloor_admin_connections_closed_total",
                            "Admin connections closed because admin.max_connections was "
                            "reached, by reason: evicted (idle the longest, closed to make "
                            "room) or refused (a new one, when none was idle).",
                            *registry_)),
      admin_evicted_(admin_over_cap_.Add({{"reason", "evicted"}})),
      admin_refused_(admin_over_cap_.Add({{"reason", "refused"}})),
      bytes_(named(prometheus::BuildCounter(), "tlsfloor_bytes_total",
                   "Application bytes proxied, by direction.", *registry_)),
      upstream_connect_failures_(
          named(prometheus::BuildCounter(), "tlsfloor_upstream_connect_failures_total",
                "Upstream connections that failed or timed out (with upstream.tls, also "
                "those whose TLS handshake failed).",
                *registry_)),
      upstream_handshakes_(
          named(prometheus::BuildCounter(), "tlsfloor_upstream_handshakes_total",
                "TLS handshakes with upstreams (upstream.tls) by version (negotiated; unknown when "
                "the handshake failed before one was agreed) and outcome: completed, or why it "
                "failed (certificate_untrusted, certificate_name_mismatch, certificate_expired, "
                "certificate_invalid, version_mismatch, handshake_refused, certificate_required, "
                "closed, timeout, protocol_error).",
                *registry_)),
      upstream_negotiated_ciphers_(
          named(prometheus::BuildCounter(), "tlsfloor_upstream_negotiated_ciphers_total",
                "Completed TLS handshakes with upstreams (upstream.tls) by negotiated version "
                "and cipher suite (IANA name).",
                *registry_)),
      upstream_resumed_handshakes_(
          named(prometheus::BuildCounter(), "tlsfloor_upstream_resumed_handshakes_total",
                "Completed upstream TLS handshakes that resumed an earlier session.", *registry_)),
      client_truncations_(named(prometheus::BuildCounter(), "tlsfloor_client_truncations_total",
                                "Client streams that ended without close_notify after the "
                                "handshake (a bare FIN or a reset): passed to the upstream as a "
                                "reset, so a cut-short request never looks complete.",
                                *registry_)),
      accept_errors_(named(prometheus::BuildCounter(), "tlsfloor_accept_errors_total",
                           "Failed accept() calls (e.g. out of file descriptors); accepting "
                           "is retried with backoff.",
                           *registry_)),
      limit_rejections_(named(prometheus::BuildCounter(), "tlsfloor_limit_rejections_total",
                              "Clients closed at once (with a reset) because accepting them "
                              "would exceed a limit of the listener, by limit: connections, "
                              "handshakes_in_flight, handshakes_per_source, or descriptors (the "
                              "process is within its descriptor reserve).",
                              *registry_)),
      proxy_protocol_errors_(named(prometheus::BuildCounter(),
                                   "tlsfloor_proxy_protocol_errors_total",
                                   "Connections closed for their PROXY protocol header, by reason: "
                                   "untrusted (a header from an address not in trusted), missing, "
                                   "malformed, oversized, or timeout (not complete in time).",
                                   *registry_)),
      client_hello_errors_(named(prometheus::BuildCounter(), "tlsfloor_client_hello_errors_total",
                                 "ClientHellos whose handling failed inside tlsfloor (an "
                                 "exception in the early callback); each such handshake failed.",
                                 *registry_)),
      brownout_active_(named(prometheus::BuildGauge(), "tlsfloor_brownout_active",
                             "1 while a brownout window is active on the listener (mode "
                             "brownout), else 0.",
                             *registry_)),
      config_reloads_(named(prometheus::BuildCounter(), "tlsfloor_config_reloads_total",
                            "Configuration reloads (SIGHUP, POST /reload) by result: success "
                            "or failure (the running configuration stayed).",
                            *registry_)),
      reload_successes_(config_reloads_.Add({{"result", "success"}})),
      reload_failures_(config_reloads_.Add({{"result", "failure"}})),
      certificate_reloads_(named(prometheus::BuildCounter(), "tlsfloor_certificate_reloads_total",
                                 "Reloads started because a certificate, key, CA or ticket-keys "
                                 "file changed (certificate_reload), by result: success, or "
                                 "failure (a broken or half-written file: the running "
                                 "certificates stay).",
                                 *registry_)),
      certificate_reload_successes_(certificate_reloads_.Add({{"result", "success"}})),
      certificate_reload_failures_(certificate_reloads_.Add({{"result", "failure"}})),
      last_reload_success_(
          named(prometheus::BuildGauge(), "tlsfloor_config_last_reload_success_timestamp_seconds",
                "Unix time the running configuration was loaded (at start or by a reload).",
                *registry_)
              .Add({})),
      access_log_lines_(named(prometheus::BuildCounter(), "tlsfloor_access_log_lines_total",
                              "Lines written to the handshake log.", *registry_)),
      access_log_dropped_(
          named(prometheus::BuildCounter(), "tlsfloor_access_log_dropped_total",
                "Handshake log lines lost: queue_full (the writer fell behind, e.g. a slow "
                "disk) or write_error (the write failed, e.g. a full disk).",
                *registry_)),
      policy_info_(named(prometheus::BuildGauge(), "tlsfloor_policy_info",
                         "The policy in force on each listener and route: version range, mode "
                         "and cipher_mode (always 1).",
                         *registry_)),
      enforcement_next_change_(
          named(prometheus::BuildGauge(), "tlsfloor_enforcement_next_change_timestamp_seconds",
                "When the next step of each route's enforcement schedule takes effect, Unix time, "
                "labelled with the mode it sets; absent when no step is left.",
                *registry_)),
      certificate_expiry_(
          named(prometheus::BuildGauge(), "tlsfloor_certificate_expiry_timestamp_seconds",
                "When each certificate a listener serves expires (its notAfter), Unix time.",
                *registry_)),
      certificate_loaded_(named(
          prometheus::BuildGauge(), "tlsfloor_certificate_loaded_timestamp_seconds",
          "When tlsfloor last read each certificate a listener serves, Unix time.", *registry_)),
      build_info_(named(prometheus::BuildGauge(), "tlsfloor_build_info",
                        "tlsfloor's version and TLS library (always 1).", *registry_)),
      signing_(signing_counters(*registry_)),
      legacy_clients_config_(legacy_clients) {
  build_info_.Add({{"version", std::string(kVersion)}, {"tls_library", std::string(kTlsLibrary)}})
      .Set(1);
}

ListenerMetrics& Metrics::listener(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = listeners_.find(name);
  if (it == listeners_.end()) {
    it =
        listeners_.emplace(name, std::unique_ptr<ListenerMetrics>(new ListenerMetrics(*this, name)))
            .first;
  }
  return *it->second;
}

void Metrics::publish_policy(const std::string& name,
                             const std::vector<RoutePolicySample>& routes) {
  ListenerMetrics& listener = this->listener(name);
  std::vector<RouteMetrics*> handles;
  for (const RoutePolicySample& sample : routes) handles.push_back(&listener.route(sample.route));
  std::lock_guard lock(mutex_);
  for (auto& [route_name, route] : listener.routes_) {
    if (route->policy_info_ != nullptr) policy_info_.Remove(route->policy_info_);
    route->policy_info_ = nullptr;
    if (route->next_change_ != nullptr) enforcement_next_change_.Remove(route->next_change_);
    route->next_change_ = nullptr;
  }
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const RoutePolicySample& sample = routes[i];
    handles[i]->policy_info_ =
        &policy_info_.Add({{"listener", name},
                           {"route", sample.route},
                           {"min_version", std::string(sample.min_version)},
                           {"max_version", std::string(sample.max_version)},
                           {"mode", std::string(sample.mode)},
                           {"cipher_mode", std::string(sample.cipher_mode)},
                           {"groups_mode", std::string(sample.groups_mode)}});
    handles[i]->policy_info_->Set(1);
    if (sample.next_change_seconds) {
      handles[i]->next_change_ = &enforcement_next_change_.Add(
          {{"listener", name}, {"route", sample.route}, {"mode", std::string(sample.next_mode)}});
      handles[i]->next_change_->Set(*sample.next_change_seconds);
    }
  }
}

void Metrics::config_loaded(std::chrono::system_clock::time_point when, bool reload) {
  if (reload) reload_successes_.Increment();
  last_reload_success_.Set(config::to_unix_seconds(when));
}

HandshakeLogCounters Metrics::handshake_log(const std::string& path) {
  return {access_log_lines_.Add({{"path", path}}),
          access_log_dropped_.Add({{"path", path}, {"reason", "queue_full"}}),
          access_log_dropped_.Add({{"path", path}, {"reason", "write_error"}})};
}

void Metrics::publish_certificates(const std::string& name,
                                   const std::vector<CertificateSample>& certificates) {
  ListenerMetrics& listener = this->listener(name);
  std::lock_guard lock(mutex_);
  for (const auto& [expiry, loaded] : listener.certificates_) {
    certificate_expiry_.Remove(expiry);
    certificate_loaded_.Remove(loaded);
  }
  listener.certificates_.clear();
  for (const CertificateSample& sample : certificates) {
    const prometheus::Labels labels = {{"listener", name},
                                       {"route", sample.route},
                                       {"subject", sample.subject},
                                       {"serial", sample.serial},
                                       {"key_type", sample.key_type}};
    prometheus::Gauge& expiry = certificate_expiry_.Add(labels);
    prometheus::Gauge& loaded = certificate_loaded_.Add(labels);
    expiry.Set(sample.expiry_seconds);
    loaded.Set(sample.loaded_seconds);
    // The same certificate listed twice is one series: remember it once.
    const bool known = std::any_of(listener.certificates_.begin(), listener.certificates_.end(),
                                   [&](const auto& pair) { return pair.first == &expiry; });
    if (!known) listener.certificates_.emplace_back(&expiry, &loaded);
  }
}

void Metrics::withdraw_policy(const std::string& name) {
  publish_policy(name, {});
  publish_certificates(name, {});
}

std::string Metrics::render(const std::vector<ExceptionSample>& exceptions,
                            const std::optional<ClientLedgerSample>& ledger) {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  for (auto& family : collect_legacy_clients()) families.push_back(std::move(family));
  for (auto& family : collect_client_certificates()) families.push_back(std::move(family));
  for (auto& family : collect_exceptions(exceptions)) families.push_back(std::move(family));
  if (ledger) {
    for (auto& family : collect_client_ledger(*ledger)) families.push_back(std::move(family));
  }
  return prometheus::TextSerializer().Serialize(families);
}

std::vector<prometheus::MetricFamily> Metrics::collect_client_ledger(
    const ClientLedgerSample& ledger) {
  const auto gauge = [](std::string name, std::string help, double value) {
    prometheus::MetricFamily family{
        std::move(name), std::move(help), prometheus::MetricType::Gauge, {}};
    family.metric.push_back({});
    family.metric.back().gauge.value = value;
    return family;
  };
  prometheus::MetricFamily removed{
      "tlsfloor_client_ledger_removed_total",
      "Clients the client ledger let go: `evicted` for room (legacy_clients.ledger.max_entries, "
      "least recently seen first), `expired` not seen within the horizon.",
      prometheus::MetricType::Counter,
      {}};
  for (const auto& [reason, count] :
       {std::pair{"evicted", ledger.evicted}, std::pair{"expired", ledger.expired}}) {
    removed.metric.push_back({});
    removed.metric.back().label = {{"reason", reason}};
    removed.metric.back().counter.value = static_cast<double>(count);
  }
  std::vector<prometheus::MetricFamily> families;
  families.push_back(gauge("tlsfloor_client_ledger_clients",
                           "Clients in the client ledger (legacy clients seen within its horizon).",
                           static_cast<double>(ledger.entries)));
  families.push_back(gauge("tlsfloor_client_ledger_max_clients",
                           "legacy_clients.ledger.max_entries: the ledger's bound.",
                           static_cast<double>(ledger.max_entries)));
  families.push_back(std::move(removed));
  return families;
}

std::vector<prometheus::MetricFamily> Metrics::collect_exceptions(
    const std::vector<ExceptionSample>& exceptions) {
  prometheus::MetricFamily handshakes{"tlsfloor_exception_handshakes_total",
                                      "Legacy handshakes let in by each exception (override).",
                                      prometheus::MetricType::Counter,
                                      {}};
  prometheus::MetricFamily last_used{"tlsfloor_exception_last_used_timestamp_seconds",
                                     "Unix time each exception last let a client in (0: never).",
                                     prometheus::MetricType::Gauge,
                                     {}};
  prometheus::MetricFamily expiry{"tlsfloor_exception_expiry_timestamp_seconds",
                                  "Unix time each exception stops matching.",
                                  prometheus::MetricType::Gauge,
                                  {}};
  prometheus::MetricFamily owner{"tlsfloor_exception_owner_info",
                                 "The owner directory's owner of each exception that has one "
                                 "(always 1): join on exception, listener and route to route its "
                                 "alerts to the owner.",
                                 prometheus::MetricType::Gauge,
                                 {}};
  for (const ExceptionSample& sample : exceptions) {
    const std::vector<prometheus::ClientMetric::Label> labels{
        {"exception", sample.exception}, {"listener", sample.listener}, {"route", sample.route}};
    if (!sample.owner.empty()) {
      owner.metric.push_back({});
      owner.metric.back().label = labels;
      owner.metric.back().label.push_back({"owner", sample.owner});
      owner.metric.back().gauge.value = 1;
    }
    handshakes.metric.push_back({});
    handshakes.metric.back().label = labels;
    handshakes.metric.back().counter.value = static_cast<double>(sample.handshakes);
    last_used.metric.push_back({});
    last_used.metric.back().label = labels;
    last_used.metric.back().gauge.value =
        sample.last_used ? config::to_unix_seconds(*sample.last_used) : 0.0;
    expiry.metric.push_back({});
    expiry.metric.back().label = labels;
    expiry.metric.back().gauge.value = config::to_unix_seconds(sample.expiry);
  }
  std::vector<prometheus::MetricFamily> families;
  // A family without samples is left out, as the registry leaves out families never used.
  for (auto* family : {&handshakes, &last_used, &expiry, &owner}) {
    if (!family->metric.empty()) families.push_back(std::move(*family));
  }
  return families;
}

std::vector<prometheus::MetricFamily> Metrics::collect_legacy_clients() {
  prometheus::MetricFamily handshakes{
      "tlsfloor_legacy_client_handshakes_total",
      "Legacy handshakes of the heaviest clients (top metrics_top_n per listener, each counted "
      "from when it entered the top) and of all others (client=\"other\"), by the version "
      "judged and the decision.",
      prometheus::MetricType::Counter,
      {}};
  prometheus::MetricFamily tracked{
      "tlsfloor_legacy_clients_tracked",
      "Clients in the listener's legacy-client table (at most legacy_clients.top_k).",
      prometheus::MetricType::Gauge,
      {}};
  const std::lock_guard lock(mutex_);
  for (auto& [name, listener] : listeners_) {
    const auto contents = listener->legacy_clients_.contents();
    tracked.metric.push_back({});
    tracked.metric.back().label = {{"listener", name}};
    tracked.metric.back().gauge.value = static_cast<double>(contents.clients.size());
    for (const auto& sample :
         listener->legacy_client_series_.update(contents, legacy_clients_config_.metrics_top_n)) {
      prometheus::ClientMetric metric;
      metric.label = {{"listener", name},
                      {"client", sample.client},
                      {"version", std::string(config::wire_version_label(sample.version_wire))},
                      {"decision", std::string(to_string(sample.decision))}};
      metric.counter.value = static_cast<double>(sample.value);
      handshakes.metric.push_back(std::move(metric));
    }
  }
  std::vector<prometheus::MetricFamily> families;
  families.push_back(std::move(handshakes));
  families.push_back(std::move(tracked));
  return families;
}

std::vector<prometheus::MetricFamily> Metrics::collect_client_certificates() {
  prometheus::MetricFamily expiry{
      "tlsfloor_client_certificate_expiry_timestamp_seconds",
      "When the client certificate each subject last presented expires (its notAfter), Unix "
      "time: the legacy_clients.metrics_top_n soonest to expire per listener.",
      prometheus::MetricType::Gauge,
      {}};
  prometheus::MetricFamily seen{"tlsfloor_client_certificate_last_seen_timestamp_seconds",
                                "When that certificate was last presented (verified), Unix time.",
                                prometheus::MetricType::Gauge,
                                {}};
  const std::lock_guard lock(mutex_);
  for (auto& [name, listener] : listeners_) {
    for (const auto& entry :
         listener->client_certificates_.soonest_expiring(legacy_clients_config_.metrics_top_n)) {
      const std::vector<prometheus::ClientMetric::Label> labels{
          {"listener", name}, {"serial", entry.serial}, {"subject", entry.subject}};
      expiry.metric.push_back({});
      expiry.metric.back().label = labels;
      expiry.metric.back().gauge.value = config::to_unix_seconds(entry.not_after);
      seen.metric.push_back({});
      seen.metric.back().label = labels;
      seen.metric.back().gauge.value = config::to_unix_seconds(entry.last_seen);
    }
  }
  std::vector<prometheus::MetricFamily> families;
  // Without samples the families are left out, as the registry leaves out families never used.
  if (!expiry.metric.empty()) {
    families.push_back(std::move(expiry));
    families.push_back(std::move(seen));
  }
  return families;
}

std::vector<ListenerLegacyClients> Metrics::legacy_clients() const {
  std::vector<ListenerLegacyClients> result;
  const std::lock_guard lock(mutex_);
  for (const auto& [name, listener] : listeners_) {
    result.push_back({name, legacy_clients_config_.top_k, listener->legacy_clients_.contents()});
  }
  return result;
}

ListenerMetrics::ListenerMetrics(Metrics& owner, const std::string& name)
    : owner_(owner),
      name_(name),
      connections_total_(owner.connections_total_.Add({{"listener", name}})),
      connections_active_(owner.connections_active_.Add({{"listener", name}})),
      handed_over_(owner.handed_over_.Add({{"listener", name}})),
      accept_errors_(owner.accept_errors_.Add({{"listener", name}})),
      client_hello_errors_(owner.client_hello_errors_.Add({{"listener", name}})),
      legacy_clients_(LegacyClientTracker::Options{.top_k = owner.legacy_clients_config_.top_k}),
      client_certificates_(owner.legacy_clients_config_.top_k) {
  // Every limit's series exists from the start, so rate() and alerts see the first refusal.
  for (const config::Limit limit : config::kLimits) {
    limit_rejections_[static_cast<std::size_t>(limit)] = &owner.limit_rejections_.Add(
        {{"listener", name}, {"limit", std::string(config::to_string(limit))}});
  }
}

void ListenerMetrics::count_proxy_protocol_error(std::string_view reason) {
  owner_.proxy_protocol_errors_.Add({{"listener", name_}, {"reason", std::string(reason)}})
      .Increment();
}

RouteMetrics& ListenerMetrics::route(const std::string& name) {
  std::lock_guard lock(owner_.mutex_);
  auto it = routes_.find(name);
  if (it == routes_.end()) {
    it = routes_.emplace(name, std::unique_ptr<RouteMetrics>(new RouteMetrics(owner_, name_, name)))
             .first;
  }
  return *it->second;
}

RouteMetrics::RouteMetrics(Metrics& owner, const std::string& listener, const std::string& route)
    : owner_(owner),
      listener_(listener),
      route_(route),
      handshake_duration_(owner.handshake_duration_.Add({{"listener", listener}, {"route", route}},
                                                        kHandshakeBuckets)),
      resumed_handshakes_(
          owner.resumed_handshakes_.Add({{"listener", listener}, {"route", route}})),
      bytes_in_(owner.bytes_.Add(
          {{"listener", listener}, {"route", route}, {"direction", "client_to_upstream"}})),
      bytes_out_(owner.bytes_.Add(
          {{"listener", listener}, {"route", route}, {"direction", "upstream_to_client"}})),
      upstream_connect_failures_(
          owner.upstream_connect_failures_.Add({{"listener", listener}, {"route", route}})),
      upstream_resumed_handshakes_(
          owner.upstream_resumed_handshakes_.Add({{"listener", listener}, {"route", route}})),
      client_truncations_(
          owner.client_truncations_.Add({{"listener", listener}, {"route", route}})),
      brownout_active_(owner.brownout_active_.Add({{"listener", listener}, {"route", route}})) {}

prometheus::Counter& RouteMetrics::cached(std::atomic<prometheus::Counter*>& slot,
                                          prometheus::Family<prometheus::Counter>& family,
                                          const prometheus::Labels& labels) {
  prometheus::Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Two threads may race here; Family::Add returns the same counter for the same labels.
    counter = &family.Add(labels);
    slot.store(counter, std::memory_order_release);
  }
  return *counter;
}

prometheus::Counter& RouteMetrics::handshakes(std::uint16_t version_wire,
                                              HandshakeOutcome outcome) {
  const std::size_t index =
      config::wire_version_index(version_wire) * 3 + static_cast<std::size_t>(outcome);
  return cached(handshakes_[index], owner_.handshakes_,
                {{"listener", listener_},
                 {"route", route_},
                 {"version", std::string(config::wire_version_label(version_wire))},
                 {"outcome", std::string(to_string(outcome))}});
}

void RouteMetrics::count_handshake(std::uint16_t version_wire, HandshakeOutcome outcome) {
  handshakes(version_wire, outcome).Increment();
}

void RouteMetrics::prepare(const RouteSeriesPlan& plan) {
  constexpr std::uint16_t kEveryVersion[] = {0,
                                             config::wire::kSsl3_0,
                                             config::wire::kTls1_0,
                                             config::wire::kTls1_1,
                                             config::wire::kTls1_2,
                                             config::wire::kTls1_3};
  constexpr LegacyDecision kEveryDecision[] = {
      LegacyDecision::allowed_exception, LegacyDecision::rejected,
      LegacyDecision::rejected_brownout, LegacyDecision::would_reject};
  // Refusals and failures are counted by the version offered, which may be any.
  for (const std::uint16_t version : kEveryVersion) {
    handshakes(version, HandshakeOutcome::rejected);
    handshakes(version, HandshakeOutcome::failed);
  }
  for (const std::uint16_t version : plan.accepted_versions) {
    handshakes(version, HandshakeOutcome::accepted);
  }
  for (const LegacyDecision decision : kEveryDecision) {
    for (const std::uint16_t version : plan.legacy_versions) legacy(version, decision);
    for (const std::uint16_t version : plan.weak_versions) weak_cipher(version, decision);
    for (const std::uint16_t version : plan.weak_group_versions) weak_group(version, decision);
  }
  for (const std::uint16_t group : plan.key_exchange_groups) {
    for (const bool pq_offered : {false, true}) {
      key_exchange_.get(owner_, listener_, route_, group, pq_offered);
    }
  }
  for (const auto& suite : plan.suites) {
    negotiated_.get(owner_, owner_.negotiated_ciphers_, listener_, route_, suite.version_wire,
                    suite.code, suite.name);
  }
  for (const std::string_view reason : plan.failures) handshake_failure(reason);
  for (const std::uint16_t version : plan.upstream_versions) {
    cached(upstream_handshakes_[config::wire_version_index(version)], owner_.upstream_handshakes_,
           {{"listener", listener_},
            {"route", route_},
            {"version", std::string(config::wire_version_label(version))},
            {"outcome", "completed"}});
  }
  for (const auto& suite : plan.upstream_suites) {
    upstream_negotiated_.get(owner_, owner_.upstream_negotiated_ciphers_, listener_, route_,
                             suite.version_wire, suite.code, suite.name);
  }
  for (const std::string_view reason : plan.upstream_failures) upstream_failure(0, reason);
  if (plan.client_certificates) {
    for (const auto result : config::kClientCertificateResults) client_certificate(result);
  }
  for (const std::string& owner : plan.owners) {
    for (const LegacyDecision decision : kEveryDecision) {
      owner_.legacy_handshakes_by_owner_.Add(owner_labels(owner, decision));
    }
  }
}

prometheus::Labels RouteMetrics::owner_labels(std::string_view owner,
                                              LegacyDecision decision) const {
  return {{"listener", listener_},
          {"route", route_},
          {"owner", std::string(owner)},
          {"decision", std::string(to_string(decision))}};
}

void RouteMetrics::count_legacy_owner(std::string_view owner, LegacyDecision decision) {
  // Family::Add finds the series made at 0 by prepare(); legacy handshakes only.
  owner_.legacy_handshakes_by_owner_.Add(owner_labels(owner, decision)).Increment();
}

prometheus::Counter& RouteMetrics::client_certificate(config::ClientCertificateResult result) {
  return cached(client_certificates_[static_cast<std::size_t>(result)],
                owner_.client_certificate_handshakes_,
                {{"listener", listener_},
                 {"route", route_},
                 {"result", std::string(config::to_string(result))}});
}

void RouteMetrics::count_client_certificate(config::ClientCertificateResult result) {
  client_certificate(result).Increment();
}

prometheus::Counter& RouteMetrics::handshake_failure(std::string_view reason) {
  return owner_.handshake_failures_.Add(
      {{"listener", listener_}, {"route", route_}, {"reason", std::string(reason)}});
}

void RouteMetrics::count_handshake_failure(std::string_view reason) {
  handshake_failure(reason).Increment();
}

void RouteMetrics::count_upstream_handshake(std::uint16_t version_wire, bool resumed,
                                            std::uint16_t code, std::string_view name) {
  upstream_negotiated_
      .get(owner_, owner_.upstream_negotiated_ciphers_, listener_, route_, version_wire, code, name)
      .Increment();
  cached(upstream_handshakes_[config::wire_version_index(version_wire)],
         owner_.upstream_handshakes_,
         {{"listener", listener_},
          {"route", route_},
          {"version", std::string(config::wire_version_label(version_wire))},
          {"outcome", "completed"}})
      .Increment();
  if (resumed) upstream_resumed_handshakes_.Increment();
}

prometheus::Counter& RouteMetrics::upstream_failure(std::uint16_t version_wire,
                                                    std::string_view reason) {
  return owner_.upstream_handshakes_.Add(
      {{"listener", listener_},
       {"route", route_},
       {"version", std::string(config::wire_version_label(version_wire))},
       {"outcome", std::string(reason)}});
}

void RouteMetrics::count_upstream_handshake_failure(std::uint16_t version_wire,
                                                    std::string_view reason) {
  upstream_failure(version_wire, reason).Increment();
}

prometheus::Counter& RouteMetrics::legacy(std::uint16_t version_wire, LegacyDecision decision) {
  const std::size_t index = config::wire_version_index(version_wire) * kLegacyDecisionCount +
                            static_cast<std::size_t>(decision);
  return cached(legacy_[index], owner_.legacy_handshakes_,
                {{"listener", listener_},
                 {"route", route_},
                 {"version", std::string(config::wire_version_label(version_wire))},
                 {"decision", std::string(to_string(decision))}});
}

void RouteMetrics::count_legacy_handshake(std::uint16_t version_wire, LegacyDecision decision) {
  legacy(version_wire, decision).Increment();
}

prometheus::Labels RouteMetrics::family_labels(std::string_view family,
                                               LegacyDecision decision) const {
  return {{"listener", listener_},
          {"route", route_},
          {"family", std::string(family)},
          {"decision", std::string(to_string(decision))}};
}

void RouteMetrics::count_legacy_family(std::size_t slot, std::string_view family,
                                       LegacyDecision decision) {
  // Family::Add is thread-safe; the labels are only built when the series is not cached.
  if (slot >= kFamilySlots) {
    owner_.legacy_handshakes_by_family_.Add(family_labels(family, decision)).Increment();
    return;
  }
  auto& cache = by_family_[slot * kLegacyDecisionCount + static_cast<std::size_t>(decision)];
  prometheus::Counter* counter = cache.load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = &cached(cache, owner_.legacy_handshakes_by_family_, family_labels(family, decision));
  }
  counter->Increment();
}

prometheus::Counter& RouteMetrics::weak_cipher(std::uint16_t version_wire,
                                               LegacyDecision decision) {
  const std::size_t index = config::wire_version_index(version_wire) * kLegacyDecisionCount +
                            static_cast<std::size_t>(decision);
  return cached(weak_cipher_[index], owner_.weak_cipher_handshakes_,
                {{"listener", listener_},
                 {"route", route_},
                 {"version", std::string(config::wire_version_label(version_wire))},
                 {"decision", std::string(to_string(decision))}});
}

void RouteMetrics::count_weak_cipher_handshake(std::uint16_t version_wire,
                                               LegacyDecision decision) {
  weak_cipher(version_wire, decision).Increment();
}

prometheus::Counter& RouteMetrics::weak_group(std::uint16_t version_wire, LegacyDecision decision) {
  const std::size_t index = config::wire_version_index(version_wire) * kLegacyDecisionCount +
                            static_cast<std::size_t>(decision);
  return cached(weak_group_[index], owner_.weak_group_handshakes_,
                {{"listener", listener_},
                 {"route", route_},
                 {"version", std::string(config::wire_version_label(version_wire))},
                 {"decision", std::string(to_string(decision))}});
}

void RouteMetrics::count_weak_group_handshake(std::uint16_t version_wire, LegacyDecision decision) {
  weak_group(version_wire, decision).Increment();
}

void RouteMetrics::count_negotiated_cipher(std::uint16_t version_wire, std::uint16_t code,
                                           std::string_view name) {
  negotiated_.get(owner_, owner_.negotiated_ciphers_, listener_, route_, version_wire, code, name)
      .Increment();
}

prometheus::Counter& SuiteCounters::get(Metrics& owner,
                                        prometheus::Family<prometheus::Counter>& family,
                                        const std::string& listener, const std::string& route,
                                        std::uint16_t version_wire, std::uint16_t code,
                                        std::string_view name) {
  const std::uint32_t key = std::uint32_t{config::normalised_wire_version(version_wire)} << 16 |
                            code | 0x8000'0000u;  // never 0, whatever the version
  const auto labels = [&] {
    return prometheus::Labels{{"listener", listener},
                              {"route", route},
                              {"version", std::string(config::wire_version_label(version_wire))},
                              {"cipher", std::string(name)}};
  };
  const std::size_t start = (code * 31u + version_wire) % slots_.size();
  for (std::size_t probe = 0; probe < slots_.size(); ++probe) {
    Slot& slot = slots_[(start + probe) % slots_.size()];
    const std::uint32_t seen = slot.key.load(std::memory_order_acquire);
    if (seen == key) return *slot.counter.load(std::memory_order_relaxed);
    if (seen != 0) continue;
    std::lock_guard lock(owner.mutex_);
    if (const std::uint32_t claimed = slot.key.load(std::memory_order_relaxed); claimed != 0) {
      if (claimed != key) continue;  // claimed meanwhile by another pair: probe on
      return *slot.counter.load(std::memory_order_relaxed);
    }
    prometheus::Counter& counter = family.Add(labels());
    slot.counter.store(&counter, std::memory_order_relaxed);
    slot.key.store(key, std::memory_order_release);
    return counter;
  }
  // Every slot taken (cannot happen with BoringSSL's suites): the family's own lookup.
  return family.Add(labels());
}

}  // namespace tlsfloor::metrics

namespace tlsfloor::metrics {

prometheus::Counter& KeyExchangeCounters::get(Metrics& owner, const std::string& listener,
                                              const std::string& route, std::uint16_t group,
                                              bool pq_offered) {
  const std::uint32_t key =
      std::uint32_t{group} << 1 | (pq_offered ? 1u : 0u) | 0x8000'0000u;  // never 0
  const auto labels = [&] {
    return prometheus::Labels{{"listener", listener},
                              {"route", route},
                              {"group", group == 0             ? std::string("none")
                                        : group == kOtherGroup ? std::string("other")
                                                               : config::group_name(group)},
                              {"pq_offered", pq_offered ? "true" : "false"}};
  };
  const std::size_t start = (group * 31u + (pq_offered ? 1u : 0u)) % slots_.size();
  for (std::size_t probe = 0; probe < slots_.size(); ++probe) {
    Slot& slot = slots_[(start + probe) % slots_.size()];
    const std::uint32_t seen = slot.key.load(std::memory_order_acquire);
    if (seen == key) return *slot.counter.load(std::memory_order_relaxed);
    if (seen != 0) continue;
    std::lock_guard lock(owner.mutex_);
    if (const std::uint32_t claimed = slot.key.load(std::memory_order_relaxed); claimed != 0) {
      if (claimed != key) continue;  // claimed meanwhile by another pair: probe on
      return *slot.counter.load(std::memory_order_relaxed);
    }
    prometheus::Counter& counter = owner.key_exchange_handshakes_.Add(labels());
    slot.counter.store(&counter, std::memory_order_relaxed);
    slot.key.store(key, std::memory_order_release);
    return counter;
  }
  // Every slot taken (the library has six groups, plus none and other): the family's lookup.
  return owner.key_exchange_handshakes_.Add(labels());
}

}  // namespace tlsfloor::metrics
