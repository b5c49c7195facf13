#pragma once
// Completion handlers for co_spawn. Never `detached`: it swallows exceptions, and an escaped
// exception is a bug we want in the log.
#include <spdlog/spdlog.h>

#include <exception>

namespace tlsfloor::net {

/// Logs an exception that escaped a coroutine; `what` names the coroutine.
inline auto log_escaped_exception(const char* what) {
  return [what](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("{}: unexpected exception: {}", what, e.what());
    } catch (...) {
      spdlog::error("{}: unexpected non-standard exception", what);
    }
  };
}

}  // namespace tlsfloor::net
