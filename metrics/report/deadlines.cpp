#include "metrics/report/deadlines.h"

#include <chrono>

namespace tlsfloor::report {
namespace {

config::EnforcementMode mode_of(const config::EnforcementConfig& enforcement,
                                config::StagedFloor floor) {
  return floor == config::StagedFloor::version ? enforcement.mode : enforcement.cipher_mode;
}

config::EnforcementMode mode_of(const config::ScheduleStep& step, config::StagedFloor floor) {
  return floor == config::StagedFloor::version ? step.mode : step.cipher_mode;
}

RouteDeadline deadline_of(const config::EnforcementConfig& enforcement, config::Timestamp now,
                          config::StagedFloor floor) {
  RouteDeadline deadline;
  const config::ScheduleStep* in_force = config::step_in_force(enforcement, now);
  deadline.mode = in_force != nullptr ? mode_of(*in_force, floor) : mode_of(enforcement, floor);
  if (const config::ScheduleStep* next = config::next_step(enforcement, now)) {
    deadline.next = ScheduledChange{next->at, mode_of(*next, floor)};
  }
  if (const config::ScheduleStep* step = config::next_tightening(enforcement, now, floor)) {
    deadline.breaks = ScheduledChange{step->at, mode_of(*step, floor)};
  }
  return deadline;
}

}  // namespace

const RouteDeadline* Deadlines::find(std::string_view listener, std::string_view route) const {
  const auto it = routes.find(std::pair(std::string(listener), std::string(route)));
  return it == routes.end() ? nullptr : &it->second;
}

Deadlines deadlines_of(const config::Config& config, config::Timestamp now,
                       config::StagedFloor floor) {
  Deadlines deadlines;
  deadlines.source = config.source_path;
  deadlines.as_of = now;
  for (const config::ListenerConfig& listener : config.listeners) {
    deadlines.routes[{listener.name, std::string(config::kDefaultRouteName)}] =
        deadline_of(listener.enforcement, now, floor);
    for (const config::RouteConfig& route : listener.routes) {
      deadlines.routes[{listener.name, route.name}] = deadline_of(route.enforcement, now, floor);
    }
  }
  return deadlines;
}

std::optional<ScheduledChange> earliest(const std::optional<ScheduledChange>& a,
                                        const std::optional<ScheduledChange>& b) {
  if (!a) return b;
  if (!b) return a;
  return b->at < a->at ? b : a;
}

std::string change_date(const ScheduledChange& change) {
  const std::string full = config::format_timestamp(change.at);
  const bool midnight = std::chrono::floor<std::chrono::days>(change.at) == change.at;
  return midnight ? full.substr(0, 10) : full;
}

}  // namespace tlsfloor::report
