#include "proxy/net/worker.h"

#include <vector>

#include "proxy/net/connection.h"

namespace tlsfloor::net {

void Worker::track(Connection& connection) {
  connections_.insert(&connection);
  active_.store(connections_.size(), std::memory_order_relaxed);
}

void Worker::untrack(Connection& connection) {
  connections_.erase(&connection);
  active_.store(connections_.size(), std::memory_order_relaxed);
}

void Worker::abort_connections() {
  // abort() never destroys a connection synchronously, but copy anyway: the set is not ours
  // to iterate while callbacks might run.
  const std::vector<Connection*> open(connections_.begin(), connections_.end());
  for (Connection* connection : open) connection->abort();
}

}  // namespace tlsfloor::net
