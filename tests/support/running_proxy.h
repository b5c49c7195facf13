#pragma once
// The real proxy, started in-process from YAML on ephemeral ports, for integration tests.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config_parser.h"
#include "tests/support/admin_client.h"

// Declared, not included: the server's header is most of an integration test's compile time
// (4.6 s of parsing alone), and most tests only talk to the proxy over its ports. A test that
// calls the server itself includes proxy/server/server.h.
namespace tlsfloor::server {
class Server;
}

namespace tlsfloor::test {

class RunningProxy {
 public:
  /// Parses and validates `yaml` (as if read from `config.yaml` in the working directory),
  /// builds the server and starts it. Throws std::runtime_error with every config error.
  explicit RunningProxy(const std::string& yaml);
  /// With the time exceptions and brownouts are judged by under the test's control.
  RunningProxy(const std::string& yaml, std::function<config::Timestamp()> clock);
  /// From a configuration file, which reloads then read again.
  static std::unique_ptr<RunningProxy> from_file(const std::string& path);
  ~RunningProxy();

  std::uint16_t port(const std::string& listener = "api") const;
  std::uint16_t admin_port() const;
  /// GET /metrics from the admin listener.
  std::string scrape() const;
  /// One sample from a fresh scrape; nullopt when the series does not exist.
  std::optional<double> metric(const std::string& name, const Labels& labels) const;
  /// Like metric(), but scrapes again until the value is `expected` (20 s at most): the proxy
  /// records outcomes on its own threads, a moment after the client has seen them.
  std::optional<double> metric_eventually(const std::string& name, const Labels& labels,
                                          double expected) const;
  server::Server& server() { return *server_; }
  /// Requests a graceful stop and waits for it.
  void stop();

 private:
  RunningProxy(config::ParseResult parsed, std::function<config::Timestamp()> clock);
  std::unique_ptr<server::Server> server_;
  bool stopped_ = false;
};

}  // namespace tlsfloor::test
