#pragma once
// What a listener needs at run time, built once from its validated config: the policy, the
// loaded certificates, the SSL_CTX and its metric handles. Immutable once built; connections
// keep the snapshot they started with.
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "metrics/handshake_log.h"
#include "metrics/metrics.h"
#include "proxy/policy.h"
#include "proxy/tls_context.h"

namespace tlsfloor::proxy {

struct ListenerRuntime {
  config::ListenerConfig config;
  VersionPolicy policy;
  CertificateSet certificates;
  bssl::UniquePtr<SSL_CTX> ssl_ctx;
  metrics::ListenerMetrics* metrics = nullptr;
  /// Set when the upstream is an IP literal; otherwise the name is resolved per connection.
  std::optional<boost::asio::ip::tcp::endpoint> upstream_endpoint;
  /// How clients are keyed in the per-client legacy table.
  config::LegacyClientsConfig legacy_clients;
  /// The handshake log this listener writes to, if any (listeners may share one file).
  std::shared_ptr<metrics::HandshakeLog> access_log;
  bool access_log_legacy_only = false;
  /// The series of config.exceptions, in the same order.
  std::vector<metrics::ExceptionMetrics*> exception_metrics;
  /// The time exceptions and brownouts are judged by (injected by tests).
  std::function<config::Timestamp()> clock;
};

/// What listeners share, built once per configuration.
struct SharedRuntime {
  std::function<config::Timestamp()> clock;
  config::LegacyClientsConfig legacy_clients;
  /// Handshake logs by path.
  std::map<std::string, std::shared_ptr<metrics::HandshakeLog>> access_logs;
};

/// Opens every handshake log the configuration names (one per distinct path). Errors (with the
/// position of the `path` value) are appended to `errors`.
/// Logs already open in `reuse` (the running configuration's) are shared, not reopened.
SharedRuntime build_shared_runtime(const config::Config& config, metrics::Metrics& metrics,
                                   std::function<config::Timestamp()> clock,
                                   std::vector<config::ConfigError>& errors,
                                   const SharedRuntime* reuse = nullptr);

/// Builds the runtime of a listener, loading and checking its certificates. Errors (with the
/// config position) are appended to `errors`; the result is null if there were any. Publishes
/// nothing: a reload may still be refused.
std::shared_ptr<const ListenerRuntime> build_listener_runtime(
    const config::Config& config, const config::ListenerConfig& listener,
    const SharedRuntime& shared, metrics::Metrics& metrics,
    std::vector<config::ConfigError>& errors);

/// Once the runtime is in force: its policy and exception expiries become metrics, and expired
/// exceptions are logged.
void publish(const ListenerRuntime& runtime, metrics::Metrics& metrics);

}  // namespace tlsfloor::proxy
