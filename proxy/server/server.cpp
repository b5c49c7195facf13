#include "proxy/server/server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <csignal>
#include <future>

#include "config/alpn_upstreams.h"
#include "config/config_changes.h"
#include "config/config_parser.h"
#include "config/duration.h"
#include "proxy/admin/admin_routes.h"
#include "proxy/admin/exception_status.h"
#include "proxy/admin/ledger_clients_json.h"
#include "proxy/admin/legacy_clients_json.h"
#include "proxy/net/spawn.h"
#include "proxy/policy/brownout.h"
#include "proxy/state/client_ledger_file.h"
#include "proxy/tls/certificate_set.h"

namespace tlsfloor::server {
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

// The signing pool's job ends, counted where the metrics reference says.
tls::SigningPool::JobReport count_into(metrics::SigningCounters counters) {
  return [counters](tls::SignatureOutcome outcome, tls::SigningPool::Clock::duration queued) {
    switch (outcome) {
      case tls::SignatureOutcome::made:
        counters.made.Increment();
        break;
      case tls::SignatureOutcome::failed:
        counters.failed.Increment();
        break;
      case tls::SignatureOutcome::abandoned:
        counters.abandoned.Increment();
        break;
    }
    counters.queue_wait.Observe(std::chrono::duration<double>(queued).count());
  };
}

}  // namespace

std::unique_ptr<Server> Server::create(config::Config config,
                                       std::vector<config::ConfigError>& errors,
                                       std::function<config::Timestamp()> clock,
                                       runtime::BuildMode mode) {
  std::unique_ptr<Server> server(new Server(config));
  server->ledger_ = std::make_unique<state::ExceptionLedger>(
      mode == runtime::BuildMode::run ? config.state_file : std::nullopt);
  server->shared_.clock = std::move(clock);
  if (mode == runtime::BuildMode::run) {
    const config::ClientLedgerConfig& ledger = config.legacy_clients.ledger;
    server->client_ledger_ = std::make_shared<ledger::ClientLedger>(
        ledger::LedgerBounds{ledger.max_entries, ledger.horizon});
    server->client_ledger_path_ = config::client_ledger_path(ledger, config.state_file);
    if (server->client_ledger_path_) {
      state::load_client_ledger(*server->client_ledger_path_, *server->client_ledger_);
      server->client_ledger_->expire(server->shared_.clock());
    }
  }
  server->watched_files_ = WatchedFiles::read(config.reloadable_files());
  auto candidate = server->build(std::move(config), errors, nullptr, mode);
  if (!candidate) return nullptr;
  server->config_ = std::move(candidate->config);
  server->shared_ = std::move(candidate->shared);
  server->runtimes_ = std::move(candidate->runtimes);
  for (const auto& runtime : server->runtimes_) server->publish(*runtime);
  return server;
}

std::optional<Server::Candidate> Server::build(config::Config config,
                                               std::vector<config::ConfigError>& errors,
                                               const runtime::SharedRuntime* running,
                                               runtime::BuildMode mode) {
  Candidate candidate;
  candidate.shared =
      runtime::build_shared_runtime(config, *metrics_, shared_.clock, errors, running, mode);
  candidate.shared.client_ledger = client_ledger_;
  for (const auto& listener : config.listeners) {
    auto built = runtime::build_listener_runtime(config, listener, candidate.shared, *metrics_,
                                                 *ledger_, errors);
    if (built) candidate.runtimes.push_back(std::move(built));
  }
  // Logs, then certificates, were checked listener by listener: one list, in file order.
  config::sort_by_position(errors);
  if (!errors.empty()) return std::nullopt;
  candidate.config = std::move(config);
  return candidate;
}

void Server::publish(const runtime::ListenerRuntime& runtime) {
  runtime::publish(runtime, *metrics_, *ledger_);
  publish_key_series(runtime);
}

