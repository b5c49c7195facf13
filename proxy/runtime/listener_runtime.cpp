#include "proxy/runtime/listener_runtime.h"

#include <boost/asio/ip/address.hpp>

#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <set>
#include <system_error>

#include "proxy/tls/ssl_error.h"

namespace tlsfloor::runtime {

SharedRuntime build_shared_runtime(const config::Config& config, metrics::Metrics& metrics,
                                   std::function<config::Timestamp()> clock,
                                   std::vector<config::ConfigError>& errors,
                                   const SharedRuntime* reuse, BuildMode mode) {
  SharedRuntime shared;
  shared.clock = std::move(clock);
  shared.legacy_clients = config.legacy_clients;
  rlimit descriptors{};
  ::getrlimit(RLIMIT_NOFILE, &descriptors);
  shared.descriptors = config::descriptor_reserve(descriptors.rlim_cur, config.descriptor_reserve);
  std::set<std::string> seen;  // each path once: listeners inheriting one log share its error
  const auto open = [&](const std::optional<config::AccessLogConfig>& log) {
    if (!log || !seen.insert(log->path).second) return;
    if (mode == BuildMode::check) {
      if (auto error = handshake_log::check_writable(log->path, log->follow_symlinks)) {
        errors.push_back({log->where, std::move(*error)});
      }
      return;
    }
    if (reuse != nullptr) {
      // One writer per file across reloads: two would interleave their batches.
      if (const auto it = reuse->access_logs.find(log->path); it != reuse->access_logs.end()) {
        shared.access_logs.emplace(log->path, it->second);
        return;
      }
    }
    try {
      handshake_log::HandshakeLog::Options options;
      options.follow_symlinks = log->follow_symlinks;
      shared.access_logs.emplace(log->path,
                                 std::make_shared<handshake_log::HandshakeLog>(
                                     log->path, metrics.handshake_log(log->path), options));
    } catch (const std::system_error& e) {
      errors.push_back({log->where, std::string(e.what())});
    }
  };
  // Only logs some listener uses: a global log that every listener overrides is not opened.
  for (const auto& listener : config.listeners) open(config.access_log_of(listener));
  return shared;
}

std::shared_ptr<const ListenerRuntime> build_listener_runtime(
    const config::Config& config, const config::ListenerConfig& listener,
    const SharedRuntime& shared, metrics::Metrics& metrics, state::ExceptionLedger& ledger,
    std::vector<config::ConfigError>& errors) {
  const std::size_t errors_before = errors.size();
  auto runtime = std::make_shared<ListenerRuntime>();
  runtime->config = listener;
  runtime->policy = policy::version_policy(listener);
  runtime->certificates = tls::CertificateSet::load(listener.certificates, errors);
  runtime->ssl_ctx = tls::make_server_context(listener);
  if (!runtime->ssl_ctx) {
    errors.push_back({listener.where, "cannot create a TLS context: " + tls::take_ssl_error()});
  }
  if (listener.upstream.address.host_is_ip_literal()) {
    runtime->upstream_endpoint.emplace(
        boost::asio::ip::make_address(listener.upstream.address.host),
        listener.upstream.address.port);
  }
  runtime->legacy_clients = shared.legacy_clients;
  runtime->descriptors = shared.descriptors;
  runtime->clock = shared.clock;
  if (const auto& log = config.access_log_of(listener)) {
    const auto it = shared.access_logs.find(log->path);
    if (it != shared.access_logs.end()) runtime->access_log = it->second;
    runtime->access_log_legacy_only = log->legacy_only;
  }
  if (errors.size() != errors_before) return nullptr;
  runtime->metrics = &metrics.listener(listener.name);
  for (const auto& exception : listener.exceptions) {
    runtime->exception_uses.push_back(ledger.use(listener.name, exception.name));
  }
  return runtime;
}

void publish(const ListenerRuntime& runtime, metrics::Metrics& metrics,
             state::ExceptionLedger& ledger) {
  const config::ListenerConfig& listener = runtime.config;
  metrics.publish_policy(listener.name, config::to_string(listener.tls.min_version),
                         config::to_string(listener.tls.max_version),
                         config::to_string(listener.enforcement.mode));
  const config::Timestamp now = runtime.clock();
  ledger.adopt(listener, now);
  for (const config::ExceptionConfig& exception : listener.exceptions) {
    // Said at every load, so an expired override cannot linger unnoticed in the file.
    if (exception.expires <= now) {
      spdlog::warn("listener {}: exception {} expired at {}; it matches no client", listener.name,
                   exception.name, config::format_timestamp(exception.expires));
    }
  }
}

}  // namespace tlsfloor::runtime
