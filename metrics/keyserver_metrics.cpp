#include "metrics/keyserver_metrics.h"

namespace tlsfloor::metrics {
namespace {

// From a key server on the same machine (about 0.3 ms for RSA-2048) to one that restarts.
const prometheus::Histogram::BucketBoundaries kLatencyBuckets{
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

}  // namespace

KeyServerMetrics::KeyServerMetrics(prometheus::Registry& registry)
    : operations_(prometheus::BuildCounter()
                      .Name("tlsfloor_keyserver_operations_total")
                      .Help("Private-key operations asked of the key server, per key (certificate "
                            "subject and key type), by operation (sign, decrypt) and outcome: "
                            "made; the key server's refusal (unknown_key, bad_algorithm, denied, "
                            "failed); disconnected (in flight when the connection broke), "
                            "unavailable (no connection within keyserver.timeout), timeout (not "
                            "answered in time). Every outcome but made failed a handshake.")
                      .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("tlsfloor_keyserver_operation_seconds")
                   .Help("Time from asking the key server to its answer, for made operations.")
                   .Register(registry)),
      connections_open_(prometheus::BuildGauge()
                            .Name("tlsfloor_keyserver_connections_open")
                            .Help("Connections to the key server that are up.")
                            .Register(registry)
                            .Add({})),
      operations_pending_(prometheus::BuildGauge()
                              .Name("tlsfloor_keyserver_operations_pending")
                              .Help("Operations asked of the key server and not answered yet "
                                    "(queued while no connection is up, or sent).")
                              .Register(registry)
                              .Add({})),
      connections_wanted_(prometheus::BuildGauge()
                              .Name("tlsfloor_keyserver_connections")
                              .Help("Connections to the key server tlsfloor keeps (one per thread "
                                    "that runs handshakes).")
                              .Register(registry)
                              .Add({})),
      connects_(prometheus::BuildCounter()
                    .Name("tlsfloor_keyserver_connects_total")
                    .Help("Attempts to connect to the key server, by result.")
                    .Register(registry)),
      connected_(connects_.Add({{"result", "success"}})),
      connect_failed_(connects_.Add({{"result", "failure"}})),
      disconnects_(prometheus::BuildCounter()
                       .Name("tlsfloor_keyserver_disconnects_total")
                       .Help("Connections to the key server that broke (it stopped or restarted, "
                             "or sent a malformed frame).")
                       .Register(registry)
                       .Add({})) {}

prometheus::Counter& KeyServerMetrics::operations(const std::string& subject,
                                                  const std::string& key_type,
                                                  std::string_view operation,
                                                  std::string_view outcome) {
  return operations_.Add({{"subject", subject},
                          {"key_type", key_type},
                          {"operation", std::string(operation)},
                          {"outcome", std::string(outcome)}});
}

prometheus::Histogram& KeyServerMetrics::latency(const std::string& subject,
                                                 const std::string& key_type,
                                                 std::string_view operation) {
  return latency_.Add(
      {{"subject", subject}, {"key_type", key_type}, {"operation", std::string(operation)}},
      kLatencyBuckets);
}

}  // namespace tlsfloor::metrics