void Server::publish_key_series(const runtime::ListenerRuntime& runtime) {
  if (!keyserver_metrics_) return;  // before start(), which publishes them all
  const auto publish_set = [this](const tls::CertificateSet& certificates) {
    for (const tls::CertifiedKey& key : certificates.keys()) {
      if (!key.held_by_keyserver()) continue;
      for (const std::string_view operation : {"sign", "decrypt"}) {
        if (operation == "decrypt" && key.key_type != EVP_PKEY_RSA) continue;
        for (int outcome = 0; outcome <= static_cast<int>(keyserver_client::Outcome::timeout);
             ++outcome) {
          keyserver_metrics_->operations(
              key.subject, key.key_algorithm, operation,
              keyserver_client::to_string(static_cast<keyserver_client::Outcome>(outcome)));
        }
      }
    }
  };
  publish_set(runtime.certificates);
  for (const runtime::RouteRuntime& route : runtime.routes) publish_set(route.certificates);
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
  const unsigned signers = config_.signing_threads.value_or(threads);
  if (signers > 0) {
    signing_pool_ = std::make_unique<tls::SigningPool>(signers, count_into(metrics_->signing()));
    metrics_->signing().threads.Set(signers);
    spdlog::info("{} signing thread(s) at nice {} make RSA signatures off the event loops", signers,
                 tls::SigningPool::kNice);
  }
  std::vector<net::Worker*> relays;
  for (unsigned i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<net::Worker>(i, signing_pool_.get()));
    relays.push_back(workers_.back().get());
  }
  relay_workers_ = workers_.size();
  const unsigned handshake_threads = config_.handshake_threads.value_or(threads);
  for (unsigned i = 0; i < handshake_threads; ++i) {
    workers_.push_back(std::make_unique<net::Worker>(threads + i, signing_pool_.get(), relays));
  }
  metrics_->set_handshake_threads(handshake_threads);
  steering_ = handshake_threads > 0 && config_.handshake_storm_rate > 0 && !share_ports_;
  storm_.emplace(net::HandshakeStorm::Settings{
      .start_rate = static_cast<double>(steering_ ? config_.handshake_storm_rate : 0)});
  metrics_->set_handshake_storm(handshake_threads > 0 && storm_->raging());
  if (config_.keyserver) start_key_servers();
  if (steering_) {
    spdlog::info(
        "{} worker(s) accept, run handshakes and relay; {} handshake thread(s) take new "
        "connections while full handshakes come at {}/s or more",
        threads, handshake_threads, config_.handshake_storm_rate);
  } else if (handshake_threads > 0) {
    spdlog::info("{} handshake thread(s) accept and run handshakes; {} worker(s) relay",
                 handshake_threads, threads);
  }
  for (const auto& runtime : runtimes_) {
    listeners_.push_back(std::make_shared<net::Listener>(runtime, accepting_workers(),
                                                         !share_ports_, descriptor_budget_));
  }
  if (config_.admin) {
    const admin::AdminState state = make_admin_state();
    admin::AdminAccessPolicy policy;
    policy.server_names = config_.admin->server_names;
    policy.token = config_.admin->token;
    policy.reloads_per_minute = config_.admin->reloads_per_minute;
    // Used on the control thread only, like the admin server itself.
    auto access = std::make_shared<admin::AdminAccess>(std::move(policy));
    admin::AdminLimits limits;
    limits.max_connections = config_.admin->max_connections;
    metrics::Metrics* metrics = metrics_.get();
    admin::AdminObserver observer{
        [metrics](std::size_t open) { metrics->set_admin_connections(open); },
        [metrics](std::string_view how) { metrics->count_admin_over_cap(how); }};
    admin_ = std::make_shared<admin::AdminServer>(
        control_, config_.admin->listen,
        [state, access](const admin::AdminRequest& request) {
          if (auto refused = access->check(request, std::chrono::steady_clock::now())) {
            return std::move(*refused);
          }
          return admin::route(state, request.method, request.target);
        },
        limits, std::move(observer));
    admin_->start();
    spdlog::info(
        "admin listening on {} (/metrics, /healthz, /livez, /legacy-clients, /families, "
        "/exceptions, "
        "/reload)",
        config::Endpoint{config_.admin->listen.host, admin_->port()}.to_string());
  } else {
    spdlog::warn("no admin listener configured: metrics are not exposed");
  }
  for (const auto& listener : listeners_) {
    steer(*listener);
    listener->start();
    log_listener(*listener);
  }
  spdlog::info(
      "descriptor limit {}: clients are refused from descriptor {} on, keeping {} for "
      "the admin port and upstream connections",
      shared_.descriptors.first_refused + shared_.descriptors.reserve,
      shared_.descriptors.first_refused, shared_.descriptors.reserve);
  metrics_->config_loaded(std::chrono::system_clock::now(), /*reload=*/false);
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    asio::io_context& context = workers_[i]->context();
    worker_guards_.push_back(asio::make_work_guard(context));
    worker_threads_.emplace_back([&context] { run_event_loop(context); });
    // Named for top -H and perf: which threads relay and which run handshakes.
    ::pthread_setname_np(worker_threads_.back().native_handle(),
                         i < relay_workers_ ? "tlsfloor-work" : "tlsfloor-hshake");
  }
  control_guard_.emplace(asio::make_work_guard(control_));
  if (config_.state_file || client_ledger_path_) {
    asio::co_spawn(control_, persist_state(), net::log_escaped_exception("state file"));
  }
  asio::co_spawn(control_, watch_files(), net::log_escaped_exception("certificate reload"));
  asio::co_spawn(control_, watch_clock(), net::log_escaped_exception("clock"));
  if (steering_) {
    asio::co_spawn(control_, follow_handshake_storm(), net::log_escaped_exception("storm"));
  }

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
      spdlog::info("SIGHUP: reloading {}", config_.source_path);
      reload_now();
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
  asio::co_spawn(control_, drain(), net::log_escaped_exception("drain"));
}

