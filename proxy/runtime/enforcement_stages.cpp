#include "proxy/runtime/enforcement_stages.h"

#include "config/enforcement_schedule.h"

namespace tlsfloor::runtime {

EnforcementStages::EnforcementStages(const config::RouteSettings& settings, config::Timestamp now)
    : schedule_(settings.enforcement) {
  for (std::size_t index = 0; index < config::stage_count(schedule_); ++index) {
    EnforcementStage stage;
    stage.enforcement = config::enforcement_in_stage(schedule_, index);
    stage.policy = policy::version_policy(settings);
    stage.policy.mode = stage.enforcement.mode;
    stage.policy.cipher_mode = stage.enforcement.cipher_mode;
    stages_.push_back(std::move(stage));
  }
  current_.store(config::stage_at(schedule_, now), std::memory_order_release);
}

std::optional<StageChange> EnforcementStages::advance(config::Timestamp now) {
  const std::size_t from = current_.load(std::memory_order_acquire);
  const std::size_t to = config::stage_at(schedule_, now);
  if (to == from) return std::nullopt;
  current_.store(to, std::memory_order_release);
  return StageChange{from, to};
}

}  // namespace tlsfloor::runtime
