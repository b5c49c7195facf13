#pragma once
// What GET /exceptions says about each override: its selectors, use and status. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/owner_directory.h"
#include "proxy/state/exception_ledger.h"

namespace tlsfloor::admin {

/// How an exception stands, for its owner: expired (matches no one any more), expiring (within
/// 7 days), unused (no match for its unused_after, counted from its last use or, if never used,
/// from when tlsfloor first loaded it), else active. The first that applies, in that order.
enum class ExceptionStatus { active, unused, expiring, expired };
std::string_view to_string(ExceptionStatus status);

inline constexpr auto kExpiringWithin = std::chrono::days(7);

ExceptionStatus exception_status(const config::ExceptionConfig& exception,
                                 std::optional<config::Timestamp> last_used,
                                 config::Timestamp first_loaded, config::Timestamp now);

/// {"generated_at", "exceptions": [{listener, name, clients, server_names, ja4, min_version,
/// expires, note, owner, unused_after_seconds, handshakes, last_used, first_loaded, status}]} in
/// configuration order. `owner` is the owner directory's owner of the exception
/// (config::owner_of_exception), null without one or without a directory (`owners` null).
std::string exceptions_json(const std::vector<state::ExceptionRecord>& exceptions,
                            const config::OwnerDirectory* owners, config::Timestamp now);

}  // namespace tlsfloor::admin
