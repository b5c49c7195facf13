#include "proxy/handshake_record.h"

#include <chrono>

#include "metrics/client_key.h"
#include "metrics/handshake_event.h"
#include "proxy/fingerprint.h"

namespace tlsfloor::proxy {

metrics::LegacyDecision legacy_decision(const Decision& decision) {
  return decision.reject ? metrics::LegacyDecision::rejected
                         : metrics::LegacyDecision::would_reject;
}

std::unique_ptr<HelloFacts> gather_hello_facts(const ListenerRuntime& runtime,
                                               const ClientHello& hello, const Decision& decision) {
  const bool for_log =
      runtime.access_log != nullptr && (decision.legacy || !runtime.access_log_legacy_only);
  if (!for_log && !decision.legacy) return nullptr;
  auto facts = std::make_unique<HelloFacts>();
  facts->for_log = for_log;
  facts->server_name = hello.server_name;
  facts->ja4 = ja4(hello);
  if (for_log) {
    facts->offered_versions = offered_versions(hello);
    facts->alpn = hello.alpn;
    facts->ja3 = ja3(hello);
  }
  return facts;
}

void report_handshake(const ListenerRuntime& runtime, const HelloFacts& facts,
                      const HandshakeEnd& end) {
  const auto now = std::chrono::system_clock::now();
  const std::string_view cipher = end.cipher != nullptr ? end.cipher : "";
  if (end.decision.legacy) {
    metrics::LegacyClientTracker::Observation observation;
    observation.client =
        metrics::make_client_key(facts.peer.address(), runtime.legacy_clients.ipv4_prefix,
                                 runtime.legacy_clients.ipv6_prefix);
    observation.version_wire = end.highest_offered;
    observation.decision = legacy_decision(end.decision);
    observation.server_name = facts.server_name;
    observation.ja4 = facts.ja4;
    observation.cipher = cipher;
    observation.when = now;
    runtime.metrics->legacy_clients().record(observation);
  }
  if (!facts.for_log) return;
  metrics::HandshakeEvent event;
  event.time = now;
  event.listener = runtime.config.name;
  // Unmapped, as the per-client key does: ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1.
  const auto address = facts.peer.address();
  event.client_address =
      address.is_v6() && address.to_v6().is_v4_mapped()
          ? boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
                .to_string()
          : address.to_string();
  event.client_port = facts.peer.port();
  event.offered_versions = facts.offered_versions;
  event.highest_offered = end.highest_offered;
  event.negotiated_version = end.completed ? end.negotiated_version : 0;
  event.cipher = cipher;
  event.server_name = facts.server_name;
  event.alpn = facts.alpn;
  event.ja3 = facts.ja3;
  event.ja4 = facts.ja4;
  event.outcome = end.completed ? "accepted" : (end.decision.reject ? "rejected" : "failed");
  event.legacy = end.decision.legacy;
  event.decision = end.decision.legacy ? std::string(to_string(legacy_decision(end.decision)))
                                       : std::string("allowed");
  event.reason = to_string(end.decision.reason);
  runtime.access_log->submit(std::move(event));
}

}  // namespace tlsfloor::proxy
