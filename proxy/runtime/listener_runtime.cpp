#include "proxy/runtime/listener_runtime.h"

#include <boost/asio/ip/address.hpp>

#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <system_error>

#include "config/alpn_upstreams.h"
#include "config/enforcement_schedule.h"
#include "proxy/policy/legacy_circumstances.h"
#include "proxy/tls/alpn.h"
#include "proxy/tls/handshake_failure.h"
#include "proxy/tls/ssl_error.h"

namespace tlsfloor::runtime {

SharedRuntime build_shared_runtime(const config::Config& config, metrics::Metrics& metrics,
                                   std::function<config::Timestamp()> clock,
                                   std::vector<config::ConfigError>& errors,
                                   const SharedRuntime* reuse, BuildMode mode) {
  SharedRuntime shared;
  shared.clock = std::move(clock);
  shared.legacy_clients = config.legacy_clients;
  const config::SessionTicketsConfig& tickets = config.session_tickets;
  if (reuse != nullptr && reuse->ticket_keys && reuse->ticket_keys->serves(tickets)) {
    shared.ticket_keys = reuse->ticket_keys;
  } else if (tickets.keys.empty()) {
    shared.ticket_keys = std::make_shared<tls::TicketKeyRing>(tickets.rotation);
  } else {
    shared.ticket_keys = std::make_shared<tls::TicketKeyRing>(tickets.keys);
  }
  rlimit descriptors{};
  ::getrlimit(RLIMIT_NOFILE, &descriptors);
  shared.descriptors = config::descriptor_reserve(descriptors.rlim_cur, config.descriptor_reserve,
                                                  config.admin ? config.admin->max_connections : 0);
  std::set<std::string> seen;  // each path once: listeners inheriting one log share its error
  const auto open = [&](const std::optional<config::AccessLogConfig>& log) {
    if (!log || !seen.insert(log->path).second) return;
    if (mode == BuildMode::check) {
      if (auto error = handshake_log::check_writable(log->path, log->follow_symlinks)) {
        errors.push_back({log->where, std::move(*error)});
      }
      return;
    }
    if (reuse != nullptr) {
      // One writer per file across reloads: two would interleave their batches.
      if (const auto it = reuse->access_logs.find(log->path); it != reuse->access_logs.end()) {
        if (it->second->schema() != log->schema) {
          spdlog::warn(
              "reload: access_log {} keeps schema {} until the next restart (one writer "
              "per file)",
              log->path, config::to_string(it->second->schema()));
        }
        shared.access_logs.emplace(log->path, it->second);
        return;
      }
    }
    try {
      handshake_log::HandshakeLog::Options options;
      options.follow_symlinks = log->follow_symlinks;
      options.schema = log->schema;
      shared.access_logs.emplace(log->path,
                                 std::make_shared<handshake_log::HandshakeLog>(
                                     log->path, metrics.handshake_log(log->path), options));
    } catch (const std::system_error& e) {
      errors.push_back({log->where, std::string(e.what())});
    }
  };
  // Only logs some listener uses: a global log that every listener overrides is not opened.
  for (const auto& listener : config.listeners) {
    open(config.access_log_of(listener));
    for (const auto& route : listener.routes) open(config.access_log_of(route));
  }
  return shared;
}

namespace {

// See RouteRuntime::SessionScopes. Everything that decides how a client of this route is
// judged and served goes in, as configured text, so that equal policies give equal scopes.
RouteRuntime::SessionScopes session_scopes_of(const config::ListenerConfig& listener,
                                              const config::RouteSettings& settings,
                                              std::string_view route, const RouteRuntime& built) {
  const config::TlsConfig& tls = settings.tls;
  const std::string_view min_version = config::to_string(tls.min_version);
  const std::string_view max_version = config::to_string(tls.max_version);
  // Routes without client_auth keep the parts they always had, so their sessions outlive an
  // upgrade. The groups are named only when they are not the default, for the same reason.
  const std::string_view client_auth =
      built.client_auth ? std::string_view(built.client_auth->identity()) : std::string_view();
  const bool default_groups =
      std::equal(tls.groups.codes.begin(), tls.groups.codes.end(),
                 std::begin(config::kDefaultGroups), std::end(config::kDefaultGroups));
  const std::string groups =
      default_groups ? "" : " groups " + config::group_list_text(tls.groups.codes);
  const auto scope = [&](std::string_view admission, std::string_view ciphers_only,
                         std::string_view detail = {}) {
    const std::string ciphers = std::string(ciphers_only) + groups;
    if (client_auth.empty()) {
      return tls::session_scope(
          {listener.name, route, min_version, max_version, admission, ciphers, detail});
    }
    return tls::session_scope({listener.name, route, min_version, max_version, admission, ciphers,
                               detail, "client_auth", client_auth});
  };
  RouteRuntime::SessionScopes scopes;
  scopes.floor = scope("floors", tls.ciphers.text);
  const std::string& legacy =
      built.legacy_ciphers.empty() ? listener.tls.ciphers.text : built.legacy_ciphers;
  scopes.legacy = scope("legacy", legacy);
  scopes.refused = scope("refused", tls.ciphers.text);
  for (std::size_t i = 0; i < settings.exceptions.size(); ++i) {
    const config::ExceptionConfig& exception = settings.exceptions[i];
    const std::string& own = built.exception_ciphers.at(i);
    scopes.exceptions.push_back(
        scope("exception", own.empty() ? legacy : own,
              exception.name + "@" + std::string(config::to_string(exception.min_version))));
  }
  return scopes;
}

// The route's upstream, then one for each entry of its upstream_by_alpn. An upstream.tls mapping
// that the default route or an earlier upstream of this route has too shares its context:
// loaded (and its errors reported) once.
void build_upstreams(const config::RouteSettings& settings, const RouteRuntime* default_route,
                     RouteRuntime& route, std::vector<config::ConfigError>& errors) {
  const auto build = [&](const config::UpstreamConfig& written) {
    UpstreamRuntime upstream;
    upstream.config = &written;
    if (written.address.host_is_ip_literal()) {
      upstream.endpoint.emplace(boost::asio::ip::make_address(written.address.host),
                                written.address.port);
    }
    if (written.tls) {
      // Also a context that failed to load (null): its errors are said once.
      const auto same_tls = [&](const std::vector<UpstreamRuntime>& list) {
        const auto it = std::find_if(list.begin(), list.end(), [&](const UpstreamRuntime& other) {
          return other.config->tls == written.tls;
        });
        return it == list.end() ? nullptr : &*it;
      };
      const UpstreamRuntime* same = same_tls(route.upstreams);
      if (same == nullptr && default_route != nullptr) same = same_tls(default_route->upstreams);
      upstream.tls = same != nullptr ? same->tls : tls::UpstreamTls::load(*written.tls, errors);
      upstream.sessions = std::make_shared<tls::UpstreamSessions>();
    }
    route.upstream_takes_facts |= written.proxy_protocol == config::UpstreamProxyProtocol::v2;
    route.upstreams.push_back(std::move(upstream));
  };
  build(settings.upstream);
  for (const config::AlpnUpstream& entry : settings.upstream_by_alpn) build(entry.upstream);
}

// The lowest version a legacy client can be let in at with tls.legacy_ciphers, if any can:
// then an explicit legacy list must serve it and every version above. In any stage of the
// route's schedule: the list must serve whoever any of them lets in.
std::optional<config::TlsVersion> lowest_let_in(const config::RouteSettings& settings) {
  bool ciphers_observed = false;
  bool versions_observed = false;
  for (std::size_t stage = 0; stage < config::stage_count(settings.enforcement); ++stage) {
    const auto enforcement = config::enforcement_in_stage(settings.enforcement, stage);
    ciphers_observed |= enforcement.cipher_mode != config::EnforcementMode::enforce;
    versions_observed |= enforcement.mode != config::EnforcementMode::enforce;
  }
  std::optional<config::TlsVersion> lowest;
  if (ciphers_observed) lowest = settings.tls.min_version;
  for (const auto& exception : settings.exceptions) {
    if (!exception.ciphers)
      lowest = std::min(lowest.value_or(exception.min_version), exception.min_version);
  }
  if (versions_observed) lowest = config::TlsVersion::tls1_0;
  return lowest;
}

// Which key types the certificates have: from each certificate's public key, since the key
// server may hold the private one.
tls::KeyTypes key_types_of(const tls::CertificateSet& certificates) {
  tls::KeyTypes keys;
  for (const tls::CertifiedKey& key : certificates.keys()) {
    (key.key_type == EVP_PKEY_RSA ? keys.rsa : keys.ecdsa) = true;
  }
  return keys;
}

// The route's cipher lists, parsed and checked against the versions they serve and the
// certificates that serve them.
void build_ciphers(const config::ListenerConfig& listener, const config::RouteSettings& settings,
                   const tls::CertificateSet& certificates, RouteRuntime& route,
                   std::vector<config::ConfigError>& errors) {
  const tls::KeyTypes keys = key_types_of(certificates);
  // Without a loaded certificate (its errors are reported) the lists are only parsed.
  const bool judged = keys.rsa || keys.ecdsa;
  const config::TlsConfig& tls = settings.tls;
  const auto check = [&](const config::CipherList& list, std::string_view name,
                         std::optional<config::TlsVersion> lowest) {
    std::string error;
    const auto parsed = tls::parse_cipher_list(list.text, error);
    if (!parsed) {
      errors.push_back({list.where, std::move(error)});
      return std::vector<config::CipherSuite>{};
    }
    std::vector<config::CipherSuite> suites = tls::usable_suites(*parsed, keys);
    if (!lowest || !judged) return suites;
    if (auto problem = tls::coverage_problem(name, suites, keys, *lowest, tls.max_version)) {
      errors.push_back({list.where, std::move(*problem)});
    }
    return suites;
  };
  const std::size_t errors_before = errors.size();
  route.floor_suites = check(tls.ciphers, "ciphers", tls.min_version);
  // The listener's SSL_CTX holds its own list: a connection is only given a different one.
  const std::string& context_list = listener.tls.ciphers.text;
  if (tls.ciphers.text != context_list) route.floor_ciphers = tls.ciphers.text;
  if (tls.legacy_ciphers) {
    check(*tls.legacy_ciphers, "legacy_ciphers", lowest_let_in(settings));
    if (tls.legacy_ciphers->text != context_list) route.legacy_ciphers = tls.legacy_ciphers->text;
  } else if (errors.size() == errors_before) {
    // Every suite the library has after the floor's: it serves every version by construction.
    route.legacy_ciphers = tls::compatibility_cipher_list(tls.ciphers.text);
  }
  for (const config::ExceptionConfig& exception : settings.exceptions) {
    route.exception_ciphers.emplace_back();
    if (!exception.ciphers) continue;
    check(*exception.ciphers, "exception " + exception.name + "'s ciphers", exception.min_version);
    route.exception_ciphers.back() = exception.ciphers->text;
  }
}

// The route's key-exchange floor, checked against what the library can negotiate, and the
// lists its connections are given.
void build_groups(const config::ListenerConfig& listener, const config::RouteSettings& settings,
                  RouteRuntime& route, std::vector<config::ConfigError>& errors) {
  const config::GroupList& groups = settings.tls.groups;
  if (auto problem =
          tls::groups_problem(groups.codes, settings.tls.min_version, settings.tls.max_version)) {
    errors.push_back({groups.where, std::move(*problem)});
    return;
  }
  route.floor_groups = groups.codes;
  if (groups.codes != listener.tls.groups.codes) {
    route.floor_group_list = tls::library_group_list(groups.codes);
  }
  route.legacy_group_list = tls::library_group_list(tls::compatibility_groups(groups.codes));
}

void build_route(const config::Config& config, const config::ListenerConfig& listener,
                 const config::RouteSettings& settings, std::string name,
                 const SharedRuntime& shared, const tls::CertificateSet& listener_certificates,
                 const RouteRuntime* default_route, RouteRuntime& route,
                 std::vector<config::ConfigError>& errors) {
  route.settings = &settings;
  route.stages = std::make_unique<EnforcementStages>(settings, shared.clock());
  if (&settings != &listener && !settings.certificates.empty()) {
    route.certificates = tls::CertificateSet::load(settings.certificates, errors);
  }
  build_ciphers(listener, settings,
                route.certificates.empty() ? listener_certificates : route.certificates, route,
                errors);
  build_groups(listener, settings, route, errors);
  build_upstreams(settings, default_route, route, errors);
  if (settings.client_auth.enabled()) {
    if (default_route != nullptr && default_route->settings->client_auth == settings.client_auth) {
      route.client_auth = default_route->client_auth;  // loaded (and its errors said) once
    } else {
      route.client_auth = tls::ClientAuthority::load(settings.client_auth, errors);
    }
  }
  if (const auto& log = config.access_log_of(settings)) {
    const auto it = shared.access_logs.find(log->path);
    if (it != shared.access_logs.end()) route.access_log = it->second;
    route.access_log_legacy_only = log->legacy_only;
  }
  route.session_scopes = session_scopes_of(listener, settings, name, route);
  route.alpn_protocols = tls::alpn_wire_format(config::offered_alpn(settings));
  route.brownout_draw = policy::brownout_draw_name(listener.name, name);
  route.name = std::move(name);
}

}  // namespace

std::shared_ptr<const ListenerRuntime> build_listener_runtime(
    const config::Config& config, const config::ListenerConfig& listener,
    const SharedRuntime& shared, metrics::Metrics& metrics, state::ExceptionLedger& ledger,
    std::vector<config::ConfigError>& errors) {
  const std::size_t errors_before = errors.size();
  auto runtime = std::make_shared<ListenerRuntime>();
  runtime->config = listener;
  const config::ListenerConfig& own = runtime->config;  // routes point into this copy
  runtime->certificates = tls::CertificateSet::load(own.certificates, errors);
  runtime->ssl_ctx = tls::make_server_context(own);
  std::string cipher_error;
  if (!runtime->ssl_ctx && !tls::parse_cipher_list(own.tls.ciphers.text, cipher_error)) {
    // Said at the list's position by build_ciphers() below.
  } else if (!runtime->ssl_ctx) {
    errors.push_back({own.where, "cannot create a TLS context: " + tls::take_ssl_error()});
  } else if (shared.ticket_keys) {
    runtime->ticket_keys = shared.ticket_keys;
    runtime->ticket_keys->install(runtime->ssl_ctx.get());
  }
  runtime->routes.resize(own.routes.size() + 1);
  build_route(config, own, own, std::string(config::kDefaultRouteName), shared,
              runtime->certificates, nullptr, runtime->routes[0], errors);
  for (std::size_t i = 0; i < own.routes.size(); ++i) {
    build_route(config, own, own.routes[i], own.routes[i].name, shared, runtime->certificates,
                &runtime->routes[0], runtime->routes[i + 1], errors);
  }
  runtime->route_table = policy::RouteTable(own.routes);
  runtime->legacy_clients = shared.legacy_clients;
  runtime->descriptors = shared.descriptors;
  runtime->clock = shared.clock;
  runtime->owners = config.owners;
  runtime->client_ledger = shared.client_ledger;
  if (errors.size() != errors_before) return nullptr;
  runtime->metrics = &metrics.listener(own.name);
  for (RouteRuntime& route : runtime->routes) {
    route.metrics = &runtime->metrics->route(route.name);
    for (const auto& exception : route.settings->exceptions) {
      route.exception_uses.push_back(ledger.use(own.name, state::ledger_name(exception)));
    }
  }
  return runtime;
}

const char* RouteRuntime::ciphers_for(const policy::Decision& decision) const {
  const auto or_context = [](const std::string& list) {
    return list.empty() ? nullptr : list.c_str();
  };
  switch (decision.ciphers) {
    case policy::CipherChoice::floor:
      return or_context(floor_ciphers);
    case policy::CipherChoice::legacy:
      return or_context(legacy_ciphers);
    case policy::CipherChoice::exception:
      if (const std::string& own = exception_ciphers.at(decision.exception->index); !own.empty()) {
        return own.c_str();
      }
      return or_context(legacy_ciphers);
  }
  return nullptr;
}

const char* RouteRuntime::groups_for(const policy::Decision& decision) const {
  if (decision.ciphers == policy::CipherChoice::floor) {
    return floor_group_list.empty() ? nullptr : floor_group_list.c_str();
  }
  return legacy_group_list.c_str();
}

const tls::SessionDigest& RouteRuntime::session_scope_for(const policy::Decision& decision) const {
  if (decision.reject) return session_scopes.refused;
  switch (decision.ciphers) {
    case policy::CipherChoice::floor:
      return session_scopes.floor;
    case policy::CipherChoice::legacy:
      return session_scopes.legacy;
    case policy::CipherChoice::exception:
      return session_scopes.exceptions.at(decision.exception->index);
  }
  return session_scopes.refused;
}

namespace {

// The label values of `route`'s series to make at 0 (metrics::RouteSeriesPlan): everything its
// configuration lets happen, bounded by that configuration.
metrics::RouteSeriesPlan series_plan_of(const ListenerRuntime& runtime, const RouteRuntime& route) {
  const config::RouteSettings& settings = *route.settings;
  const auto floor = static_cast<std::uint16_t>(settings.tls.min_version);
  const auto ceiling = static_cast<std::uint16_t>(settings.tls.max_version);
  metrics::RouteSeriesPlan plan;
  for (std::uint16_t version = TLS1_VERSION; version <= ceiling; ++version) {
    plan.accepted_versions.push_back(version);
    if (version < TLS1_3_VERSION) plan.weak_versions.push_back(version);
  }
  for (std::uint16_t version = SSL3_VERSION; version < floor; ++version) {
    plan.legacy_versions.push_back(version);
  }
  const tls::CertificateSet& certificates =
      route.certificates.empty() ? runtime.certificates : route.certificates;
  const tls::KeyTypes keys = key_types_of(certificates);
  std::vector<std::string> lists{settings.tls.ciphers.text};
  for (const std::string& list : {route.legacy_ciphers, route.floor_ciphers}) {
    if (!list.empty()) lists.push_back(list);
  }
  for (const std::string& list : route.exception_ciphers) {
    if (!list.empty()) lists.push_back(list);
  }
  for (const auto& suite :
       tls::negotiable_suites(lists, keys, config::TlsVersion::tls1_0, settings.tls.max_version)) {
    plan.suites.push_back({suite.version_wire, suite.code, suite.name});
  }
  for (std::uint16_t version = TLS1_VERSION; version <= ceiling; ++version) {
    plan.weak_group_versions.push_back(version);
  }
  // The groups its connections can be given: the floor's, and every group the library has when
  // a legacy client can be let in (a mode other than enforce, or an exception).
  const config::EnforcementConfig& enforcement = settings.enforcement;
  const bool lets_legacy_in = enforcement.mode != config::EnforcementMode::enforce ||
                              enforcement.cipher_mode != config::EnforcementMode::enforce ||
                              enforcement.groups_mode != config::EnforcementMode::enforce ||
                              !settings.exceptions.empty();
  plan.key_exchange_groups =
      lets_legacy_in ? tls::compatibility_groups(route.floor_groups) : route.floor_groups;
  plan.key_exchange_groups.push_back(0);  // none: a static-RSA key exchange
  plan.failures.assign(std::begin(tls::kCommonHandshakeFailures),
                       std::end(tls::kCommonHandshakeFailures));
  // Every owner that could own a client of this route, and "unowned": an alert on an owner's
  // first legacy handshake needs its series before it.
  plan.owners.push_back(std::string(config::kUnowned));
  if (runtime.owners) {
    for (const config::OwnerConfig& owner : runtime.owners->owners) {
      const auto& routes = owner.match.routes;
      const bool here =
          routes.empty() || std::any_of(routes.begin(), routes.end(), [&](const auto& where) {
            return where.listener == runtime.config.name &&
                   (!where.route || *where.route == route.name);
          });
      if (here) plan.owners.push_back(owner.name);
    }
  }
  if (settings.client_auth.enabled()) {
    plan.client_certificates = true;
    plan.failures.push_back(tls::kClientCertificateFailure);
  }
  // Every upstream of the route with TLS (upstream_by_alpn's too): their versions and suites
  // together, each once.
  std::set<std::uint16_t> upstream_versions;
  std::set<std::pair<std::uint16_t, std::uint16_t>> upstream_suites;
  for (const UpstreamRuntime& upstream : route.upstreams) {
    const auto& tls = upstream.config->tls;
    if (!tls) continue;
    for (auto version = static_cast<std::uint16_t>(tls->min_version);
         version <= static_cast<std::uint16_t>(tls->max_version); ++version) {
      if (upstream_versions.insert(version).second) plan.upstream_versions.push_back(version);
    }
    for (const auto& suite :
         tls::negotiable_suites({tls->ciphers.text}, {}, tls->min_version, tls->max_version)) {
      if (upstream_suites.emplace(suite.version_wire, suite.code).second) {
        plan.upstream_suites.push_back({suite.version_wire, suite.code, suite.name});
      }
    }
    plan.upstream_failures.assign(std::begin(tls::kUpstreamFailureReasons),
                                  std::end(tls::kUpstreamFailureReasons));
  }
  return plan;
}

}  // namespace

void publish(const ListenerRuntime& runtime, metrics::Metrics& metrics,
             state::ExceptionLedger& ledger) {
  const config::ListenerConfig& listener = runtime.config;
  // Before the policy is shown in force: every series an alert reads exists, at 0.
  for (const RouteRuntime& route : runtime.routes) {
    route.metrics->prepare(series_plan_of(runtime, route));
  }
  publish_policy(runtime, metrics);
  std::vector<metrics::CertificateSample> certificates;
  const auto add = [&certificates](const std::string& route, const tls::CertificateSet& set) {
    for (const tls::CertifiedKey& key : set.keys()) {
      certificates.push_back({route, key.subject, key.serial, key.key_algorithm,
                              config::to_unix_seconds(key.not_after),
                              config::to_unix_seconds(key.loaded_at)});
    }
  };
  add(std::string(config::kDefaultRouteName), runtime.certificates);
  for (const RouteRuntime& route : runtime.routes) add(route.name, route.certificates);
  metrics.publish_certificates(listener.name, certificates);
  const config::Timestamp now = runtime.clock();
  ledger.adopt(listener, now);
  for (const config::ExceptionConfig* exception : state::configured_exceptions(listener)) {
    // Said at every load, so an expired override cannot linger unnoticed in the file.
    if (exception->expires <= now) {
      spdlog::warn("listener {}: exception {} expired at {}; it matches no client", listener.name,
                   state::ledger_name(*exception), config::format_timestamp(exception->expires));
    }
  }
  // Said at every load: which step is in force since when (a past step applies at once), and
  // what comes next.
  for (const RouteRuntime& route : runtime.routes) {
    const config::EnforcementConfig& enforcement = route.settings->enforcement;
    if (enforcement.schedule.empty()) continue;
    const std::size_t stage = route.stages->in_force_index();
    std::string text = stage == 0
                           ? "schedule: its own keys until " +
                                 config::format_timestamp(enforcement.schedule.front().at) + ": "
                           : "schedule step " +
                                 config::format_timestamp(enforcement.schedule[stage - 1].at) +
                                 " in force since then: ";
    text += config::describe_stage(enforcement, stage);
    if (stage < enforcement.schedule.size()) {
      text += "; next step " + config::format_timestamp(enforcement.schedule[stage].at) + ": " +
              config::describe_stage(enforcement, stage + 1);
    } else {
      text += "; no step left";
    }
    spdlog::info("listener {} route {}: {}", listener.name, route.name, text);
  }
}

void publish_policy(const ListenerRuntime& runtime, metrics::Metrics& metrics) {
  std::vector<metrics::RoutePolicySample> policies;
  for (const RouteRuntime& route : runtime.routes) {
    const std::size_t stage = route.stages->in_force_index();
    const policy::VersionPolicy& policy = route.stages->stage(stage).policy;
    metrics::RoutePolicySample sample;
    sample.route = route.name;
    sample.min_version = config::to_string(policy.floor);
    sample.max_version = config::to_string(policy.ceiling);
    sample.mode = config::to_string(policy.mode);
    sample.cipher_mode = config::to_string(policy.cipher_mode);
    sample.groups_mode = config::to_string(policy.groups_mode);
    // The step after the one in force (not after the clock): what the handshakes get next.
    const auto& schedule = route.settings->enforcement.schedule;
    if (stage < schedule.size()) {
      sample.next_change_seconds = config::to_unix_seconds(schedule[stage].at);
      sample.next_mode = config::to_string(schedule[stage].mode);
    }
    policies.push_back(std::move(sample));
  }
  metrics.publish_policy(runtime.config.name, policies);
}

namespace {

// "mode enforce (was brownout)", and the cipher floor's mode when it changes too, and when the
// new stage browns out, its windows.
std::string describe_change(const RouteRuntime& route, const StageChange& change) {
  const config::EnforcementConfig& was = route.stages->stage(change.from).enforcement;
  const config::EnforcementConfig& now = route.stages->stage(change.to).enforcement;
  std::string text = "mode " + std::string(config::to_string(now.mode)) + " (was " +
                     std::string(config::to_string(was.mode)) + ")";
  if (now.cipher_mode != was.cipher_mode) {
    text += ", cipher_mode " + std::string(config::to_string(now.cipher_mode)) + " (was " +
            std::string(config::to_string(was.cipher_mode)) + ")";
  }
  if (now.mode == config::EnforcementMode::brownout ||
      now.cipher_mode == config::EnforcementMode::brownout) {
    const std::string stage = config::describe_stage(route.settings->enforcement, change.to);
    text += stage.substr(stage.find(", brownout"));
  }
  return text;
}

}  // namespace

bool advance_schedules(const ListenerRuntime& runtime, config::Timestamp now) {
  bool changed = false;
  for (const RouteRuntime& route : runtime.routes) {
    const auto change = route.stages->advance(now);
    if (!change) continue;
    changed = true;
    const auto& schedule = route.settings->enforcement.schedule;
    std::string step;
    if (change->to == 0) {
      // Only a clock set back goes before the first step.
      step = "schedule: before step " + config::format_timestamp(schedule.front().at) + " again";
    } else {
      step = "schedule step " + config::format_timestamp(schedule[change->to - 1].at) +
             (change->to < change->from ? " again" : "");
    }
    spdlog::info("listener {} route {}: {}: {}", runtime.config.name, route.name, step,
                 describe_change(route, *change));
  }
  return changed;
}

std::optional<config::Timestamp> next_schedule_change(const ListenerRuntime& runtime,
                                                      config::Timestamp now) {
  std::optional<config::Timestamp> next;
  for (const RouteRuntime& route : runtime.routes) {
    if (const config::ScheduleStep* step = config::next_step(route.settings->enforcement, now)) {
      next = std::min(next.value_or(step->at), step->at);
    }
  }
  return next;
}

}  // namespace tlsfloor::runtime
