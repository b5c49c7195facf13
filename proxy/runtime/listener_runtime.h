#pragma once
// What a listener needs at run time, built once from its validated config: the policy, the
// loaded certificates, the SSL_CTX and its metric handles. Immutable once built, but for which
// stage of each route's enforcement schedule is in force; connections keep the snapshot they
// started with.
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/cipher_suite.h"
#include "config/config.h"
#include "config/owner_directory.h"
#include "metrics/handshake_log/handshake_log.h"
#include "metrics/ledger/client_ledger.h"
#include "metrics/metrics.h"
#include "proxy/policy/policy.h"
#include "proxy/policy/route_table.h"
#include "proxy/runtime/enforcement_stages.h"
#include "proxy/state/exception_ledger.h"
#include "proxy/tls/certificate_set.h"
#include "proxy/tls/cipher_suites.h"
#include "proxy/tls/key_exchange_groups.h"
#include "proxy/tls/server_context.h"
#include "proxy/tls/session_binding.h"
#include "proxy/tls/ticket_key_ring.h"
#include "proxy/tls/upstream_tls.h"

namespace tlsfloor::runtime {

/// One upstream of a route: its `upstream`, or an entry of its upstream_by_alpn.
struct UpstreamRuntime {
  const config::UpstreamConfig* config = nullptr;  // in ListenerRuntime::config
  /// Set when the address is an IP literal; otherwise the name is resolved per connection.
  std::optional<boost::asio::ip::tcp::endpoint> endpoint;
  /// With config->tls: how connections to it are made (shared with the other upstreams of the
  /// listener that have the same mapping), and the session they resume (its own: a session
  /// resumes only with the server that issued it).
  std::shared_ptr<const tls::UpstreamTls> tls;
  std::shared_ptr<tls::UpstreamSessions> sessions;
};

/// What one route (or the listener's default route) serves its connections with.
struct RouteRuntime {
  std::string name;                                 // "default", or the route's name
  const config::RouteSettings* settings = nullptr;  // in ListenerRuntime::config
  /// The route's policy in each stage of its enforcement schedule (one stage without one), and
  /// the stage in force: moved by the control thread at each step's instant, read by the early
  /// callback through in_force().
  std::unique_ptr<EnforcementStages> stages;
  /// The route's own certificates (empty: the listener's serve it).
  tls::CertificateSet certificates;
  /// upstreams[policy::kFallbackUpstream] is settings->upstream; then one for each entry of
  /// settings->upstream_by_alpn, in order. Chosen by upstream_for() once the handshake is done.
  std::vector<UpstreamRuntime> upstreams;
  /// Some upstream of the route is sent a PROXY v2 header, whose TLVs carry tlsfloor's facts
  /// (the JA4): gathered in the early callback, before the ALPN that picks the upstream.
  bool upstream_takes_facts = false;
  /// With client_auth: what client certificates are checked against (shared with the default
  /// route when the route keeps its listener's section); null when none is asked for.
  std::shared_ptr<const tls::ClientAuthority> client_auth;
  /// The handshake log this route writes to, if any (routes and listeners may share one file).
  std::shared_ptr<handshake_log::HandshakeLog> access_log;
  bool access_log_legacy_only = false;
  /// Where the use of settings->exceptions is recorded, in the same order.
  std::vector<std::shared_ptr<state::ExceptionUse>> exception_uses;
  /// What this route's sessions are bound to (proxy/tls/session_binding.h), by how a client
  /// was admitted: meeting both floors, as a legacy client let in, by each exception (in
  /// settings->exceptions' order), or refused and answered over HTTP. Each names the listener,
  /// the route, the versions and the suites the connection is given; the connection adds the
  /// certificate it serves. With client_auth, each also names its identity (mode, CAs, depth,
  /// allow list: tls::ClientAuthority::identity()), so a session resumes only under the
  /// client_auth that verified it. Digests of configuration: equal across reloads and replicas
  /// that keep the same policy, different as soon as any of it changes.
  struct SessionScopes {
    tls::SessionDigest floor{};
    tls::SessionDigest legacy{};
    tls::SessionDigest refused{};
    std::vector<tls::SessionDigest> exceptions;
  };
  SessionScopes session_scopes;
  /// The protocols the route offers (config::offered_alpn(): tls.alpn, else upstream_by_alpn's)
  /// in ALPN's wire format (each name after its length byte).
  std::string alpn_protocols;
  /// What this route's brownout draws are seeded with (policy::brownout_draw_name()).
  std::string brownout_draw;
  /// The cipher floor (tls.ciphers) as ClientHellos are judged against it: the suites this
  /// route's certificates can use.
  std::vector<config::CipherSuite> floor_suites;
  /// The cipher strings a connection may be given (validated): tls.ciphers, empty when the
  /// listener's SSL_CTX already has it; tls.legacy_ciphers (tls.ciphers when not set); each
  /// exception's own (empty when it has none), in settings->exceptions' order.
  std::string floor_ciphers;
  std::string legacy_ciphers;
  std::vector<std::string> exception_ciphers;
  /// The key-exchange floor (tls.groups) as ClientHellos are judged against it.
  std::vector<std::uint16_t> floor_groups;
  /// The group lists a connection may be given (validated), in the library's syntax: tls.groups,
  /// empty when the listener's SSL_CTX already has it; and for a legacy client let in, every
  /// group the library has, tls.groups first.
  std::string floor_group_list;
  std::string legacy_group_list;
  metrics::RouteMetrics* metrics = nullptr;

