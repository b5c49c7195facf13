#pragma once
// A listener's admission control. Every new client takes a connection slot, a handshake slot and
// a slot of its source, or is refused by the first limit it would exceed; the connection gives
// the handshake slots back when its handshake ends and the connection slot when it closes.
//
// One Admission per listener, kept across reloads (a reload may change the limits, never the
// counts), so connections opened before a reload still count against the new limits.
#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <variant>

#include "config/address_prefix.h"
#include "config/limits.h"
#include "proxy/limits/descriptor_budget.h"

namespace tlsfloor::limits {

class Admission;

/// What one connection holds of its listener's limits. Move-only; gives everything back when
/// destroyed. An empty slot (default-constructed or moved from) holds nothing.
class AdmissionSlot {
 public:
  AdmissionSlot() = default;
  AdmissionSlot(AdmissionSlot&& other) noexcept { *this = std::move(other); }
  AdmissionSlot& operator=(AdmissionSlot&& other) noexcept;
  ~AdmissionSlot() { release(); }

  /// Takes the source slot of a connection admitted without one (its source was not known at
  /// accept: a PROXY protocol header names it). False, taking nothing, over the limit.
  bool take_source(const config::LimitsConfig& limits, const config::AddressPrefix& source);
  /// The handshake is over (completed or not): its handshake and source slots are free.
  void end_handshake();
  /// Gives back everything.
  void release();
  bool holds_connection() const { return owner_ != nullptr; }
  bool holds_handshake() const { return handshake_; }

 private:
  friend class Admission;
  std::shared_ptr<Admission> owner_;
  std::shared_ptr<DescriptorBudget> descriptors_;  // the process's, given back on release
  config::AddressPrefix source_;
  bool handshake_ = false;
  bool source_held_ = false;
};

class Admission : public std::enable_shared_from_this<Admission> {
 public:
  /// Takes a connection, a handshake and a `source` slot under `limits`, and the client's
  /// descriptors from `descriptors` within `descriptor_capacity`, or takes nothing and names
  /// the first limit that refuses. `source` is the client's key (its address masked); null
  /// when not known yet (see AdmissionSlot::take_source()).
  std::variant<AdmissionSlot, config::Limit> admit(
      const config::LimitsConfig& limits, const config::AddressPrefix* source,
      const std::shared_ptr<DescriptorBudget>& descriptors, unsigned long descriptor_capacity);

  /// Open connections holding a slot.
  unsigned connections() const { return connections_.load(std::memory_order_relaxed); }
  /// Handshakes holding a slot.
  unsigned handshakes() const { return handshakes_.load(std::memory_order_relaxed); }
  /// Handshakes in flight from `source`.
  unsigned handshakes_from(const config::AddressPrefix& source) const;
  /// Sources with a handshake in flight: at most handshakes(), which bounds the table.
  std::size_t sources() const;

 private:
  friend class AdmissionSlot;

  // Takes one unit of `counter` unless it is at `limit`.
  static bool take(std::atomic<unsigned>& counter, unsigned limit);
  bool take_source(const config::AddressPrefix& source, unsigned limit);
  void give_back_source(const config::AddressPrefix& source);

  // Sharded by the source's hash, so workers handshaking with different clients rarely meet.
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<config::AddressPrefix, unsigned> in_flight;  // never holds a zero
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard_of(const config::AddressPrefix& source) const;

  std::atomic<unsigned> connections_{0};
  std::atomic<unsigned> handshakes_{0};
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace tlsfloor::limits
