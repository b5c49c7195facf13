#pragma once
// The running server's record of its exceptions' use: how often and when each last let a client
// in (live, lock-free, since the process started) and when it was first loaded (kept, with the
// last use, in the state file when one is configured). Metrics, GET /exceptions and the state
// file all read it here; nothing reads use back out of a metric.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/timestamp.h"
#include "proxy/state/state_file.h"

namespace tlsfloor::state {

/// One exception's use. Recorded from any worker thread (two relaxed atomic updates, no lock),
/// read from the control thread.
class ExceptionUse {
 public:
  /// The exception let a client in at `when`.
  void record(config::Timestamp when);
  /// A time remembered from before (the state file): last_used() is at least it.
  void remember(config::Timestamp when) { raise_last_used(when); }

  /// Clients let in since the process started.
  std::uint64_t handshakes() const { return handshakes_.load(std::memory_order_relaxed); }
  std::optional<config::Timestamp> last_used() const;

 private:
  void raise_last_used(config::Timestamp when);
  std::atomic<std::uint64_t> handshakes_{0};
  std::atomic<std::int64_t> last_used_ns_{0};  // since the Unix epoch; 0: never
};

/// What the ledger knows of one configured exception, for GET /exceptions and the metrics.
struct ExceptionRecord {
  std::string listener;
  const config::ExceptionConfig* exception = nullptr;  // from the listeners passed in
  std::uint64_t handshakes = 0;                        // since this process started
  std::optional<config::Timestamp> last_used;
  config::Timestamp first_loaded;
};

/// Every exception a listener configures: its own list, then each route's own (routes that set
/// none share the listener's, which are listed once).
std::vector<const config::ExceptionConfig*> configured_exceptions(
    const config::ListenerConfig& listener);

/// How the ledger and the state file name an exception within its listener: its name for the
/// listener's own, "route/name" for a route's (names cannot contain '/').
std::string ledger_name(const config::ExceptionConfig& exception);

/// The listeners whose exceptions are in force (their configurations outlive the call).
using ConfiguredListeners = std::vector<const config::ListenerConfig*>;

/// Control thread only, except ExceptionUse::record().
class ExceptionLedger {
 public:
  /// Loads `state_file` if given (see load_state_file()); without one, use is remembered for the
  /// process's life only.
  explicit ExceptionLedger(std::optional<std::string> state_file);

  /// Where connections record exception `exception` of `listener` (created on first call, with
  /// the last use the state file remembers). Shared: an open connection of a configuration that
  /// a reload replaced may still record into it.
  std::shared_ptr<ExceptionUse> use(const std::string& listener, const std::string& exception);
  /// A listener's configuration is in force: its exceptions are first loaded now, if new.
  void adopt(const config::ListenerConfig& listener, config::Timestamp now);
  /// Forgets exceptions no longer configured, and writes the state file if anything changed
  /// since the last save (or `force`).
  void save(const ConfiguredListeners& listeners, bool force = false);
  /// The exceptions of `listeners`, in configuration order.
  std::vector<ExceptionRecord> records(const ConfiguredListeners& listeners) const;

 private:
  using Key = std::pair<std::string, std::string>;  // (listener, exception)
  ExceptionUsages snapshot() const;

  std::optional<std::string> path_;
  ExceptionUsages remembered_;  // as loaded from the state file
  std::map<Key, config::Timestamp> first_loaded_;
  std::map<Key, std::shared_ptr<ExceptionUse>> uses_;
  ExceptionUsages saved_;
};

}  // namespace tlsfloor::state
