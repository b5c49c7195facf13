#pragma once
// The client certificates a listener has seen verified, for the expiry series: per certificate
// subject, the certificate it last presented. Bounded whatever the traffic: at most `capacity`
// subjects (the one seen longest ago makes room), and only the `n` that expire soonest are
// exported, so the series count is bounded like the per-client series.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tlsfloor::metrics {

class ClientCertificateTable {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  /// One handshake with a verified certificate (full or resumed). The views are copied (each
  /// cut to config::kMaxClientText bytes).
  struct Observation {
    std::string_view subject;
    std::string_view serial;
    TimePoint not_after{};
    TimePoint when{};  // injected: the table never reads a clock
  };
  struct Entry {
    std::string subject;
    std::string serial;
    TimePoint not_after{};
    TimePoint last_seen{};
    std::uint64_t handshakes = 0;  // of this subject while tracked
  };

  explicit ClientCertificateTable(std::size_t capacity) : capacity_(capacity) {}
  ClientCertificateTable(const ClientCertificateTable&) = delete;
  ClientCertificateTable& operator=(const ClientCertificateTable&) = delete;

  /// noexcept: called at the end of a handshake; an allocation failure terminates rather than
  /// leave the table half-updated. O(log capacity).
  void record(const Observation& observation) noexcept;
  /// The `n` entries whose certificate expires soonest; ties by subject.
  std::vector<Entry> soonest_expiring(std::size_t n) const;
  std::size_t size() const;

 private:
  struct Tracked {
    Entry entry;
    std::multimap<TimePoint, std::string>::iterator by_last_seen;
  };
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::string, Tracked, std::less<>> by_subject_;
  std::multimap<TimePoint, std::string> by_last_seen_;  // the first is evicted first
};

}  // namespace tlsfloor::metrics
