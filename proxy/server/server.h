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
#include "metrics/keyserver_metrics.h"
#include "metrics/ledger/client_ledger.h"
#include "metrics/metrics.h"
#include "proxy/admin/admin_routes.h"
#include "proxy/admin/admin_server.h"
#include "proxy/limits/descriptor_budget.h"
#include "proxy/net/handshake_storm.h"
#include "proxy/net/listener.h"
#include "proxy/net/worker.h"
#include "proxy/runtime/listener_runtime.h"
#include "proxy/server/watched_files.h"
#include "proxy/state/exception_ledger.h"

namespace tlsfloor::server {

class Server {
 public:
  /// Loads every listener's certificates and builds its TLS context. Returns null and fills
  /// `errors` (file:line:column of the config entry) when anything is wrong.
  /// `clock` is the time exceptions and brownouts are judged by (tests inject their own).
  /// With mode check (tlsfloor --check), handshake logs are checked but not opened or created;
  /// such a server is for validation only and must not be started.
  static std::unique_ptr<Server> create(
      config::Config config, std::vector<config::ConfigError>& errors,
      std::function<config::Timestamp()> clock = [] { return std::chrono::system_clock::now(); },
      runtime::BuildMode mode = runtime::BuildMode::run);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Lets listeners bind addresses that another process holds (SO_REUSEPORT sharing), for a
  /// deliberate hand-over to a new process (an upgrade). Off by default: a second tlsfloor on
  /// the same address refuses to start. Before start().
  void set_share_ports(bool share) { share_ports_ = share; }

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
  admin::ReloadOutcome reload();

  /// The bound port of a listener (useful with port 0).
  std::uint16_t listener_port(std::string_view name) const;
  std::optional<std::uint16_t> admin_port() const;
  metrics::Metrics& metrics() { return *metrics_; }
  /// The threads that make the workers' RSA signatures; null with signing_threads: 0.
  tls::SigningPool* signing_pool() { return signing_pool_.get(); }

 private:
  // A configuration made ready to run: every listener's runtime built (certificates loaded,
  // logs opened), nothing published or bound yet.
  struct Candidate {
    config::Config config;
    runtime::SharedRuntime shared;
    std::vector<std::shared_ptr<const runtime::ListenerRuntime>> runtimes;
  };
  // The listeners a candidate needs: the running ones it keeps, and new ones already bound.
  struct ListenerPlan {
    std::vector<std::shared_ptr<net::Listener>> next;    // in the candidate's listener order
    std::vector<std::shared_ptr<net::Listener>> opened;  // bound, not yet started
    std::vector<std::shared_ptr<net::Listener>> closing;
  };

  explicit Server(config::Config config);
  // Builds the runtimes of `config`; errors are appended (nullopt if there were any).
  // Errors are sorted by position, after any already in `errors`' own order.
  std::optional<Candidate> build(config::Config config, std::vector<config::ConfigError>& errors,
                                 const runtime::SharedRuntime* running,
                                 runtime::BuildMode mode = runtime::BuildMode::run);
  // Publishes a runtime that is now in force: its policy metric, its exceptions in the ledger.
  void publish(const runtime::ListenerRuntime& runtime);
  admin::AdminState make_admin_state();
  boost::asio::awaitable<void> drain();

  // Reload, in steps, all on the control thread: parse and build the candidate, bind what is
  // new, then commit (which cannot fail). Anything refused before the commit changes nothing.
  // A tentative attempt (changed files that may still be being written) that is refused is
  // neither logged as an error nor counted: its caller tries again, and decides when it failed.
  enum class ReloadAttempt { final, tentative };
  admin::ReloadOutcome reload_now(ReloadAttempt attempt = ReloadAttempt::final);
  admin::ReloadOutcome refuse_reload(const std::string& why, ReloadAttempt attempt);
  void warn_of_restart_only_changes(const config::Config& next) const;
  // Throws std::system_error when a new address cannot be bound.
  ListenerPlan plan_listeners(const Candidate& candidate);
  void commit(Candidate candidate, const ListenerPlan& plan);

