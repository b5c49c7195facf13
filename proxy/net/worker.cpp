#include "proxy/net/worker.h"

#include <vector>

#include "proxy/net/connection.h"

namespace tlsfloor::net {

Worker* Worker::relay_worker() {
  if (relay_workers_.empty()) return nullptr;
  // The least busy, starting the search one further each time so that ties take turns.
  const std::size_t count = relay_workers_.size();
  const std::size_t start = next_relay_++ % count;
  Worker* chosen = relay_workers_[start];
  for (std::size_t step = 1; step < count; ++step) {
    Worker* candidate = relay_workers_[(start + step) % count];
    if (candidate->active_connections() < chosen->active_connections()) chosen = candidate;
  }
  return chosen;
}

void Worker::track(Connection& connection) {
  connections_.insert(&connection);
  active_.store(connections_.size(), std::memory_order_relaxed);
}

void Worker::untrack(Connection& connection) {
  connections_.erase(&connection);
  active_.store(connections_.size(), std::memory_order_relaxed);
}

bool Worker::arrived(Connection& connection) {
  track(connection);  // counted here before it stops being counted as arriving
  arriving_.fetch_sub(1, std::memory_order_relaxed);
  return !aborting_;
}

void Worker::abort_connections() {
  aborting_ = true;
  // abort() never destroys a connection synchronously, but copy anyway: the set is not ours
  // to iterate while callbacks might run.
  const std::vector<Connection*> open(connections_.begin(), connections_.end());
  for (Connection* connection : open) connection->abort();
}

}  // namespace tlsfloor::net
