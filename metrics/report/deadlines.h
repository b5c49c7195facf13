#pragma once
// Deadlines for `tlsfloor report --config`: what each route's enforcement schedule says at the
// report's time (the mode in force, the next step) and the day it starts refusing the clients
// it lets in now, read from the configuration, so that "who would break" also says when.
// Pure: the configuration and the time come in.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.h"
#include "config/enforcement_schedule.h"
#include "config/timestamp.h"

namespace tlsfloor::report {

/// A dated change of a route's mode.
struct ScheduledChange {
  config::Timestamp at;
  config::EnforcementMode mode = config::EnforcementMode::enforce;
  friend bool operator==(const ScheduledChange&, const ScheduledChange&) = default;
};

/// One route's schedule at the report's time, for the floor the report judges (the version
/// floor's `mode`, or with --ciphers alone the cipher floor's `cipher_mode`).
struct RouteDeadline {
  config::EnforcementMode mode = config::EnforcementMode::enforce;  // in force
  std::optional<ScheduledChange> next;    // the next step, whatever it sets
  std::optional<ScheduledChange> breaks;  // the first step stricter than `mode`
};

/// Every route of a configuration (route "default": a listener's own keys).
struct Deadlines {
  std::string source;       // the configuration file, as given
  config::Timestamp as_of;  // the time they are judged at
  std::map<std::pair<std::string, std::string>, RouteDeadline, std::less<>> routes;

  /// The route's deadline; nullptr for a route the configuration does not have.
  const RouteDeadline* find(std::string_view listener, std::string_view route) const;
};

/// Each route's deadline in `config` at `now`, by `floor`'s mode.
Deadlines deadlines_of(const config::Config& config, config::Timestamp now,
                       config::StagedFloor floor);

/// The earlier of two changes; an absent one is no deadline at all.
std::optional<ScheduledChange> earliest(const std::optional<ScheduledChange>& a,
                                        const std::optional<ScheduledChange>& b);

/// "2027-01-15": a change's date, alone when it is at midnight UTC (as deadlines usually are),
/// else with the time ("2027-01-15T14:30:00.000Z").
std::string change_date(const ScheduledChange& change);

}  // namespace tlsfloor::report
