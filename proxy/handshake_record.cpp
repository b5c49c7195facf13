#include "proxy/handshake_record.h"

#include <chrono>

#include "metrics/client_key.h"
#include "metrics/handshake_event.h"
#include "proxy/brownout.h"
#include "proxy/exceptions.h"
#include "proxy/fingerprint.h"

namespace tlsfloor::proxy {

Decision decide_legacy(const ListenerRuntime& runtime, std::uint16_t highest_offered,
                       const HelloFacts& facts) {
  const config::Timestamp now = runtime.clock();
  const auto& enforcement = runtime.config.enforcement;
  LegacyCircumstances circumstances;
  circumstances.exception = match_exception(
      runtime.config.exceptions, {facts.peer.address(), facts.server_name, facts.ja4}, now);
  if (enforcement.mode == config::EnforcementMode::brownout) {
    if (const auto window = active_brownout_window(enforcement.brownout, now)) {
      // Keyed like the per-client table, so a /24 that is one client is refused as one.
      const metrics::ClientKey key =
          metrics::make_client_key(facts.peer.address(), runtime.legacy_clients.ipv4_prefix,
                                   runtime.legacy_clients.ipv6_prefix);
      circumstances.brownout_refuses = selected_for_brownout(
          enforcement.brownout.fraction, runtime.config.name,
          std::span(key.bytes.data(), key.family == metrics::ClientKey::Family::ipv4 ? 4 : 16),
          *window);
    }
  }
  Decision decision = decide(highest_offered, runtime.policy, circumstances);
  if (decision.exception != nullptr) {
    const auto index =
        static_cast<std::size_t>(decision.exception - runtime.config.exceptions.data());
    metrics::ExceptionMetrics& used = *runtime.exception_metrics[index];
    used.handshakes.Increment();
    used.last_used.Set(config::to_unix_seconds(now));
  }
  return decision;
}

std::unique_ptr<HelloFacts> gather_hello_facts(const ListenerRuntime& runtime,
                                               const ClientHello& hello, const Decision& decision) {
  const bool for_log =
      runtime.access_log != nullptr && (decision.legacy || !runtime.access_log_legacy_only);
  // Legacy clients always: exceptions and the per-client table need SNI and JA4.
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

void report_handshake(const ListenerRuntime& runtime, HelloFacts&& facts, const HandshakeEnd& end) {
  const auto now = std::chrono::system_clock::now();
  const std::string_view cipher = end.cipher != nullptr ? end.cipher : "";
  if (end.decision.legacy) {
    metrics::LegacyClientTracker::Observation observation;
    observation.client =
        metrics::make_client_key(facts.peer.address(), runtime.legacy_clients.ipv4_prefix,
                                 runtime.legacy_clients.ipv6_prefix);
    observation.version_wire = end.highest_offered;
    observation.decision = end.decision.legacy_decision;
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
  // Unmapped, as the per-client key: ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1.
  event.client_address = metrics::unmapped(facts.peer.address()).to_string();
  event.client_port = facts.peer.port();
  event.offered_versions = std::move(facts.offered_versions);
  event.highest_offered = end.highest_offered;
  event.negotiated_version = end.completed ? end.negotiated_version : 0;
  event.cipher = cipher;
  event.server_name = std::move(facts.server_name);
  event.alpn = std::move(facts.alpn);
  event.ja3 = std::move(facts.ja3);
  event.ja4 = std::move(facts.ja4);
  // An http refusal completes the handshake but is a rejection all the same.
  event.outcome = end.decision.reject ? "rejected" : (end.completed ? "accepted" : "failed");
  event.legacy = end.decision.legacy;
  event.decision = end.decision.legacy ? std::string(to_string(end.decision.legacy_decision))
                                       : std::string("allowed");
  event.reason = to_string(end.decision.reason);
  runtime.access_log->submit(std::move(event));
}

}  // namespace tlsfloor::proxy
