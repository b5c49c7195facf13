#include "proxy/limits/admission.h"

#include <functional>
#include <utility>

namespace tlsfloor::limits {

AdmissionSlot& AdmissionSlot::operator=(AdmissionSlot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    descriptors_ = std::move(other.descriptors_);
    source_ = other.source_;
    handshake_ = std::exchange(other.handshake_, false);
    source_held_ = std::exchange(other.source_held_, false);
  }
  return *this;
}

bool AdmissionSlot::take_source(const config::LimitsConfig& limits,
                                const config::AddressPrefix& source) {
  if (!handshake_ || source_held_) return true;
  if (!owner_->take_source(source, limits.max_handshakes_per_source)) return false;
  source_ = source;
  source_held_ = true;
  return true;
}

void AdmissionSlot::end_handshake() {
  if (!handshake_) return;
  handshake_ = false;
  owner_->handshakes_.fetch_sub(1, std::memory_order_relaxed);
  if (std::exchange(source_held_, false)) owner_->give_back_source(source_);
}

void AdmissionSlot::release() {
  if (!owner_) return;
  end_handshake();
  owner_->connections_.fetch_sub(1, std::memory_order_relaxed);
  owner_.reset();
  if (descriptors_) descriptors_->give_back();
  descriptors_.reset();
}

bool Admission::take(std::atomic<unsigned>& counter, unsigned limit) {
  // Optimistic: over the limit, the unit is given straight back. Two clients racing for the
  // last unit may both be refused, never both admitted.
  if (counter.fetch_add(1, std::memory_order_relaxed) < limit) return true;
  counter.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

std::variant<AdmissionSlot, config::Limit> Admission::admit(
    const config::LimitsConfig& limits, const config::AddressPrefix* source,
    const std::shared_ptr<DescriptorBudget>& descriptors, unsigned long descriptor_capacity) {
  if (!descriptors->take(descriptor_capacity)) return config::Limit::descriptors;
  const auto refuse = [&](config::Limit limit) {
    descriptors->give_back();
    return limit;
  };
  if (!take(connections_, limits.max_connections)) return refuse(config::Limit::connections);
  if (!take(handshakes_, limits.max_handshakes_in_flight)) {
    connections_.fetch_sub(1, std::memory_order_relaxed);
    return refuse(config::Limit::handshakes_in_flight);
  }
  if (source != nullptr && !take_source(*source, limits.max_handshakes_per_source)) {
    handshakes_.fetch_sub(1, std::memory_order_relaxed);
    connections_.fetch_sub(1, std::memory_order_relaxed);
    return refuse(config::Limit::handshakes_per_source);
  }
  AdmissionSlot slot;
  slot.owner_ = shared_from_this();
  slot.descriptors_ = descriptors;
  slot.handshake_ = true;
  if (source != nullptr) {
    slot.source_ = *source;
    slot.source_held_ = true;
  }
  return slot;
}

Admission::Shard& Admission::shard_of(const config::AddressPrefix& source) const {
  return shards_[std::hash<config::AddressPrefix>{}(source) % kShards];
}

bool Admission::take_source(const config::AddressPrefix& source, unsigned limit) {
  Shard& shard = shard_of(source);
  const std::lock_guard lock(shard.mutex);
  unsigned& count = shard.in_flight[source];
  if (count >= limit) {
    if (count == 0) shard.in_flight.erase(source);
    return false;
  }
  ++count;
  return true;
}

void Admission::give_back_source(const config::AddressPrefix& source) {
  Shard& shard = shard_of(source);
  const std::lock_guard lock(shard.mutex);
  const auto entry = shard.in_flight.find(source);
  if (entry == shard.in_flight.end()) return;
  if (--entry->second == 0) shard.in_flight.erase(entry);
}

unsigned Admission::handshakes_from(const config::AddressPrefix& source) const {
  const Shard& shard = shard_of(source);
  const std::lock_guard lock(shard.mutex);
  const auto entry = shard.in_flight.find(source);
  return entry == shard.in_flight.end() ? 0 : entry->second;
}

std::size_t Admission::sources() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    const std::lock_guard lock(shard.mutex);
    total += shard.in_flight.size();
  }
  return total;
}

}  // namespace tlsfloor::limits
