#include "tests/support/running_proxy.h"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "config/config_parser.h"
#include "proxy/server/server.h"

namespace tlsfloor::test {

RunningProxy::RunningProxy(const std::string& yaml)
    : RunningProxy(yaml, [] { return std::chrono::system_clock::now(); }) {}

RunningProxy::RunningProxy(const std::string& yaml, std::function<config::Timestamp()> clock)
    : RunningProxy(config::parse_config(yaml, "config.yaml"), std::move(clock)) {}

std::unique_ptr<RunningProxy> RunningProxy::from_file(const std::string& path) {
  return std::unique_ptr<RunningProxy>(new RunningProxy(
      config::load_config_file(path), [] { return std::chrono::system_clock::now(); }));
}

RunningProxy::RunningProxy(config::ParseResult parsed, std::function<config::Timestamp()> clock) {
  std::vector<config::ConfigError> errors = parsed.errors;
  if (parsed.config) {
    server_ = server::Server::create(std::move(*parsed.config), errors, std::move(clock));
  }
  if (!server_) {
    std::string text = "test config is invalid:";
    for (const auto& error : errors) text += "\n  " + error.to_string();
    throw std::runtime_error(text);
  }
  server_->start();
}

RunningProxy::~RunningProxy() { stop(); }

void RunningProxy::stop() {
  if (stopped_) return;
  stopped_ = true;
  server_->request_stop();
  server_->wait();
}

std::uint16_t RunningProxy::port(const std::string& listener) const {
  return server_->listener_port(listener);
}

std::uint16_t RunningProxy::admin_port() const { return server_->admin_port().value_or(0); }

std::string RunningProxy::scrape() const { return http_get(admin_port(), "/metrics").body; }

std::optional<double> RunningProxy::metric(const std::string& name, const Labels& labels) const {
  return metric_value(scrape(), name, labels);
}

std::optional<double> RunningProxy::metric_eventually(const std::string& name, const Labels& labels,
                                                      double expected) const {
  auto value = metric(name, labels);
  for (int i = 0; i < 2000 && value != expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    value = metric(name, labels);
  }
  return value;
}

}  // namespace tlsfloor::test
