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
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace tlsfloor::metrics {

enum class HandshakeOutcome { accepted, rejected, failed };
enum class LegacyDecision { rejected, would_reject };
enum class Direction { client_to_upstream, upstream_to_client };

class Metrics;

/// The series of one listener. Obtained from Metrics::listener(); lives as long as the
/// registry, so connections may keep a reference across a reload.
class ListenerMetrics {
 public:
  /// `version_wire`: negotiated version when accepted, else the highest offered (0: unknown).
  void count_handshake(std::uint16_t version_wire, HandshakeOutcome outcome);
  void count_legacy_handshake(std::uint16_t version_wire, LegacyDecision decision);
  void observe_handshake_duration(double seconds) { handshake_duration_.Observe(seconds); }
  /// An accepted handshake that resumed a session (ticket or cache): no certificate signature.
  void count_resumed_handshake() { resumed_handshakes_.Increment(); }
  void connection_opened() {
    connections_total_.Increment();
    connections_active_.Increment();
  }
  void connection_closed() { connections_active_.Decrement(); }
  void count_bytes(Direction direction, std::uint64_t bytes) {
    (direction == Direction::client_to_upstream ? bytes_in_ : bytes_out_)
        .Increment(static_cast<double>(bytes));
  }
  void count_upstream_connect_failure() { upstream_connect_failures_.Increment(); }
  void count_accept_error() { accept_errors_.Increment(); }

 private:
  friend class Metrics;
  ListenerMetrics(Metrics& owner, const std::string& name);
  // Label combinations are created on first use (Family::Add locks) and then cached.
  prometheus::Counter& cached(std::atomic<prometheus::Counter*>& slot,
                              prometheus::Family<prometheus::Counter>& family,
                              const prometheus::Labels& labels);

  static constexpr std::size_t kVersionLabels = 6;  // TLS1.0..TLS1.3, SSL3.0, unknown
  Metrics& owner_;
  std::string name_;
  std::array<std::atomic<prometheus::Counter*>, kVersionLabels * 3> handshakes_{};
  std::array<std::atomic<prometheus::Counter*>, kVersionLabels * 2> legacy_{};
  prometheus::Histogram& handshake_duration_;
  prometheus::Counter& resumed_handshakes_;
  prometheus::Counter& connections_total_;
  prometheus::Gauge& connections_active_;
  prometheus::Counter& bytes_in_;
  prometheus::Counter& bytes_out_;
  prometheus::Counter& upstream_connect_failures_;
  prometheus::Counter& accept_errors_;
  prometheus::Gauge* policy_info_ = nullptr;  // guarded by Metrics::mutex_
};

/// Owns the registry. One per process.
class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// The handles of listener `name`, created on first call. Publishes (or, on a later call
  /// with other values, replaces) its `tlsfloor_policy_info` series.
  ListenerMetrics& listener(const std::string& name, std::string_view min_version,
                            std::string_view max_version, std::string_view mode);

  /// Everything, in the Prometheus text exposition format (version 0.0.4).
  std::string render() const;

  prometheus::Registry& registry() { return *registry_; }

 private:
  friend class ListenerMetrics;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& handshakes_;
  prometheus::Family<prometheus::Counter>& legacy_handshakes_;
  prometheus::Family<prometheus::Histogram>& handshake_duration_;
  prometheus::Family<prometheus::Counter>& resumed_handshakes_;
  prometheus::Family<prometheus::Counter>& connections_total_;
  prometheus::Family<prometheus::Gauge>& connections_active_;
  prometheus::Family<prometheus::Counter>& bytes_;
  prometheus::Family<prometheus::Counter>& upstream_connect_failures_;
  prometheus::Family<prometheus::Counter>& accept_errors_;
  prometheus::Family<prometheus::Gauge>& policy_info_;
  prometheus::Family<prometheus::Gauge>& build_info_;

  std::mutex mutex_;  // listeners_ and policy_info series; never taken on the data path
  std::map<std::string, std::unique_ptr<ListenerMetrics>, std::less<>> listeners_;
};

/// Label values, shared with logs and JSON views.
std::string_view to_string(HandshakeOutcome outcome);
std::string_view to_string(LegacyDecision decision);
std::string_view to_string(Direction direction);

}  // namespace tlsfloor::metrics