admin::AdminState Server::make_admin_state() {
  admin::AdminState state;
  state.render_metrics = [this] {
    // Brownout windows open and close with the clock, not with traffic: judge them now.
    const config::Timestamp now = shared_.clock();
    for (const auto& runtime : current_runtimes()) {
      for (const auto& route : runtime->routes) {
        const config::EnforcementConfig& enforcement = route.in_force().enforcement;
        route.metrics->set_brownout_active(
            enforcement.mode == config::EnforcementMode::brownout &&
            policy::active_brownout_window(enforcement.brownout, now).has_value());
      }
    }
    if (signing_pool_) {
      metrics_->signing().queue_length.Set(static_cast<double>(signing_pool_->queued()));
    }
    std::optional<metrics::ClientLedgerSample> ledger;
    if (client_ledger_) {
      const ledger::ClientLedger::Counters counters = client_ledger_->counters();
      ledger = metrics::ClientLedgerSample{counters.entries, client_ledger_->bounds().max_entries,
                                           counters.evicted, counters.expired};
    }
    return metrics_->render(exception_samples(), ledger);
  };
  state.serving = [this] { return !stopping_.load(); };
  state.legacy_clients =
      [this](const admin::LegacyClientsFilter& filter) -> std::optional<std::string> {
    if (filter.since) {
      // The ledger's view: who was seen in that time, across restarts, by the server's clock.
      const config::Timestamp now = shared_.clock();
      client_ledger_->expire(now);
      return admin::ledger_clients_json(client_ledger_->seen_since(now - *filter.since),
                                        client_ledger_->bounds(), filter, now);
    }
    return admin::legacy_clients_json(metrics_->legacy_clients(), filter,
                                      std::chrono::system_clock::now());
  };
  state.reload = [this] { return reload_now(); };
  state.exceptions = [this] {
    const auto runtimes = current_runtimes();
    return admin::exceptions_json(ledger_->records(configured_listeners(runtimes)),
                                  owner_directory(runtimes), shared_.clock());
  };
  return state;
}

std::vector<metrics::ExceptionSample> Server::exception_samples() {
  std::vector<metrics::ExceptionSample> samples;
  const auto runtimes = current_runtimes();
  const config::OwnerDirectory* owners = owner_directory(runtimes);
  for (const auto& record : ledger_->records(configured_listeners(runtimes))) {
    const config::OwnerConfig* owner =
        owners != nullptr ? config::owner_of_exception(*owners, record.exception->name) : nullptr;
    samples.push_back({record.listener, record.exception->route, record.exception->name,
                       record.handshakes, record.last_used, record.exception->expires,
                       owner != nullptr ? owner->name : std::string()});
  }
  return samples;
}

