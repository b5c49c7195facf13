#pragma once
// The running proxy: worker threads (one io_context each), the listeners, the admin listener
// on a control thread, and the graceful stop.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.h"
#include "metrics/metrics.h"
#include "proxy/admin_routes.h"
#include "proxy/admin_server.h"
#include "proxy/exception_ledger.h"
#include "proxy/listener.h"
#include "proxy/worker.h"

namespace tlsfloor::proxy {

class Server {
 public:
  /// Loads every listener's certificates and builds its TLS context. Returns null and fills
  /// `errors` (file:line:column of the config entry) when anything is wrong.
  /// `clock` is the time exceptions and brownouts are judged by (tests inject their own).
  static std::unique_ptr<Server> create(
      config::Config config, std::vector<config::ConfigError>& errors,
      std::function<config::Timestamp()> clock = [] { return std::chrono::system_clock::now(); });
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds every listener and the admin port and starts the threads. Throws std::system_error
  /// naming the address when a port cannot be bound.
  void start();
  /// SIGTERM and SIGINT stop gracefully, SIGHUP reloads, SIGUSR1 reopens the handshake logs.
  /// For main only, before start(). Throws std::system_error if signals cannot be set up.
  void handle_signals();
  /// Stops accepting, lets open connections finish for up to drain_timeout, then closes the
  /// rest. Safe from any thread; returns at once.
  void request_stop();
  /// Blocks until the stop has completed and every thread has ended.
  void wait();

  /// Re-reads the configuration file and, if it is valid (certificates and logs included),
  /// applies it: new handshakes use the new policy, exceptions and certificates; open
  /// connections keep the configuration they started with; listeners added or removed are
  /// opened or closed. A refused file changes nothing. Safe from any thread (runs on the
  /// control thread, which SIGHUP and POST /reload use too); waits for the result.
  ReloadOutcome reload();

  /// The bound port of a listener (useful with port 0).
  std::uint16_t listener_port(std::string_view name) const;
  std::optional<std::uint16_t> admin_port() const;
  metrics::Metrics& metrics() { return *metrics_; }

 private:
  explicit Server(config::Config config);
  boost::asio::awaitable<void> drain();
  ReloadOutcome reload_now();  // on the control thread
  // Writes the state file now and then while running (control thread).
  boost::asio::awaitable<void> persist_state();
  std::vector<std::shared_ptr<const ListenerRuntime>> current_runtimes() const;
  void log_listener(const Listener& listener) const;
  void wait_for_signal();
  std::size_t active_connections() const;

  config::Config config_;
  // Metrics outlive everything that counts into them: declared before workers and listeners.
  std::unique_ptr<metrics::Metrics> metrics_;
  SharedRuntime shared_;
  std::unique_ptr<ExceptionLedger> ledger_;
  std::vector<std::shared_ptr<const ListenerRuntime>> runtimes_;  // until start()
  std::vector<std::unique_ptr<Worker>> workers_;
  // Replaced by reloads on the control thread; read by listener_port() from any thread.
  mutable std::mutex listeners_mutex_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::vector<std::thread> worker_threads_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      worker_guards_;

  boost::asio::io_context control_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      control_guard_;
  std::shared_ptr<AdminServer> admin_;
  std::optional<boost::asio::signal_set> signals_;
  std::thread control_thread_;
  std::atomic<bool> stopping_{false};
  // When the drain gives up on open connections; a second signal moves it to now. Control
  // thread only.
  std::chrono::steady_clock::time_point drain_deadline_;
};

}  // namespace tlsfloor::proxy
