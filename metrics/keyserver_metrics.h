#pragma once
// The series of tlsfloor's side of the key server (proxy/keyserver_client/): per key (labelled
// by the certificate's subject and key type, so bounded by the configuration), operations by
// outcome and their latency; and the state of the connections to the key server. Handles are
// safe from any thread; looking one up locks (the client caches them).
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

namespace tlsfloor::metrics {

class KeyServerMetrics {
 public:
  /// Registers the families in `registry` (the process's, Metrics::registry()).
  explicit KeyServerMetrics(prometheus::Registry& registry);
  KeyServerMetrics(const KeyServerMetrics&) = delete;
  KeyServerMetrics& operator=(const KeyServerMetrics&) = delete;

  /// tlsfloor_keyserver_operations_total: `operation` sign or decrypt; `outcome` made, the key
  /// server's refusal (unknown_key, bad_algorithm, denied, failed), or tlsfloor's own
  /// (disconnected: in flight when the connection broke; unavailable: no connection within
  /// keyserver.timeout; timeout: sent, not answered in time).
  prometheus::Counter& operations(const std::string& subject, const std::string& key_type,
                                  std::string_view operation, std::string_view outcome);
  /// tlsfloor_keyserver_operation_seconds: from the request to a made answer.
  prometheus::Histogram& latency(const std::string& subject, const std::string& key_type,
                                 std::string_view operation);
  /// Operations submitted and not finished yet (each one holds a handshake).
  prometheus::Gauge& operations_pending() { return operations_pending_; }
  /// Connections to the key server that are up now, and how many tlsfloor keeps (one per
  /// thread that runs handshakes).
  prometheus::Gauge& connections_open() { return connections_open_; }
  prometheus::Gauge& connections_wanted() { return connections_wanted_; }
  /// Connection attempts by result, and connections that broke.
  prometheus::Counter& connects(bool success) { return success ? connected_ : connect_failed_; }
  prometheus::Counter& disconnects() { return disconnects_; }

 private:
  prometheus::Family<prometheus::Counter>& operations_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Gauge& connections_open_;
  prometheus::Gauge& operations_pending_;
  prometheus::Gauge& connections_wanted_;
  prometheus::Family<prometheus::Counter>& connects_;
  prometheus::Counter& connected_;
  prometheus::Counter& connect_failed_;
  prometheus::Counter& disconnects_;
};

}  // namespace tlsfloor::metrics
