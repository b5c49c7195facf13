#pragma once
// A route's enforcement schedule at run time: the policy of every stage, built once when the
// configuration is loaded, and which stage is in force, moved by the control thread's clock at
// each step's instant (config/enforcement_schedule.h says which stage that is). The early
// callback reads the stage in force with one atomic load: no clock read and no search on the
// handshake path, whatever the schedule holds.
#include <atomic>
#include <cstddef>
#include <optional>
#include <vector>

#include "config/config.h"
#include "config/timestamp.h"
#include "proxy/policy/policy.h"

namespace tlsfloor::runtime {

/// What a route's decisions read while one stage of its schedule is in force.
struct EnforcementStage {
  /// The route's floors and ceiling, with the stage's mode and cipher_mode.
  policy::VersionPolicy policy;
  /// The route's enforcement section with the stage's mode, cipher_mode and brownout (the
  /// brownout windows legacy_circumstances() judges a client by).
  config::EnforcementConfig enforcement;
};

/// A change of the stage in force (indexes as config::stage_at() counts them).
struct StageChange {
  std::size_t from = 0;
  std::size_t to = 0;
};

class EnforcementStages {
 public:
  /// Every stage of `settings`' schedule (one, its own keys, without a schedule), with the
  /// stage in force at `now`.
  EnforcementStages(const config::RouteSettings& settings, config::Timestamp now);
  EnforcementStages(const EnforcementStages&) = delete;
  EnforcementStages& operator=(const EnforcementStages&) = delete;

  /// The stage in force. Any thread, wait-free.
  const EnforcementStage& in_force() const {
    return stages_[current_.load(std::memory_order_acquire)];
  }
  std::size_t in_force_index() const { return current_.load(std::memory_order_acquire); }
  const EnforcementStage& stage(std::size_t index) const { return stages_.at(index); }

  /// Puts the stage in force at `now` in force: the next one at a step's instant, or an
  /// earlier one if the clock was set back (the stage always follows the clock). Returns the
  /// change, if there was one. One thread at a time (the control thread).
  std::optional<StageChange> advance(config::Timestamp now);

 private:
  config::EnforcementConfig schedule_;  // the route's section, for its steps' instants
  std::vector<EnforcementStage> stages_;
  std::atomic<std::size_t> current_{0};
};

}  // namespace tlsfloor::runtime
