// tlsfloor: a TLS-terminating TCP reverse proxy that enforces a minimum TLS version per
// listener and makes every handshake decision visible as Prometheus metrics.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "config/config_parser.h"
#include "metrics/build_info.h"
#include "proxy/server.h"

namespace {

using tlsfloor::config::ConfigError;

int report_errors(const std::vector<ConfigError>& errors) {
  for (const auto& error : errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
  std::fprintf(stderr, "%zu configuration error%s\n", errors.size(), errors.size() == 1 ? "" : "s");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tlsfloor: TLS-terminating reverse proxy that phases out legacy TLS versions"};
  std::string config_path;
  bool check_only = false;
  bool show_version = false;
  std::string log_level = "info";
  app.add_option("-c,--config", config_path, "configuration file (YAML)");
  app.add_flag("--check", check_only, "validate the configuration and certificates, then exit");
  app.add_flag("-V,--version", show_version, "print the version and the TLS library");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  CLI11_PARSE(app, argc, argv);

  if (show_version) {
    std::printf("tlsfloor %s\nTLS library: %s\n", tlsfloor::metrics::kVersion.data(),
                tlsfloor::metrics::kTlsLibrary.data());
    return 0;
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "tlsfloor: --config FILE is required (see --help)\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);

  auto parsed = tlsfloor::config::load_config_file(config_path);
  if (!parsed.config) return report_errors(parsed.errors);
  std::vector<ConfigError> errors;
  // Building the server loads and checks every certificate but binds nothing yet.
  auto server = tlsfloor::proxy::Server::create(std::move(*parsed.config), errors);
  if (!server) return report_errors(errors);
  if (check_only) {
    std::printf("%s: configuration OK\n", config_path.c_str());
    return 0;
  }
  try {
    server->handle_signals();
    server->start();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  server->wait();
  spdlog::info("stopped");
  return 0;
}
