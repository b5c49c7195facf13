#pragma once
// The descriptors the process spends on clients. An admitted client will hold two: its own
// socket and, once its handshake completes, its upstream's. Counting both from admission on
// means a client is only admitted when its upstream connect will find a descriptor too, so a
// flood of handshakes cannot leave the clients that complete them failing with EMFILE. One per
// process, shared by every listener and kept across reloads.
#include <atomic>

namespace tlsfloor::limits {

class DescriptorBudget {
 public:
  /// Descriptors one admitted client is counted for.
  static constexpr unsigned long kPerClient = 2;

  /// Counts another client if its kPerClient descriptors keep the total within `capacity`
  /// (the descriptor limit less the reserve kept for the admin port, logs and the like).
  bool take(unsigned long capacity) {
    const unsigned long before = in_use_.fetch_add(kPerClient, std::memory_order_relaxed);
    if (before + kPerClient <= capacity) return true;
    in_use_.fetch_sub(kPerClient, std::memory_order_relaxed);
    return false;
  }
  void give_back() { in_use_.fetch_sub(kPerClient, std::memory_order_relaxed); }
  /// Descriptors counted for the clients admitted now.
  unsigned long in_use() const { return in_use_.load(std::memory_order_relaxed); }

 private:
  std::atomic<unsigned long> in_use_{0};
};

}  // namespace tlsfloor::limits
