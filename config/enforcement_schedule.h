#pragma once
// Deadlines: which step of an enforcement schedule (enforcement.schedule) is in force at an
// instant, which comes next, and what a route's enforcement is while each is in force. Pure:
// the time is an argument, so the proxy's clock, `tlsfloor --check` and `tlsfloor report
// --config` read one schedule the same way.
//
// A schedule has stages: stage 0 is the enforcement section's own keys, in force until the
// first step's `at`; stage k is schedule[k-1], in force from its `at` (inclusive) until the
// next step's. The parser guarantees the steps are in strictly increasing order of `at`.
#include <cstddef>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/timestamp.h"

namespace tlsfloor::config {

/// The stage in force at `now`: how many steps have an `at` at or before it (0: the section's
/// own keys). A binary search over the sorted steps.
std::size_t stage_at(const EnforcementConfig& enforcement, Timestamp now);

/// The step in force at `now`; nullptr while the section's own keys are.
const ScheduleStep* step_in_force(const EnforcementConfig& enforcement, Timestamp now);

/// The first step whose `at` is after `now`; nullptr when none is left.
const ScheduleStep* next_step(const EnforcementConfig& enforcement, Timestamp now);

/// The stages' count: one more than the steps.
inline std::size_t stage_count(const EnforcementConfig& enforcement) {
  return enforcement.schedule.size() + 1;
}

/// `enforcement` as it stands during stage `stage` (< stage_count()): mode, cipher_mode and
/// brownout are that step's (stage 0: its own); on_reject and http are the section's; the
/// schedule is left out, since a stage is what the decision reads, not what changes it.
EnforcementConfig enforcement_in_stage(const EnforcementConfig& enforcement, std::size_t stage);

/// The floors a mode applies to: the version floor (`mode`) or the cipher floor (`cipher_mode`).
enum class StagedFloor { version, ciphers };

/// The first step after `now` that treats clients below `floor` more strictly than the stage in
/// force at `now` does (observe < brownout < enforce): the day clients let in today start being
/// refused. nullptr when none is scheduled.
const ScheduleStep* next_tightening(const EnforcementConfig& enforcement, Timestamp now,
                                    StagedFloor floor);

/// What one stage enforces, for logs and --check: "mode brownout, cipher_mode brownout,
/// brownout every 1h for 10m" (windows are counted, a fraction below 1 is shown).
std::string describe_stage(const EnforcementConfig& enforcement, std::size_t stage);

/// The schedule as `tlsfloor --check` prints it under a route: one line per stage, each with
/// when it starts ("until <first at>" for the section's own keys, "from <at>" for a step), what
/// it enforces, and "(in force)" on the one in force at `now`. Empty without a schedule.
std::vector<std::string> describe_schedule(const EnforcementConfig& enforcement, Timestamp now);

/// Every scheduled route of `config` as `tlsfloor --check` prints them: a line "listener api
/// route default: schedule", then its describe_schedule() lines indented by two spaces. A
/// route that keeps its listener's schedule is listed too (it takes the steps on its own).
std::vector<std::string> describe_schedules(const Config& config, Timestamp now);

}  // namespace tlsfloor::config