const config::OwnerDirectory* Server::owner_directory(
    const std::vector<std::shared_ptr<const runtime::ListenerRuntime>>& runtimes) {
  // One directory for the whole configuration: every listener's runtime holds the same one.
  return runtimes.empty() ? nullptr : runtimes.front()->owners.get();
}

state::ConfiguredListeners Server::configured_listeners(
    const std::vector<std::shared_ptr<const runtime::ListenerRuntime>>& runtimes) const {
  state::ConfiguredListeners listeners;
  for (const auto& runtime : runtimes) listeners.push_back(&runtime->config);
  return listeners;
}

void Server::log_listener(const net::Listener& listener) const {
  const auto runtime = listener.runtime();
  // The modes in force: a schedule's step may have replaced the configured ones.
  const auto mode_of = [&](std::size_t route) {
    return config::to_string(runtime->routes[route].in_force().policy.mode);
  };
  const auto cipher_mode_of = [&](std::size_t route) {
    return config::to_string(runtime->routes[route].in_force().policy.cipher_mode);
  };
  spdlog::info(
      "listener {} on {} -> {} ({}..{}, mode {}, cipher_mode {}, {} exception(s))", listener.name(),
      config::Endpoint{runtime->config.listen.host, listener.local_endpoint().port()}.to_string(),
      config::describe_upstreams(runtime->config),
      config::to_string(runtime->config.tls.min_version),
      config::to_string(runtime->config.tls.max_version), mode_of(0), cipher_mode_of(0),
      runtime->config.exceptions.size());
  for (std::size_t i = 0; i < runtime->config.routes.size(); ++i) {
    const config::RouteConfig& route = runtime->config.routes[i];
    std::string names;
    for (const auto& name : route.server_names) names += (names.empty() ? "" : ", ") + name;
    spdlog::info(
        "listener {} route {} ({}) -> {} ({}..{}, mode {}, cipher_mode {}, {} exception(s))",
        listener.name(), route.name, names, config::describe_upstreams(route),
        config::to_string(route.tls.min_version), config::to_string(route.tls.max_version),
        mode_of(i + 1), cipher_mode_of(i + 1), route.exceptions.size());
  }
}

admin::ReloadOutcome Server::reload() {
  if (!control_guard_ || stopping_) return {false, "not running: not reloading\n"};
  auto result = std::make_shared<std::promise<admin::ReloadOutcome>>();
  auto future = result->get_future();
  asio::post(control_, [this, result] { result->set_value(reload_now()); });
  // The control loop ends after a stop: do not wait forever for a reload it will never run.
  if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    return {false, "the control thread did not answer\n"};
  }
  return future.get();
}

admin::ReloadOutcome Server::reload_now(ReloadAttempt attempt) {
  if (stopping_) return {false, "stopping: not reloading\n"};
  auto parsed = config::load_config_file(config_.source_path);
  // Read before building, so that a file changing meanwhile shows as a change next time rather
  // than being taken as already applied.
  watched_files_ = WatchedFiles::read(parsed.config ? parsed.config->reloadable_files()
                                                    : config_.reloadable_files());
  tls::add_certificate_errors(parsed);
  std::vector<config::ConfigError> errors = parsed.errors;
  std::optional<Candidate> candidate;
  if (parsed.config) candidate = build(std::move(*parsed.config), errors, &shared_);
  if (!candidate) {
    std::string text;
    for (const auto& error : errors) text += error.to_string() + "\n";
    return refuse_reload(text + std::to_string(errors.size()) + " configuration error(s)\n",
                         attempt);
  }
  // The key server connections are made at start: a configuration that needs others would
  // fail its handshakes.
  if (candidate->config.keyserver != config_.keyserver) {
    return refuse_reload(
        "the keyserver section changed; it is read at start only: restart tlsfloor\n", attempt);
  }
  warn_of_restart_only_changes(candidate->config);
  for (const auto& warning : parsed.warnings) spdlog::warn("{}", warning.to_string());
  ListenerPlan plan;
  try {
    plan = plan_listeners(*candidate);
  } catch (const std::system_error& e) {
    return refuse_reload(std::string(e.what()) + "\n", attempt);
  }
  // What the reload does to enforcement, before the running configuration is replaced.
  for (const std::string& change : config::describe_changes(config_, candidate->config)) {
    spdlog::info("reload: {}", change);
  }
  commit(std::move(*candidate), plan);
  metrics_->config_loaded(std::chrono::system_clock::now(), /*reload=*/true);
  const std::string summary = "configuration reloaded: " + std::to_string(plan.next.size()) +
                              " listener(s), " + std::to_string(plan.opened.size()) + " opened, " +
                              std::to_string(plan.closing.size()) + " closed";
  spdlog::info("{}", summary);
  return {true, summary + "\n"};
}