  // Writes the state file now and then while running (control thread).
  boost::asio::awaitable<void> persist_state();
  // Writes the state file (exception use) and the client ledger's file, each if configured;
  // without `force`, only what changed since it was last written.
  void save_state(bool force);
  // Every certificate_reload.interval, reloads when a file the configuration names has changed
  // since the last reload (control thread).
  boost::asio::awaitable<void> watch_files();
  // Every second, what time alone changes: an exception that expires is said when it does
  // (not only at the next load), by the clock exceptions are judged by (control thread).
  boost::asio::awaitable<void> watch_clock();
  // Every 100 ms, with steering_: whether full handshakes come as a storm (net::HandshakeStorm),
  // and if that changed, which workers every listener's new connections go to (control thread).
  boost::asio::awaitable<void> follow_handshake_storm();
  // Sends `listener`'s new connections to the handshake threads during a storm, to the relay
  // workers otherwise (control thread).
  void steer(net::Listener& listener);
  std::vector<std::shared_ptr<const runtime::ListenerRuntime>> current_runtimes() const;
  // The configurations of the listeners in force, for the exception ledger.
  state::ConfiguredListeners configured_listeners(
      const std::vector<std::shared_ptr<const runtime::ListenerRuntime>>& runtimes) const;
  std::vector<metrics::ExceptionSample> exception_samples();
  // The owner directory in force (owners_file), or null; valid while `runtimes` is held.
  static const config::OwnerDirectory* owner_directory(
      const std::vector<std::shared_ptr<const runtime::ListenerRuntime>>& runtimes);
  void log_listener(const net::Listener& listener) const;
  // A key server client on each worker that runs handshakes (`keyserver`); at start.
  void start_key_servers();
  // Once no connection is left: the clients let their event loops end.
  void stop_key_servers();
  // Every operation's series at 0 for each key the key server holds in `runtime`: an alert's
  // increase() sees the first failure only of a series that existed before it.
  void publish_key_series(const runtime::ListenerRuntime& runtime);
  void wait_for_signal();
  std::size_t active_connections() const;
  // Connections on the handshake threads: those that may still be handed to a relay worker.
  std::size_t connections_to_hand_over() const;
  // Where listeners accept: every worker when they are steered or there are no handshake
  // threads, the handshake threads otherwise.
  std::vector<net::Worker*> accepting_workers() const;

  config::Config config_;
  // Metrics outlive everything that counts into them: declared before workers and listeners.
  std::unique_ptr<metrics::Metrics> metrics_;
  // With a top-level `keyserver`: its series, used by the workers' key server clients.
  std::unique_ptr<metrics::KeyServerMetrics> keyserver_metrics_;
  runtime::SharedRuntime shared_;
  std::unique_ptr<state::ExceptionLedger> ledger_;
  // Legacy clients remembered for months (null under --check), its file (fixed for the
  // process's life) and the ledger's change count when it was last written.
  std::shared_ptr<ledger::ClientLedger> client_ledger_;
  std::optional<std::string> client_ledger_path_;
  std::uint64_t client_ledger_saved_changes_ = 0;
  std::vector<std::shared_ptr<const runtime::ListenerRuntime>> runtimes_;  // until start()
  // The relay workers first, then the handshake threads (if any), which accept and hand
  // established connections to the relay workers.
  std::vector<std::unique_ptr<net::Worker>> workers_;
  std::size_t relay_workers_ = 0;
  // Every worker accepts, and each listener's SO_REUSEPORT group is steered to the relay workers
  // or, during a storm of full handshakes, to the handshake threads (handshake_storm_rate). Off
  // without handshake threads, with a rate of 0 (they always accept), and with --share-ports
  // (another process's sockets in the group would shift the indexes a steering program uses).
  bool steering_ = false;
  std::optional<net::HandshakeStorm> storm_;  // control thread only
  // Declared after the workers, so destroyed (its queue finished, its threads joined) while
  // their io_contexts, to which it posts finished signatures, still exist.
  std::unique_ptr<tls::SigningPool> signing_pool_;
  // Two descriptors for every admitted client, whichever listener admitted it (kept across
  // reloads: connections of closed listeners still hold theirs).
  const std::shared_ptr<limits::DescriptorBudget> descriptor_budget_ =
      std::make_shared<limits::DescriptorBudget>();
  // Replaced by reloads on the control thread; read by listener_port() from any thread.
  mutable std::mutex listeners_mutex_;
  std::vector<std::shared_ptr<net::Listener>> listeners_;
  std::vector<std::thread> worker_threads_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      worker_guards_;

  boost::asio::io_context control_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      control_guard_;
  std::shared_ptr<admin::AdminServer> admin_;
  std::optional<boost::asio::signal_set> signals_;
  std::thread control_thread_;
  std::atomic<bool> stopping_{false};
  // The files as the running configuration was built from them (control thread).
  WatchedFiles watched_files_;
  bool share_ports_ = false;
  // When the drain gives up on open connections; a second signal moves it to now. Control
  // thread only.
  std::chrono::steady_clock::time_point drain_deadline_;
};

}  // namespace tlsfloor::server
