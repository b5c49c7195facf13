#include "proxy/net/handshake_storm.h"

#include <algorithm>

namespace tlsfloor::net {

bool HandshakeStorm::update(TimePoint now, std::uint64_t full_handshakes) {
  if (settings_.start_rate <= 0) return raging_;
  if (!started_) {
    started_ = true;
    window_start_ = now;
    count_at_window_start_ = full_handshakes;
    return raging_;
  }
  const auto elapsed = now - window_start_;
  if (elapsed < settings_.window) return raging_;
  const auto windows = static_cast<unsigned>(
      std::min<std::int64_t>(elapsed / settings_.window, settings_.quiet_windows_to_stop));
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const double rate = static_cast<double>(full_handshakes - count_at_window_start_) / seconds;
  window_start_ = now;
  count_at_window_start_ = full_handshakes;

  if (rate >= settings_.start_rate) {
    quiet_windows_ = 0;
    busy_windows_ += windows;
    if (busy_windows_ >= settings_.busy_windows_to_start) raging_ = true;
  } else if (rate < settings_.start_rate / 4) {
    busy_windows_ = 0;
    quiet_windows_ += windows;
    if (quiet_windows_ >= settings_.quiet_windows_to_stop) raging_ = false;
  } else {
    // Between the two: keeps a storm going, starts none.
    busy_windows_ = 0;
    quiet_windows_ = 0;
  }
  return raging_;
}

}  // namespace tlsfloor::net
