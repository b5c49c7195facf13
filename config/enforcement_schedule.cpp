#include "config/enforcement_schedule.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace tlsfloor::config {
namespace {

// observe < brownout < enforce: how many clients below a floor a mode refuses.
int strictness(EnforcementMode mode) {
  switch (mode) {
    case EnforcementMode::observe:
      return 0;
    case EnforcementMode::brownout:
      return 1;
    case EnforcementMode::enforce:
      return 2;
  }
  return 2;
}

EnforcementMode mode_of(const EnforcementConfig& stage, StagedFloor floor) {
  return floor == StagedFloor::version ? stage.mode : stage.cipher_mode;
}

// "10m", "1h", "1d": the largest unit that states the duration exactly (as it was written,
// since the parser takes one unit).
std::string duration_text(Duration duration) {
  struct Unit {
    const char* suffix;
    std::int64_t milliseconds;
  };
  static constexpr Unit kUnits[] = {
      {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
  const std::int64_t count = duration.count();
  for (const Unit& unit : kUnits) {
    if (count != 0 && count % unit.milliseconds == 0) {
      return std::to_string(count / unit.milliseconds) + unit.suffix;
    }
  }
  return std::to_string(count) + "ms";
}

}  // namespace

std::size_t stage_at(const EnforcementConfig& enforcement, Timestamp now) {
  const auto& steps = enforcement.schedule;
  // A step is in force from its instant on: the first step after `now` ends the passed ones.
  const auto first_to_come =
      std::upper_bound(steps.begin(), steps.end(), now,
                       [](Timestamp when, const ScheduleStep& step) { return when < step.at; });
  return static_cast<std::size_t>(first_to_come - steps.begin());
}

const ScheduleStep* step_in_force(const EnforcementConfig& enforcement, Timestamp now) {
  const std::size_t stage = stage_at(enforcement, now);
  return stage == 0 ? nullptr : &enforcement.schedule[stage - 1];
}

const ScheduleStep* next_step(const EnforcementConfig& enforcement, Timestamp now) {
  const std::size_t stage = stage_at(enforcement, now);
  return stage < enforcement.schedule.size() ? &enforcement.schedule[stage] : nullptr;
}

EnforcementConfig enforcement_in_stage(const EnforcementConfig& enforcement, std::size_t stage) {
  EnforcementConfig in_stage = enforcement;
  in_stage.schedule.clear();
  if (stage == 0) return in_stage;
  const ScheduleStep& step = enforcement.schedule.at(stage - 1);
  in_stage.mode = step.mode;
  in_stage.cipher_mode = step.cipher_mode;
  in_stage.cipher_mode_written = true;  // the step's own (it followed the step's mode if unwritten)
  in_stage.brownout = step.brownout;
  return in_stage;
}

const ScheduleStep* next_tightening(const EnforcementConfig& enforcement, Timestamp now,
                                    StagedFloor floor) {
  const std::size_t stage = stage_at(enforcement, now);
  const int today = strictness(mode_of(enforcement_in_stage(enforcement, stage), floor));
  for (std::size_t i = stage; i < enforcement.schedule.size(); ++i) {
    const ScheduleStep& step = enforcement.schedule[i];
    const EnforcementMode mode = floor == StagedFloor::version ? step.mode : step.cipher_mode;
    if (strictness(mode) > today) return &step;
  }
  return nullptr;
}

std::string describe_stage(const EnforcementConfig& enforcement, std::size_t stage) {
  const EnforcementConfig in_stage = enforcement_in_stage(enforcement, stage);
  std::string text = "mode " + std::string(to_string(in_stage.mode)) + ", cipher_mode " +
                     std::string(to_string(in_stage.cipher_mode));
  if (in_stage.mode != EnforcementMode::brownout &&
      in_stage.cipher_mode != EnforcementMode::brownout) {
    return text;
  }
  const BrownoutConfig& brownout = in_stage.brownout;
  text += ", brownout";
  if (!brownout.windows.empty()) {
    text += " " + std::to_string(brownout.windows.size()) + " window" +
            (brownout.windows.size() == 1 ? "" : "s");
  }
  if (brownout.every) {
    text += (brownout.windows.empty() ? " every " : " and every ") +
            duration_text(brownout.every->period) + " for " +
            duration_text(brownout.every->duration);
  }
  if (brownout.fraction < 1.0) {
    char fraction[32];
    std::snprintf(fraction, sizeof fraction, "%g", brownout.fraction);
    text += std::string(", fraction ") + fraction;
  }
  return text;
}

std::vector<std::string> describe_schedule(const EnforcementConfig& enforcement, Timestamp now) {
  std::vector<std::string> lines;
  if (enforcement.schedule.empty()) return lines;
  const std::size_t in_force = stage_at(enforcement, now);
  for (std::size_t stage = 0; stage < stage_count(enforcement); ++stage) {
    std::string line = stage == 0 ? "until " + format_timestamp(enforcement.schedule.front().at)
                                  : "from  " + format_timestamp(enforcement.schedule[stage - 1].at);
    line += "  " + describe_stage(enforcement, stage);
    if (stage == in_force) line += "  (in force)";
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<std::string> describe_schedules(const Config& config, Timestamp now) {
  std::vector<std::string> lines;
  const auto add = [&](const std::string& listener, std::string_view route,
                       const EnforcementConfig& enforcement) {
    const std::vector<std::string> stages = describe_schedule(enforcement, now);
    if (stages.empty()) return;
    lines.push_back("listener " + listener + " route " + std::string(route) + ": schedule");
    for (const std::string& stage : stages) lines.push_back("  " + stage);
  };
  for (const ListenerConfig& listener : config.listeners) {
    add(listener.name, kDefaultRouteName, listener.enforcement);
    for (const RouteConfig& route : listener.routes)
      add(listener.name, route.name, route.enforcement);
  }
  return lines;
}

}  // namespace tlsfloor::config
