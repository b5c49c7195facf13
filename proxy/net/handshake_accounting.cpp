#include "proxy/net/handshake_accounting.h"

#include <algorithm>
#include <chrono>

#include "config/cipher_suite.h"
#include "config/named_group.h"

#include "metrics/handshake_log/handshake_event.h"
#include "metrics/ledger/client_ledger.h"
#include "proxy/policy/legacy_circumstances.h"
#include "proxy/policy/owner_match.h"

namespace tlsfloor::net {
ClientAddress client_address(const boost::asio::ip::tcp::endpoint& peer) {
  const boost::asio::ip::address address = peer.address();
  ClientAddress client;
  client.peer = peer;
  client.address = address.is_v4() ? config::ipv4_address(address.to_v4().to_bytes())
                                   : config::ipv6_address(address.to_v6().to_bytes());
  return client;
}

policy::Decision judge_hello(const runtime::ListenerRuntime& runtime,
                             const runtime::RouteRuntime& route, const hello::ClientHello& hello,
                             const ClientAddress& client,
                             std::unique_ptr<ObservedHandshake>& observed) {
  const std::uint16_t highest_offered = hello::highest_offered_version(hello);
  // The stage of the route's schedule in force (one atomic load): its modes and brownouts.
  const runtime::EnforcementStage& stage = route.in_force();
  // The cipher floor is judged at the version the client will negotiate (the route's ceiling
  // may hold it below what it offers), also for a client below the version floor: a refusal
  // answered over HTTP may only use the floor's suites, and every view names both floors.
  const auto negotiates =
      std::min(highest_offered, static_cast<std::uint16_t>(stage.policy.ceiling));
  const bool below_version = stage.policy.below_floor(highest_offered);
  const bool shares_floor_cipher =
      highest_offered == 0 ||
      config::shares_suite(hello.cipher_suites, route.floor_suites, negotiates);
  // The key-exchange floor judges the groups a client names. One that names none (an old client
  // without supported_groups) has its suite's key exchange, static RSA, which the cipher floor
  // judges: two floors refusing it for one fact would say nothing more.
  const bool names_groups =
      std::any_of(hello.supported_groups.begin(), hello.supported_groups.end(),
                  [](std::uint16_t group) { return !hello::is_grease(group); });
  const bool shares_floor_group = highest_offered == 0 || !names_groups ||
                                  config::shares_group(hello.supported_groups, route.floor_groups);
  const bool legacy = below_version || !shares_floor_cipher || !shares_floor_group;
  const bool for_log = route.access_log != nullptr && (legacy || !route.access_log_legacy_only);
  // The upstream's PROXY v2 header carries the JA4 (with upstream_by_alpn, any of the route's
  // upstreams may be the one: the ALPN that chooses it is not negotiated yet).
  const bool for_upstream = route.upstream_takes_facts;
  policy::LegacyCircumstances circumstances;
  if (legacy || for_log || for_upstream) {
    observed = std::make_unique<ObservedHandshake>();
    observed->for_log = for_log;
    observed->peer = client.peer;
    observed->client = client.address;
    if (for_log) {
      observed->balancer = client.balancer;
      observed->vpce_id = client.vpce_id;
    }
    observed->client_key = config::masked(observed->client, runtime.legacy_clients.ipv4_prefix,
                                          runtime.legacy_clients.ipv6_prefix);
    observed->hello = hello::hello_facts(hello, for_log);
    // Which software it is, for whoever will act on it: 1-6 us, so only for handshakes a view
    // records (not for one that only sends its JA4 upstream).
    if (legacy || for_log) observed->family = families::match_family(hello);
  }
  if (legacy) {
    circumstances = policy::legacy_circumstances(
        route.settings->exceptions, stage.enforcement, route.brownout_draw,
        {observed->client, observed->hello.server_name, observed->hello.ja4}, observed->client_key,
        runtime.clock());
  }
  const policy::Decision decision = policy::decide(highest_offered, stage.policy, circumstances,
                                                   shares_floor_cipher, shares_floor_group);
  // A client below several floors is counted by each: each family says who its floor holds back.
  if (decision.below_version) {
    route.metrics->count_legacy_handshake(highest_offered, decision.legacy_decision);
  }
  if (decision.below_ciphers) {
    route.metrics->count_weak_cipher_handshake(negotiates, decision.legacy_decision);
  }
  if (decision.below_groups) {
    route.metrics->count_weak_group_handshake(negotiates, decision.legacy_decision);
  }
  if (decision.legacy) {
    route.metrics->count_legacy_family(families::family_slot(observed->family),
                                       families::family_label(observed->family),
                                       decision.legacy_decision);
  }
  return decision;
}

void account_handshake(const runtime::ListenerRuntime& runtime, const runtime::RouteRuntime& route,
                       ObservedHandshake&& observed, const HandshakeEnd& end) {
  const auto now = std::chrono::system_clock::now();
  const std::string_view cipher = end.cipher != nullptr ? end.cipher : "";
  hello::HelloFacts& hello = observed.hello;
  // An exception is used when a client it let in completes its handshake: a hello that only
  // names the exempt SNI (and then fails, say on FALLBACK_SCSV) must not keep it "in use".
  if (end.decision.exception && end.completed && !end.decision.reject) {
    route.exception_uses[end.decision.exception->index]->record(runtime.clock());
  }
  const ClientCertificateOutcome* certificate = end.client_certificate;
  const bool refused = end.decision.reject || (certificate != nullptr && certificate->refused);
  const bool verified = certificate != nullptr && certificate->verified() && certificate->facts;
  // Whose client it is, for the views that record it: matched once the handshake has ended, when
  // every fact an owner is known by is in (the exception that let it in; the certificate that
  // verified, which comes after the hello).
  if ((end.decision.legacy || observed.for_log) && runtime.owners) {
    const std::string_view exception =
        end.decision.exception ? std::string_view(end.decision.exception->exception->name) : "";
    if (const config::OwnerConfig* owner = policy::match_owner(
            *runtime.owners,
            {runtime.config.name, route.name, observed.client, hello.server_name,
             families::family_label(observed.family), hello.ja4, exception,
             verified ? std::string_view(certificate->facts->subject) : std::string_view()})) {
      observed.owner = owner->name;
    }
  }
  if (end.decision.legacy) {
    route.metrics->count_legacy_owner(
        observed.owner.empty() ? config::kUnowned : std::string_view(observed.owner),
        end.decision.legacy_decision);
  }
  // Every legacy client, below either floor, with what then happened to it.
  if (end.decision.legacy) {
    metrics::LegacyClientTracker::Observation observation;
    observation.client = observed.client_key;
    metrics::LegacyClientTracker::CertificateSeen seen;
    if (verified) {
      const tls::ClientCertificateFacts& facts = *certificate->facts;
      seen = {facts.subject, facts.issuer,    facts.serial,
              facts.sha256,  facts.not_after, std::string(to_string(certificate->result))};
      observation.certificate_seen = &seen;
      // One partner behind many addresses is one client.
      if (runtime.legacy_clients.key == config::ClientKeyKind::certificate) {
        observation.subject = facts.subject;
      }
    }
    observation.version_wire = end.highest_offered;
    observation.decision = end.decision.legacy_decision;
    observation.server_name = hello.server_name;
    observation.route = route.name;
    observation.ja4 = hello.ja4;
    observation.family = families::family_label(observed.family);
    observation.owner = observed.owner;
    observation.cipher = cipher;
    observation.certificate = end.certificate;
    observation.below_version = end.decision.below_version;
    observation.below_ciphers = end.decision.below_ciphers;
    observation.below_groups = end.decision.below_groups;
    observation.offered_groups = hello.offered_groups;
    observation.key_share_groups = hello.key_share_groups;
    observation.group = end.group;
    observation.pq_offered = hello.pq_offered;
    observation.failure = end.failure;
    observation.when = now;
    runtime.metrics->legacy_clients().record(observation);
    if (runtime.client_ledger) {
      // The client as the live table names it: its certificate subject, else its address. Timed
      // by the clock its horizon and `since` are judged by (the system's; tests move it by days).
      const std::string client = observation.subject.empty() ? config::to_string(observation.client)
                                                             : std::string(observation.subject);
      runtime.client_ledger->record({.listener = runtime.config.name,
                                     .route = route.name,
                                     .client = client,
                                     .version_wire = observation.version_wire,
                                     .decision = observation.decision,
                                     .family = observation.family,
                                     .owner = observation.owner,
                                     .ja4 = observation.ja4,
                                     .server_name = observation.server_name,
                                     .below_version = observation.below_version,
                                     .below_ciphers = observation.below_ciphers,
                                     .below_groups = observation.below_groups,
                                     .when = runtime.clock()});
    }
  }
  if (!observed.for_log) return;
  handshake_log::HandshakeEvent event;
  event.time = now;
  event.listener = runtime.config.name;
  event.route = route.name;
  event.client_address = config::to_string(observed.client);
  event.client_port = observed.peer.port();
  event.balancer = std::move(observed.balancer);
  event.vpce_id = std::move(observed.vpce_id);
  event.offered_versions = std::move(hello.offered_versions);
  event.highest_offered = end.highest_offered;
  event.negotiated_version = end.completed ? end.negotiated_version : 0;
  event.cipher = cipher;
  event.offered_ciphers = std::move(hello.cipher_suites);
  event.offered_groups = std::move(hello.offered_groups);
  event.groups_offered = hello.groups_offered;
  event.key_share_groups = std::move(hello.key_share_groups);
  event.key_shares_offered = hello.key_shares_offered;
  event.pq_offered = hello.pq_offered;
  event.group = end.group;
  event.server_name = std::move(hello.server_name);
  event.alpn = std::move(hello.alpn);
  event.alpn_offered = hello.alpn_offered;
  event.alpn_selected = end.alpn_selected;
  event.certificate = end.certificate;
  event.upstream_version = end.upstream_version;
  if (end.upstream_cipher != nullptr) event.upstream_cipher = end.upstream_cipher;
  event.ja3 = std::move(hello.ja3);
  event.ja4 = std::move(hello.ja4);
  event.family = families::family_label(observed.family);
  event.family_confidence = observed.family.confidence;
  event.owner = std::move(observed.owner);
  // An http refusal completes the handshake but is a rejection all the same; so is a handshake
  // refused for its client certificate at a resumption, after the library completed it.
  event.outcome = refused ? "rejected" : (end.completed ? "accepted" : "failed");
  event.legacy = end.decision.legacy;
  event.below_version = end.decision.below_version;
  event.below_ciphers = end.decision.below_ciphers;
  event.below_groups = end.decision.below_groups;
  event.decision = end.decision.legacy ? std::string(to_string(end.decision.legacy_decision))
                                       : std::string("allowed");
  if (end.decision.reject) {
    event.refused_by = to_string(end.decision.refused_by);
  } else if (refused) {
    event.refused_by = "client_certificate";
  }
  if (certificate != nullptr && certificate->decided) {
    handshake_log::HandshakeEvent::ClientCertificate logged;
    logged.result = to_string(certificate->result);
    if (const auto& facts = certificate->facts) {
      logged.subject = facts->subject;
      logged.issuer = facts->issuer;
      logged.serial = facts->serial;
      logged.sha256 = facts->sha256;
      logged.not_after = facts->not_after;
    }
    event.client_certificate = std::move(logged);
  }
  event.reason = to_string(end.decision.reason);
  event.failure = end.failure;
  event.resumed = end.resumed;
  route.access_log->submit(std::move(event));
}

}  // namespace tlsfloor::net