void Server::start_key_servers() {
  keyserver_metrics_ = std::make_unique<metrics::KeyServerMetrics>(metrics_->registry());
  for (const auto& runtime : runtimes_) publish_key_series(*runtime);
  const keyserver_client::Settings settings{config_.keyserver->socket, config_.keyserver->timeout};
  const std::vector<net::Worker*> workers = accepting_workers();
  for (net::Worker* worker : workers) {
    auto client = std::make_shared<keyserver_client::KeyServerClient>(worker->context(), settings,
                                                                      *keyserver_metrics_);
    worker->set_key_server(client);
    client->start();
  }
  spdlog::info("keys held by the key server are signed through {} ({} connection(s))",
               settings.socket, workers.size());
}

void Server::stop_key_servers() {
  for (const auto& worker : workers_) {
    if (worker->key_server() != nullptr) worker->key_server()->stop();
  }
}

admin::ReloadOutcome Server::refuse_reload(const std::string& why, ReloadAttempt attempt) {
  if (attempt == ReloadAttempt::tentative) {
    spdlog::info("changed files not applied yet (they may still be being written): {}", why);
    return {false, why};
  }
  spdlog::error("reload refused, the running configuration stays: {}", why);
  metrics_->config_reload_failed();
  return {false, "reload refused, the running configuration stays:\n" + why};
}

void Server::warn_of_restart_only_changes(const config::Config& next) const {
  // What a running process cannot change; said rather than silently ignored.
  if (next.threads != config_.threads) {
    spdlog::warn("reload: threads changed; takes effect at the next restart");
  }
  if (next.handshake_threads != config_.handshake_threads) {
    spdlog::warn("reload: handshake_threads changed; takes effect at the next restart");
  }
  if (next.handshake_storm_rate != config_.handshake_storm_rate) {
    spdlog::warn("reload: handshake_storm_rate changed; takes effect at the next restart");
  }
  if (next.signing_threads != config_.signing_threads) {
    spdlog::warn("reload: signing_threads changed; takes effect at the next restart");
  }
  if ((next.admin ? next.admin->listen.to_string() : "") !=
      (config_.admin ? config_.admin->listen.to_string() : "")) {
    spdlog::warn("reload: admin.listen changed; takes effect at the next restart");
  }
  if (next.admin && config_.admin &&
      (next.admin->token != config_.admin->token ||
       next.admin->server_names != config_.admin->server_names ||
       next.admin->reloads_per_minute != config_.admin->reloads_per_minute ||
       next.admin->max_connections != config_.admin->max_connections)) {
    spdlog::warn("reload: admin access settings changed; take effect at the next restart");
  }
  if (next.legacy_clients.top_k != config_.legacy_clients.top_k ||
      next.legacy_clients.metrics_top_n != config_.legacy_clients.metrics_top_n) {
    spdlog::warn(
        "reload: legacy_clients top_k/metrics_top_n changed; take effect at the next "
        "restart (prefixes apply now)");
  }
  if (next.state_file != config_.state_file) {
    spdlog::warn("reload: state_file changed; takes effect at the next restart");
  }
  if (config::client_ledger_path(next.legacy_clients.ledger, next.state_file) !=
      client_ledger_path_) {
    spdlog::warn(
        "reload: the client ledger's file changed; takes effect at the next restart "
        "(its horizon and max_entries apply now)");
  }
}