  /// The upstream of a connection that negotiated `alpn` (empty: no ALPN).
  const UpstreamRuntime& upstream_for(std::string_view alpn) const {
    return upstreams[policy::upstream_for_alpn(settings->upstream_by_alpn, alpn)];
  }
  /// The policy (floors, modes) and enforcement (brownout windows) in force now.
  const EnforcementStage& in_force() const { return stages->in_force(); }
  /// The cipher string to set on a connection `decision` was made for; nullptr: the context's.
  const char* ciphers_for(const policy::Decision& decision) const;
  /// The group list to set on a connection `decision` was made for; nullptr: the context's.
  const char* groups_for(const policy::Decision& decision) const;
  /// The session scope of a connection `decision` was made for.
  const tls::SessionDigest& session_scope_for(const policy::Decision& decision) const;
};

struct ListenerRuntime {
  config::ListenerConfig config;
  /// routes[0] is the default route (the listener's own keys), then config.routes in order.
  std::vector<RouteRuntime> routes;
  policy::RouteTable route_table;
  /// The listener's certificates: the default route's, and every route's fallback.
  tls::CertificateSet certificates;
  bssl::UniquePtr<SSL_CTX> ssl_ctx;
  /// Encrypts and decrypts ssl_ctx's session tickets (kept alive with it).
  std::shared_ptr<const tls::TicketKeyRing> ticket_keys;
  metrics::ListenerMetrics* metrics = nullptr;
  /// How clients are keyed in the per-client legacy table (and for max_handshakes_per_source).
  config::LegacyClientsConfig legacy_clients;
  /// Client sockets at or above this descriptor number are refused (the process's reserve).
  config::DescriptorReserve descriptors;
  /// The time exceptions and brownouts are judged by (injected by tests).
  std::function<config::Timestamp()> clock;
  /// Who owns which legacy clients (owners_file); null without one.
  std::shared_ptr<const config::OwnerDirectory> owners;
  /// Where legacy clients are remembered for months (the server's, kept across reloads); null
  /// when none is kept (tlsfloor --check).
  std::shared_ptr<ledger::ClientLedger> client_ledger;

