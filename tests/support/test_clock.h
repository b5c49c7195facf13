#pragma once
// A clock tests set by hand, read by the proxy's threads: expiry and brownout windows are
// tested by moving time, never by sleeping.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "config/timestamp.h"

namespace tlsfloor::test {

class TestClock {
 public:
  explicit TestClock(config::Timestamp start)
      : now_(std::make_shared<std::atomic<Rep>>(ticks(start))) {}
  void set(config::Timestamp when) { now_->store(ticks(when)); }
  config::Timestamp now() const {
    return config::Timestamp(config::Timestamp::duration(now_->load()));
  }
  /// For RunningProxy / Server::create; stays valid after this object is gone.
  std::function<config::Timestamp()> function() const {
    return [now = now_] { return config::Timestamp(config::Timestamp::duration(now->load())); };
  }

 private:
  using Rep = config::Timestamp::rep;
  static Rep ticks(config::Timestamp when) { return when.time_since_epoch().count(); }
  std::shared_ptr<std::atomic<Rep>> now_;
};

}  // namespace tlsfloor::test
