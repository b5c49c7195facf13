#include "tests/support/third_party.h"

#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "tests/support/admin_client.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {

bool wait_for_listener(std::uint16_t port) {
  for (int attempt = 0; attempt < 2000; ++attempt) {
    try {
      ::close(connect_tcp(port));
      return true;
    } catch (const std::runtime_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return false;
}

std::unique_ptr<ChildProcess> start_nginx(const TempDir& dir, std::uint16_t port,
                                          const std::string& config_body) {
  const std::string config =
      dir.write("nginx.conf",
                "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"
                "daemon off;\nmaster_process off;\npid " +
                    (dir.path() / "nginx.pid").string() +
                    ";\nerror_log stderr notice;\nevents {}\n" + config_body);
  auto nginx = std::make_unique<ChildProcess>(
      std::vector<std::string>{"nginx", "-p", dir.path().string(), "-c", config});
  wait_for_listener(port);
  return nginx;
}

std::unique_ptr<ChildProcess> start_haproxy(const TempDir& dir, std::uint16_t port,
                                            const std::string& config) {
  auto haproxy = std::make_unique<ChildProcess>(
      std::vector<std::string>{"haproxy", "-db", "-f", dir.write("haproxy.cfg", config)});
  wait_for_listener(port);
  return haproxy;
}

namespace {

// %-escapes for a query string.
std::string url_encoded(const std::string& text) {
  std::string out;
  char escape[4];
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(escape, sizeof escape, "%%%02X", c);
      out += escape;
    }
  }
  return out;
}

std::optional<std::string> data_of(const std::string& body, const char* key) {
  try {
    const nlohmann::json document = nlohmann::json::parse(body);
    if (document.value("status", "") != "success") return std::nullopt;
    return document["data"][key].dump();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> RunningPrometheus::query(const std::string& promql) const {
  return data_of(http_get(port, "/api/v1/query?query=" + url_encoded(promql)).body, "result");
}

std::optional<std::string> RunningPrometheus::alerts() const {
  return data_of(http_get(port, "/api/v1/alerts").body, "alerts");
}

RunningPrometheus start_prometheus(const TempDir& dir, const std::vector<std::string>& targets,
                                   const std::vector<std::string>& rule_files) {
  std::string config = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n";
  for (const std::string& file : rule_files) config += "  - " + file + "\n";
  config += "scrape_configs:\n  - job_name: tlsfloor\n    static_configs:\n      - targets: [";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    config += (i == 0 ? "'" : ", '") + targets[i] + "'";
  }
  config += "]\n";
  RunningPrometheus prometheus;
  prometheus.port = unused_port();
  prometheus.process = std::make_unique<ChildProcess>(std::vector<std::string>{
      "prometheus", "--config.file=" + dir.write("prometheus.yml", config),
      "--storage.tsdb.path=" + (dir.path() / "prometheus-data").string(),
      "--web.listen-address=127.0.0.1:" + std::to_string(prometheus.port)});
  for (int attempt = 0; attempt < 3000; ++attempt) {
    try {
      if (http_get(prometheus.port, "/-/ready").status == 200) break;
    } catch (const std::runtime_error&) {
      // Not listening yet.
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return prometheus;
}

}  // namespace tlsfloor::test
