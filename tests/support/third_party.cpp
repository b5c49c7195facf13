#include "tests/support/third_party.h"

#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
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

// Waits (30 s at most) for `path` on `port` to answer 200.
void wait_until_ready(std::uint16_t port, const std::string& path) {
  for (int attempt = 0; attempt < 3000; ++attempt) {
    try {
      if (http_get(port, path).status == 200) return;
    } catch (const std::runtime_error&) {
      // Not listening yet.
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

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
                                   const std::vector<std::string>& rule_files,
                                   const std::string& alertmanager) {
  std::string config = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n";
  if (!alertmanager.empty()) {
    config = "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['" +
             alertmanager + "']\n" + config;
  }
  for (const std::string& file : rule_files) config += "  - " + file + "\n";
  config += "scrape_configs:\n  - job_name: tlsfloor\n    static_configs:\n      - targets: [";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    config += (i == 0 ? "'" : ", '") + targets[i] + "'";
  }
  config += "]\n";
  RunningPrometheus prometheus;
  prometheus.port = unused_port();
  std::vector<std::string> argv = {
      "prometheus", "--config.file=" + dir.write("prometheus.yml", config),
      "--storage.tsdb.path=" + (dir.path() / "prometheus-data").string(),
      "--web.listen-address=127.0.0.1:" + std::to_string(prometheus.port)};
  // Alerts sent before Prometheus has found its Alertmanager are dropped, and sent again only
  // after the resend delay (a minute by default).
  if (!alertmanager.empty()) argv.push_back("--rules.alert.resend-delay=1s");
  prometheus.process = std::make_unique<ChildProcess>(argv);
  wait_until_ready(prometheus.port, "/-/ready");
  return prometheus;
}

namespace {

constexpr const char* kWebhookReceiver = R"(import http.server, os, sys
directory, port = sys.argv[1], int(sys.argv[2])
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        name = self.path.strip("/").replace("/", "_") or "root"
        with open(os.path.join(directory, name + ".jsonl"), "ab") as out:
            out.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
)";

}  // namespace

RunningAlertmanager start_alertmanager(const TempDir& dir, const std::string& config) {
  RunningAlertmanager alertmanager;
  alertmanager.port = unused_port();
  alertmanager.process = std::make_unique<ChildProcess>(std::vector<std::string>{
      "prometheus-alertmanager", "--config.file=" + dir.write("alertmanager.yml", config),
      "--storage.path=" + (dir.path() / "alertmanager-data").string(),
      "--web.listen-address=127.0.0.1:" + std::to_string(alertmanager.port),
      "--cluster.listen-address=", "--log.level=debug"});
  wait_until_ready(alertmanager.port, "/-/ready");
  return alertmanager;
}

WebhookReceiver start_webhook_receiver(const TempDir& dir) {
  WebhookReceiver receiver;
  receiver.port = unused_port();
  receiver.directory = dir.path() / "webhooks";
  std::filesystem::create_directories(receiver.directory);
  receiver.process = std::make_unique<ChildProcess>(
      std::vector<std::string>{"python3", dir.write("webhook_receiver.py", kWebhookReceiver),
                               receiver.directory.string(), std::to_string(receiver.port)});
  wait_for_listener(receiver.port);
  return receiver;
}

std::vector<std::string> WebhookReceiver::received(const std::string& path) const {
  std::string name = path.substr(path.find_first_not_of('/'));
  std::replace(name.begin(), name.end(), '/', '_');
  std::ifstream in(directory / (name + ".jsonl"));
  std::vector<std::string> documents;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) documents.push_back(line);
  }
  return documents;
}

}  // namespace tlsfloor::test
