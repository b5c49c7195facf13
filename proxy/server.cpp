#include "proxy/server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sched.h>

#include <csignal>

#include "metrics/legacy_clients_json.h"
#include "proxy/admin_routes.h"
#include "proxy/brownout.h"
#include "proxy/spawn.h"

namespace tlsfloor::proxy {
namespace asio = boost::asio;

namespace {
// How often the drain checks whether the last connection has gone.
constexpr auto kDrainPoll = std::chrono::milliseconds(25);
// After the drain timeout, how long aborted connections get to unwind.
constexpr auto kAbortGrace = std::chrono::seconds(1);
// Coroutines log their own escaped exceptions; this catches what a plain handler throws (Asio
// reports some resource exhaustion that way), so one failed operation never ends the process.
void run_event_loop(asio::io_context& context) {
  for (;;) {
    try {
      context.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("event loop: unexpected exception: {}", e.what());
    }
  }
}

// The cores this process may run on (taskset, cpusets), not all the machine has.
unsigned usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

std::unique_ptr<Server> Server::create(config::Config config,
                                       std::vector<config::ConfigError>& errors,
                                       std::function<config::Timestamp()> clock) {
  std::unique_ptr<Server> server(new Server(std::move(config)));
  server->shared_ =
      build_shared_runtime(server->config_, *server->metrics_, std::move(clock), errors);
  for (const auto& listener : server->config_.listeners) {
    auto runtime = build_listener_runtime(server->config_, listener, server->shared_,
                                          *server->metrics_, errors);
    if (runtime) server->runtimes_.push_back(std::move(runtime));
  }
  if (!errors.empty()) return nullptr;
  return server;
}

Server::Server(config::Config config)
    : config_(std::move(config)),
      metrics_(std::make_unique<metrics::Metrics>(config_.legacy_clients)) {}

Server::~Server() {
  request_stop();
  wait();
}

void Server::start() {
  // BoringSSL writes to sockets with write(2): a peer that is gone must be an error code on
  // one connection, not a SIGPIPE that kills the process.
  std::signal(SIGPIPE, SIG_IGN);
  const unsigned threads = config_.threads != 0 ? config_.threads : usable_cores();
  std::vector<Worker*> workers;
  for (unsigned i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(i));
    workers.push_back(workers_.back().get());
  }
  for (const auto& runtime : runtimes_) {
    listeners_.push_back(std::make_shared<Listener>(runtime, workers));
  }
  if (config_.admin) {
    AdminState state;
    state.render_metrics = [this] {
      // Brownout windows open and close with the clock, not with traffic: judge them now.
      const config::Timestamp now = shared_.clock();
      for (const auto& runtime : runtimes_) {
        runtime->metrics->set_brownout_active(
            runtime->config.enforcement.mode == config::EnforcementMode::brownout &&
            active_brownout_window(runtime->config.enforcement.brownout, now).has_value());
      }
      return metrics_->render();
    };
    state.serving = [this] { return !stopping_.load(); };
    state.legacy_clients = [this](const metrics::LegacyClientsFilter& filter) {
      return metrics::legacy_clients_json(metrics_->legacy_clients(), filter,
                                          std::chrono::system_clock::now());
    };
    admin_ = std::make_shared<AdminServer>(
        control_, config_.admin->listen, [state](std::string_view method, std::string_view target) {
          return route(state, method, target);
        });
    admin_->start();
    spdlog::info("admin listening on {} (/metrics, /healthz, /legacy-clients)",
                 config::Endpoint{config_.admin->listen.host, admin_->port()}.to_string());
  } else {
    spdlog::warn("no admin listener configured: metrics are not exposed");
  }
  for (const auto& listener : listeners_) {
    listener->start();
    const auto runtime = listener->runtime();
    spdlog::info("listener {} on {} -> {} ({}..{}, mode {})", listener->name(),
                 config::Endpoint{runtime->config.listen.host, listener->local_endpoint().port()}
                     .to_string(),
                 runtime->config.upstream.address.to_string(),
                 config::to_string(runtime->config.tls.min_version),
                 config::to_string(runtime->config.tls.max_version),
                 config::to_string(runtime->config.enforcement.mode));
  }
  for (auto& worker : workers_) {
    worker_guards_.push_back(asio::make_work_guard(worker->context()));
    worker_threads_.emplace_back([&context = worker->context()] { run_event_loop(context); });
  }
  control_guard_.emplace(asio::make_work_guard(control_));
  control_thread_ = std::thread([this] { run_event_loop(control_); });
}

void Server::handle_signals() {
  // Called before start(): the signal set needs a pipe, which must not be left to a moment
  // when the process may already be out of descriptors.
  signals_.emplace(control_, SIGINT, SIGTERM, SIGHUP);
  signals_->add(SIGUSR1);
  wait_for_signal();
}

void Server::wait_for_signal() {
  signals_->async_wait([this](boost::system::error_code ec, int signal) {
    if (ec) return;
    if (signal == SIGUSR1) {
      // logrotate has renamed the files: write on in fresh ones.
      spdlog::info("SIGUSR1: reopening {} handshake log(s)", shared_.access_logs.size());
      for (const auto& [path, log] : shared_.access_logs) log->reopen();
      wait_for_signal();
      return;
    }
    if (signal == SIGHUP) {
      spdlog::warn("SIGHUP: configuration reload is not available in this version; ignored");
      wait_for_signal();
      return;
    }
    const char* name = signal == SIGINT ? "SIGINT" : "SIGTERM";
    if (stopping_) {
      // The operator's second Ctrl-C: do not make them wait out the drain timeout.
      spdlog::warn("{} again: closing open connections now", name);
      drain_deadline_ = std::chrono::steady_clock::now();
    } else {
      spdlog::info("{}: stopping (draining for up to {} ms; send it again to close at once)", name,
                   config_.drain_timeout.count());
      request_stop();
    }
    wait_for_signal();
  });
}

void Server::request_stop() {
  if (stopping_.exchange(true)) return;
  if (!control_guard_) return;  // never started
  asio::co_spawn(control_, drain(), log_escaped_exception("drain"));
}

asio::awaitable<void> Server::drain() {
  for (const auto& listener : listeners_) listener->close();
  for (auto& guard : worker_guards_) guard.reset();
  asio::steady_timer timer(control_);
  drain_deadline_ = std::chrono::steady_clock::now() + config_.drain_timeout;
  while (active_connections() > 0 && std::chrono::steady_clock::now() < drain_deadline_) {
    timer.expires_after(kDrainPoll);
    co_await timer.async_wait(asio::use_awaitable);
  }
  if (const auto left = active_connections(); left > 0) {
    spdlog::warn("drain timeout: closing {} open connection(s)", left);
    for (auto& worker : workers_) {
      asio::post(worker->context(), [&worker = *worker] { worker.abort_connections(); });
    }
    // Aborted connections unwind at once; if one does not, it is a bug, and the process must
    // still exit: stop the workers after a grace period.
    const auto grace = std::chrono::steady_clock::now() + kAbortGrace;
    while (active_connections() > 0 && std::chrono::steady_clock::now() < grace) {
      timer.expires_after(kDrainPoll);
      co_await timer.async_wait(asio::use_awaitable);
    }
    for (auto& worker : workers_) worker->context().stop();
  }
  if (admin_) admin_->close();
  if (signals_) signals_->cancel();
  control_guard_.reset();
  // Keep-alive admin sessions would otherwise hold the control loop for their idle timeout.
  control_.stop();
}

void Server::wait() {
  if (control_thread_.joinable()) control_thread_.join();
  for (auto& thread : worker_threads_) {
    if (thread.joinable()) thread.join();
  }
}

std::size_t Server::active_connections() const {
  std::size_t total = 0;
  for (const auto& worker : workers_) total += worker->active_connections();
  return total;
}

std::uint16_t Server::listener_port(std::string_view name) const {
  for (const auto& listener : listeners_) {
    if (listener->name() == name) return listener->local_endpoint().port();
  }
  return 0;
}

std::optional<std::uint16_t> Server::admin_port() const {
  if (!admin_) return std::nullopt;
  return admin_->port();
}

}  // namespace tlsfloor::proxy