Server::ListenerPlan Server::plan_listeners(const Candidate& candidate) {
  // Bind new sockets before anything changes, so a port in use refuses the whole reload.
  const std::vector<net::Worker*> workers = accepting_workers();
  std::vector<std::shared_ptr<net::Listener>> current;
  {
    const std::lock_guard lock(listeners_mutex_);
    current = listeners_;
  }
  ListenerPlan plan;
  for (const auto& runtime : candidate.runtimes) {
    // The listener on the same address keeps its sockets, even when renamed: nothing is
    // closed, so no connection queued on them is lost. (Port 0 names no address: "a port of
    // the kernel's choice" is the same listener only under the same name.)
    const config::Endpoint& listen = runtime->config.listen;
    const auto same = std::find_if(current.begin(), current.end(), [&](const auto& listener) {
      return listener->runtime()->config.listen == listen &&
             (listen.port != 0 || listener->name() == runtime->config.name) &&
             std::find(plan.next.begin(), plan.next.end(), listener) == plan.next.end();
    });
    if (same != current.end()) {
      plan.next.push_back(*same);
      continue;
    }
    // A new address (listen addresses are unique in a configuration, so every one this
    // process holds was matched above): no other process may hold it either.
    plan.opened.push_back(
        std::make_shared<net::Listener>(runtime, workers, !share_ports_, descriptor_budget_));
    plan.next.push_back(plan.opened.back());
  }
  for (const auto& listener : current) {
    if (std::find(plan.next.begin(), plan.next.end(), listener) == plan.next.end()) {
      plan.closing.push_back(listener);
    }
  }
  return plan;
}

void Server::commit(Candidate candidate, const ListenerPlan& plan) {
  std::vector<std::string> old_names;
  for (const auto& runtime : current_runtimes()) old_names.push_back(runtime->config.name);
  for (std::size_t i = 0; i < candidate.runtimes.size(); ++i) {
    publish(*candidate.runtimes[i]);
    plan.next[i]->set_runtime(candidate.runtimes[i]);
  }
  for (const auto& listener : plan.opened) {
    steer(*listener);
    listener->start();
    log_listener(*listener);
  }
  for (const auto& listener : plan.closing) {
    listener->close();
    spdlog::info("listener {} closed; its open connections finish on the old configuration",
                 listener->name());
  }
  // A name no longer configured (closed or renamed) withdraws its policy; one that only moved
  // to a new address is still in force under its name.
  for (const auto& name : old_names) {
    if (std::none_of(candidate.runtimes.begin(), candidate.runtimes.end(),
                     [&](const auto& runtime) { return runtime->config.name == name; })) {
      metrics_->withdraw_policy(name);
    }
  }
  {
    const std::lock_guard lock(listeners_mutex_);
    listeners_ = plan.next;
  }
  candidate.config.state_file = config_.state_file;  // fixed for the process's life
  if (client_ledger_) {
    const config::ClientLedgerConfig& ledger = candidate.config.legacy_clients.ledger;
    client_ledger_->set_bounds({ledger.max_entries, ledger.horizon});
  }
  config_ = std::move(candidate.config);
  shared_ =
      std::move(candidate.shared);  // logs no longer named stay open while old connections use them
}

std::vector<std::shared_ptr<const runtime::ListenerRuntime>> Server::current_runtimes() const {
  std::vector<std::shared_ptr<const runtime::ListenerRuntime>> runtimes;
  const std::lock_guard lock(listeners_mutex_);
  for (const auto& listener : listeners_) runtimes.push_back(listener->runtime());
  return runtimes;
}

asio::awaitable<void> Server::persist_state() {
  // Often enough that a crash loses at most a minute of "last used", rarely enough to be free.
  constexpr auto kInterval = std::chrono::seconds(60);
  // A corrupt or missing file is fixed now.
  save_state(/*force=*/true);
  asio::steady_timer timer(control_);
  while (!stopping_) {
    timer.expires_after(kInterval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!stopping_) save_state(/*force=*/false);
  }
}

