#pragma once
// The running server's record of its exceptions' use: first loaded and last used per
// (listener, exception), kept in the state file when one is configured. Control thread only.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/exception_status.h"
#include "proxy/listener_runtime.h"
#include "proxy/state_file.h"

namespace tlsfloor::proxy {

class ExceptionLedger {
 public:
  /// Loads `state_file` if given (see load_state_file()); without one, use is remembered for the
  /// process's life only.
  explicit ExceptionLedger(std::optional<std::string> state_file);

  /// A runtime is in force: its exceptions are recorded (first loaded now, if new) and their
  /// last-use gauges get the remembered times.
  void adopt(const ListenerRuntime& runtime, config::Timestamp now);
  /// Takes the latest last-use times from the gauges, forgets exceptions no longer configured,
  /// and writes the state file if anything changed since the last save (or `force`).
  void save(const std::vector<std::shared_ptr<const ListenerRuntime>>& runtimes,
            bool force = false);
  /// The exceptions of `runtimes`, for GET /exceptions.
  std::vector<ExceptionView> views(
      const std::vector<std::shared_ptr<const ListenerRuntime>>& runtimes) const;

 private:
  void refresh(const std::vector<std::shared_ptr<const ListenerRuntime>>& runtimes);

  std::optional<std::string> path_;
  ExceptionUsages usages_;
  ExceptionUsages saved_;
};

}  // namespace tlsfloor::proxy
