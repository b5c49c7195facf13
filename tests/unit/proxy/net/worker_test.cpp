// Which relay worker a handshake thread hands an established connection to, and buffers that
// change pools with their connection.
#include "proxy/net/worker.h"

#include <gtest/gtest.h>

#include <cstring>

#include "proxy/net/buffer_pool.h"

namespace tlsfloor::net {
namespace {

TEST(Worker, RelaysItsOwnConnectionsWithoutRelayWorkers) {
  Worker worker(0, nullptr);
  EXPECT_EQ(worker.relay_worker(), nullptr);
}

TEST(Worker, HandsToTheLeastBusyRelayWorkerAndTiesTakeTurns) {
  Worker a(0, nullptr), b(1, nullptr), c(2, nullptr);
  Worker handshakes(3, nullptr, {&a, &b, &c});
  EXPECT_EQ(handshakes.relay_worker(), &a);
  EXPECT_EQ(handshakes.relay_worker(), &b);
  EXPECT_EQ(handshakes.relay_worker(), &c);
  EXPECT_EQ(handshakes.relay_worker(), &a);
  // Connections on their way count: a and b have some, c none.
  a.expect_arrival();
  a.expect_arrival();
  b.expect_arrival();
  EXPECT_EQ(a.active_connections(), 2u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(handshakes.relay_worker(), &c);
  c.expect_arrival();
  c.expect_arrival();
  EXPECT_EQ(handshakes.relay_worker(), &b);
}

TEST(BufferLease, GoesBackToThePoolItWasLastGivenTo) {
  BufferPool old_pool;
  BufferPool new_pool;
  {
    BufferLease lease = old_pool.take();
    std::memcpy(lease.data(), "kept", 4);
    lease.return_to(new_pool);
    EXPECT_EQ(std::memcmp(lease.data(), "kept", 4), 0);
  }
  EXPECT_EQ(old_pool.idle(), 0u);
  EXPECT_EQ(new_pool.idle(), 1u);
}

}  // namespace
}  // namespace tlsfloor::net
