#include "proxy/listener_runtime.h"

#include <boost/asio/ip/address.hpp>

namespace tlsfloor::proxy {

std::shared_ptr<const ListenerRuntime> build_listener_runtime(
    const config::ListenerConfig& listener, metrics::Metrics& metrics,
    std::vector<config::ConfigError>& errors) {
  const std::size_t errors_before = errors.size();
  auto runtime = std::make_shared<ListenerRuntime>();
  runtime->config = listener;
  runtime->policy = {listener.tls.min_version, listener.tls.max_version, listener.enforcement.mode};
  runtime->certificates = CertificateSet::load(listener.certificates, errors);
  runtime->ssl_ctx = make_server_context(listener);
  if (!runtime->ssl_ctx) {
    errors.push_back({listener.where, "cannot create a TLS context: " + take_ssl_error()});
  }
  if (listener.upstream.address.host_is_ip_literal()) {
    runtime->upstream_endpoint.emplace(
        boost::asio::ip::make_address(listener.upstream.address.host),
        listener.upstream.address.port);
  }
  if (errors.size() != errors_before) return nullptr;
  runtime->metrics = &metrics.listener(listener.name, config::to_string(listener.tls.min_version),
                                       config::to_string(listener.tls.max_version),
                                       config::to_string(listener.enforcement.mode));
  return runtime;
}

}  // namespace tlsfloor::proxy
