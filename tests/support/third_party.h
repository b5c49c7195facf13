#pragma once
// Real third-party servers for integration tests (nginx, HAProxy), started in the foreground
// from a configuration the test writes, and waited for until they accept connections.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/test_pki.h"

namespace tlsfloor::test {

/// Polls until something accepts TCP connections on 127.0.0.1:`port` (20 s at most).
bool wait_for_listener(std::uint16_t port);

/// nginx running `config_body` (its top-level directives: `http { ... }`, `stream { ... }`)
/// from `dir`, with the stream module loaded, no daemon and its pid file in `dir`; returned once
/// `port` accepts, or with the reason in its output when it does not.
std::unique_ptr<ChildProcess> start_nginx(const TempDir& dir, std::uint16_t port,
                                          const std::string& config_body);

/// HAProxy in the foreground running `config` (written to `dir`); returned once `port` accepts.
std::unique_ptr<ChildProcess> start_haproxy(const TempDir& dir, std::uint16_t port,
                                            const std::string& config);

/// A real Prometheus (Debian's prometheus package) scraping `targets` (host:port of admin
/// listeners, job "tlsfloor") every second and evaluating `rule_files` every second, with its
/// storage in `dir`; returned once its HTTP API answers.
struct RunningPrometheus {
  std::unique_ptr<ChildProcess> process;
  std::uint16_t port = 0;
  /// The `data.result` of an instant query (a JSON array as text); nullopt when it failed.
  std::optional<std::string> query(const std::string& promql) const;
  /// The alerts Prometheus holds now (/api/v1/alerts `data.alerts`, as JSON text).
  std::optional<std::string> alerts() const;
};
/// `alertmanager` (host:port), when given, receives the alerts that fire.
RunningPrometheus start_prometheus(const TempDir& dir, const std::vector<std::string>& targets,
                                   const std::vector<std::string>& rule_files,
                                   const std::string& alertmanager = "");

/// A real Alertmanager (Debian's prometheus-alertmanager) running `config` (written to `dir`),
/// clustering off; returned once its API answers.
struct RunningAlertmanager {
  std::unique_ptr<ChildProcess> process;
  std::uint16_t port = 0;
};
RunningAlertmanager start_alertmanager(const TempDir& dir, const std::string& config);

/// A webhook receiver (Python's http.server): every POST body, one JSON document per line, in
/// a file per request path (/payments -> payments.jsonl in `dir`). Returned once it accepts.
struct WebhookReceiver {
  std::unique_ptr<ChildProcess> process;
  std::uint16_t port = 0;
  std::filesystem::path directory;
  /// The documents POSTed to `path` so far ("/payments"), in order.
  std::vector<std::string> received(const std::string& path) const;
};
WebhookReceiver start_webhook_receiver(const TempDir& dir);

}  // namespace tlsfloor::test
