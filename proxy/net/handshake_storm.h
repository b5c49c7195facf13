#pragma once
// Whether the process is in a storm of full handshakes, when new connections go to the
// handshake threads (Config::handshake_threads) instead of being run by the workers that relay.
//
// Handshake threads keep a storm's handshakes from queueing ahead of established connections'
// relays on the workers' event loops, but a connection that crosses threads costs about 10% more
// CPU; a resumed handshake is short, and short connections, mostly resumed, are cheapest run where
// they were accepted. So the workers accept while full handshakes are rare, and the handshake
// threads only while they come at `start_rate` or more. The signal is the process's rate of
// completed full handshakes, measured over windows: a storm starts after `busy_windows_to_start`
// windows in a row at the rate (a client opening its pool at once is one burst, over within a
// window; a storm goes on), and ends after `quiet_windows_to_stop` windows in a row below a
// quarter of it (a storm's lulls do not flip it back and forth). Pure: time and counts in.
#include <chrono>
#include <cstdint>

namespace tlsfloor::net {

class HandshakeStorm {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Settings {
    /// Full handshakes per second, the whole process; 0: always in a storm.
    double start_rate = 200;
    std::chrono::milliseconds window{100};
    unsigned busy_windows_to_start = 2;
    unsigned quiet_windows_to_stop = 10;
  };

  explicit HandshakeStorm(Settings settings) : settings_(settings) {
    raging_ = settings_.start_rate <= 0;
  }

  /// `full_handshakes`: the running count of full handshakes the process has completed. Called
  /// about once a window; a longer gap counts as that many windows at its average rate.
  /// Whether the process is in a storm from now on.
  bool update(TimePoint now, std::uint64_t full_handshakes);
  bool raging() const { return raging_; }

 private:
  Settings settings_;
  bool started_ = false;
  TimePoint window_start_{};
  std::uint64_t count_at_window_start_ = 0;
  bool raging_;
  unsigned busy_windows_ = 0;
  unsigned quiet_windows_ = 0;
};

}  // namespace tlsfloor::net
