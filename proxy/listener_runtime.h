#pragma once
// What a listener needs at run time, built once from its validated config: the policy, the
// loaded certificates, the SSL_CTX and its metric handles. Immutable once built; connections
// keep the snapshot they started with.
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <optional>
#include <vector>

#include "config/config.h"
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
};

/// Builds the runtime of a listener, loading and checking its certificates. Errors (with the
/// config position) are appended to `errors`; the result is null if there were any.
std::shared_ptr<const ListenerRuntime> build_listener_runtime(
    const config::ListenerConfig& listener, metrics::Metrics& metrics,
    std::vector<config::ConfigError>& errors);

}  // namespace tlsfloor::proxy
