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
#include "metrics/handshake_log/handshake_log.h"
#include "metrics/metrics.h"
#include "proxy/policy/policy.h"
#include "proxy/state/exception_ledger.h"
#include "proxy/tls/certificate_set.h"
#include "proxy/tls/server_context.h"

namespace tlsfloor::runtime {

struct ListenerRuntime {
  config::ListenerConfig config;
  policy::VersionPolicy policy;
  tls::CertificateSet certificates;
  bssl::UniquePtr<SSL_CTX> ssl_ctx;
  metrics::ListenerMetrics* metrics = nullptr;
  /// Set when the upstream is an IP literal; otherwise the name is resolved per connection.
  std::optional<boost::asio::ip::tcp::endpoint> upstream_endpoint;
  /// How clients are keyed in the per-client legacy table (and for max_handshakes_per_source).
  config::LegacyClientsConfig legacy_clients;
  /// Client sockets at or above this descriptor number are refused (the process's reserve).
  config::DescriptorReserve descriptors;
  /// The handshake log this listener writes to, if any (listeners may share one file).
  std::shared_ptr<handshake_log::HandshakeLog> access_log;
  bool access_log_legacy_only = false;
  /// Where the use of config.exceptions is recorded, in the same order.
  std::vector<std::shared_ptr<state::ExceptionUse>> exception_uses;
  /// The time exceptions and brownouts are judged by (injected by tests).
  std::function<config::Timestamp()> clock;
};

/// What listeners share, built once per configuration.
struct SharedRuntime {
  std::function<config::Timestamp()> clock;
  config::LegacyClientsConfig legacy_clients;
  /// From the process's descriptor limit (RLIMIT_NOFILE) when built, and the configuration.
  config::DescriptorReserve descriptors;
  /// Handshake logs by path.
  std::map<std::string, std::shared_ptr<handshake_log::HandshakeLog>> access_logs;
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
/// ledger, and expired exceptions are logged.
void publish(const ListenerRuntime& runtime, metrics::Metrics& metrics,
             state::ExceptionLedger& ledger);

}  // namespace tlsfloor::runtime