void Server::save_state(bool force) {
  if (config_.state_file) ledger_->save(configured_listeners(current_runtimes()), force);
  if (!client_ledger_path_) return;
  client_ledger_->expire(shared_.clock());
  const std::uint64_t changes = client_ledger_->counters().changes;
  if (!force && changes == client_ledger_saved_changes_) return;
  if (state::save_client_ledger(*client_ledger_path_, *client_ledger_)) {
    client_ledger_saved_changes_ = changes;
  }
}

asio::awaitable<void> Server::follow_handshake_storm() {
  asio::steady_timer timer(control_);
  while (!stopping_) {
    timer.expires_after(std::chrono::milliseconds(100));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    std::uint64_t full_handshakes = 0;
    for (const auto& worker : workers_) full_handshakes += worker->full_handshakes();
    const bool was_raging = storm_->raging();
    if (storm_->update(std::chrono::steady_clock::now(), full_handshakes) == was_raging) continue;
    if (!was_raging) {
      spdlog::info(
          "a storm of full handshakes ({}/s or more): new connections go to the {} "
          "handshake thread(s)",
          config_.handshake_storm_rate, workers_.size() - relay_workers_);
    } else {
      spdlog::info("the storm of full handshakes is over: the workers accept again");
    }
    {
      const std::lock_guard lock(listeners_mutex_);
      for (const auto& listener : listeners_) steer(*listener);
    }
    metrics_->set_handshake_storm(storm_->raging());
  }
}

void Server::steer(net::Listener& listener) {
  if (!steering_) return;
  const auto relays = static_cast<unsigned>(relay_workers_);
  const auto handshake_threads = static_cast<unsigned>(workers_.size() - relay_workers_);
  if (storm_->raging()) {
    listener.steer(relays, handshake_threads);
  } else {
    listener.steer(0, relays);
  }
}

asio::awaitable<void> Server::watch_clock() {
  constexpr auto kTick = std::chrono::seconds(1);
  asio::steady_timer timer(control_);
  config::Timestamp last = shared_.clock();
  while (!stopping_) {
    // Every second, or at the instant a schedule takes its next step if that comes sooner, so
    // that handshakes from that instant on get the step's mode (to the timer's precision).
    using Wait = std::chrono::steady_clock::duration;
    Wait wait = std::chrono::duration_cast<Wait>(kTick);
    const config::Timestamp before = shared_.clock();
    for (const auto& runtime : current_runtimes()) {
      if (const auto next = runtime::next_schedule_change(*runtime, before)) {
        wait = std::clamp(std::chrono::duration_cast<Wait>(*next - before), Wait::zero(), wait);
      }
    }
    timer.expires_after(wait);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    const config::Timestamp now = shared_.clock();
    for (const auto& runtime : current_runtimes()) {
      // A step's instant has come: new handshakes get its policy now, without a reload.
      if (runtime::advance_schedules(*runtime, now)) runtime::publish_policy(*runtime, *metrics_);
      for (const config::ExceptionConfig* exception :
           state::configured_exceptions(runtime->config)) {
        if (exception->expires > last && exception->expires <= now) {
          spdlog::warn(
              "listener {} route {}: exception {} expired at {}; it matches no client "
              "from now on",
              runtime->config.name, exception->route, exception->name,
              config::format_timestamp(exception->expires));
        }
      }
    }
    last = std::max(last, now);
  }
}