  /// The route for a client that sent `server_name` (empty: none).
  const RouteRuntime& route_for(std::string_view server_name) const {
    return routes[route_table.match(server_name)];
  }
  const RouteRuntime& default_route() const { return routes.front(); }
  /// The certificate `route` serves to `server_name`: its own that matches the name, else the
  /// listener's that does, else its own default (a route without certificates: the listener's
  /// choice). Between RSA and ECDSA, as CertificateSet chooses with `accepts`.
  template <typename Accepts>
  const tls::CertifiedKey& certificate_for(const RouteRuntime& route, std::string_view server_name,
                                           Accepts accepts) const {
    if (route.certificates.empty()) return certificates.select(server_name, accepts);
    if (const auto* own = route.certificates.matching(server_name, accepts)) return *own;
    if (const auto* fallback = certificates.matching(server_name, accepts)) return *fallback;
    return route.certificates.fallback(accepts);
  }
};

/// What listeners share, built once per configuration.
struct SharedRuntime {
  std::function<config::Timestamp()> clock;
  config::LegacyClientsConfig legacy_clients;
  /// From the process's descriptor limit (RLIMIT_NOFILE) when built, and the configuration.
  config::DescriptorReserve descriptors;
  /// Handshake logs by path.
  std::map<std::string, std::shared_ptr<handshake_log::HandshakeLog>> access_logs;
  /// The server's client ledger, handed to every listener (set by the server).
  std::shared_ptr<ledger::ClientLedger> client_ledger;
  /// Session-ticket keys of every listener; the running configuration's, when a reload asks
  /// for the same, so tickets issued before the reload still resume.
  std::shared_ptr<const tls::TicketKeyRing> ticket_keys;
};

/// How far building goes: `run` opens the handshake logs; `check` (tlsfloor --check) only checks
/// that they could be opened, creating nothing.
enum class BuildMode { run, check };

/// Opens every handshake log the configuration names (one per distinct path). Errors (with the
/// position of the `path` value, once per path) are appended to `errors`.
/// Logs already open in `reuse` (the running configuration's) are shared, not reopened.
SharedRuntime build_shared_runtime(const config::Config& config, metrics::Metrics& metrics,
                                   std::function<config::Timestamp()> clock,
                                   std::vector<config::ConfigError>& errors,
                                   const SharedRuntime* reuse = nullptr,
                                   BuildMode mode = BuildMode::run);

/// Builds the runtime of a listener, loading and checking its certificates. Errors (with the
/// config position) are appended to `errors`; the result is null if there were any. Publishes
/// nothing: a reload may still be refused.
std::shared_ptr<const ListenerRuntime> build_listener_runtime(
    const config::Config& config, const config::ListenerConfig& listener,
    const SharedRuntime& shared, metrics::Metrics& metrics, state::ExceptionLedger& ledger,
    std::vector<config::ConfigError>& errors);

/// Once the runtime is in force: its policy becomes a metric, its exceptions are adopted by the
/// ledger, expired exceptions are logged, and so is the schedule step in force.
void publish(const ListenerRuntime& runtime, metrics::Metrics& metrics,
             state::ExceptionLedger& ledger);

/// The policy in force on each route (tlsfloor_policy_info), and the next step of its schedule
/// (tlsfloor_enforcement_next_change_timestamp_seconds, absent when none is left).
void publish_policy(const ListenerRuntime& runtime, metrics::Metrics& metrics);

/// Puts in force, on every route, the stage of its schedule in force at `now`, and logs each
/// change ("listener api route default: schedule step 2027-01-15T00:00:00.000Z: mode enforce
/// (was brownout)"). True when any route changed: its policy is then to be published again.
bool advance_schedules(const ListenerRuntime& runtime, config::Timestamp now);

/// The earliest instant after `now` at which a route's schedule takes its next step, if any.
std::optional<config::Timestamp> next_schedule_change(const ListenerRuntime& runtime,
                                                      config::Timestamp now);

}  // namespace tlsfloor::runtime