asio::awaitable<void> Server::watch_files() {
  // While the checks are off (interval 0s), look again now and then: a reload may turn them on.
  constexpr auto kWhileOff = std::chrono::seconds(5);
  // Writers are rarely caught at one instant: a certificate is renewed a moment before its key,
  // a ticket keys file is written in two steps. A change is applied once the files have held
  // still for kSettle, and a reload that fails is tried again while they may still be settling
  // (kSettleWindow); only then is it a failure, counted and alerted on.
  constexpr auto kSettle = std::chrono::seconds(1);
  constexpr auto kSettleWindow = std::chrono::seconds(10);
  asio::steady_timer timer(control_);
  const auto pause = [&](auto duration) -> asio::awaitable<void> {
    timer.expires_after(duration);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  };
  while (!stopping_) {
    const auto interval = config_.certificate_reload_interval;
    co_await pause(interval.count() > 0 ? std::chrono::milliseconds(interval) : kWhileOff);
    if (stopping_ || config_.certificate_reload_interval.count() == 0) continue;
    const auto changed =
        WatchedFiles::read(config_.reloadable_files()).changed_since(watched_files_);
    if (changed.empty()) continue;
    std::string names;
    for (const std::string& path : changed) names += (names.empty() ? "" : ", ") + path;
    spdlog::info("certificate files changed ({}): reloading once they hold still", names);
    const auto window_ends = std::chrono::steady_clock::now() + kSettleWindow;
    const auto settling = [&] { return std::chrono::steady_clock::now() < window_ends; };
    WatchedFiles seen = WatchedFiles::read(config_.reloadable_files());
    while (settling() && !stopping_) {
      co_await pause(kSettle);
      WatchedFiles again = WatchedFiles::read(config_.reloadable_files());
      const bool still = again.changed_since(seen).empty();
      seen = std::move(again);
      if (still) break;
    }
    // A broken file fails the reload: the running certificates stay, and the same contents
    // are not tried again (reload_now() took them as the files' state); a later change is.
    admin::ReloadOutcome outcome = reload_now(ReloadAttempt::tentative);
    while (!outcome.ok && settling() && !stopping_) {
      co_await pause(kSettle);
      if (WatchedFiles::read(config_.reloadable_files()).changed_since(watched_files_).empty()) {
        continue;
      }
      outcome = reload_now(ReloadAttempt::tentative);
    }
    if (!outcome.ok && !stopping_) outcome = refuse_reload(outcome.message, ReloadAttempt::final);
    metrics_->certificate_reloaded(outcome.ok);
  }
}

asio::awaitable<void> Server::drain() {
  std::vector<std::shared_ptr<net::Listener>> listeners;
  {
    const std::lock_guard lock(listeners_mutex_);
    listeners = listeners_;
  }
  for (const auto& listener : listeners) listener->close();
  // A worker's thread ends once it has nothing left to do. The relay workers must outlive the
  // handshakes, which may still hand them connections: they are let go once none is left.
  const auto let_go = [this](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) worker_guards_[i].reset();
  };
  let_go(relay_workers_, worker_guards_.size());
  asio::steady_timer timer(control_);
  drain_deadline_ = config::saturating_add(std::chrono::steady_clock::now(), config_.drain_timeout);
  for (;;) {
    if (connections_to_hand_over() == 0) let_go(0, relay_workers_);
    if (active_connections() == 0 || std::chrono::steady_clock::now() >= drain_deadline_) break;
    timer.expires_after(kDrainPoll);
    co_await timer.async_wait(asio::use_awaitable);
  }
  stop_key_servers();
  let_go(0, relay_workers_);
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
  save_state(/*force=*/false);  // the last uses and clients, before the end
  // Every connection has ended: once stopped, the handshake logs hold all their lines.
  for (const auto& [path, log] : shared_.access_logs) log->flush();
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

std::size_t Server::connections_to_hand_over() const {
  std::size_t total = 0;
  for (std::size_t i = relay_workers_; i < workers_.size(); ++i) {
    total += workers_[i]->active_connections();
  }
  return total;
}

std::vector<net::Worker*> Server::accepting_workers() const {
  const std::size_t first = steering_ || relay_workers_ == workers_.size() ? 0 : relay_workers_;
  std::vector<net::Worker*> accepting;
  for (std::size_t i = first; i < workers_.size(); ++i) accepting.push_back(workers_[i].get());
  return accepting;
}

std::uint16_t Server::listener_port(std::string_view name) const {
  const std::lock_guard lock(listeners_mutex_);
  for (const auto& listener : listeners_) {
    if (listener->name() == name) return listener->local_endpoint().port();
  }
  return 0;
}

std::optional<std::uint16_t> Server::admin_port() const {
  if (!admin_) return std::nullopt;
  return admin_->port();
}

}  // namespace tlsfloor::server
