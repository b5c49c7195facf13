// Handshake threads (handshake_threads): they accept and run each connection up to the relay,
// then hand it to a worker. Relaying works both ways after the move, bytes read ahead with the
// client's Finished are not lost, and handshake_threads: 0 keeps everything on the workers.
// The rest of the integration suite runs with the default (as many handshake threads as
// workers), so every relay, timeout, drain and upstream-TLS test also crosses a hand-over.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "proxy/net/buffer_pool.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/thread_names.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

long threads_named(const std::string& name) {
  const std::vector<std::string> names = thread_names();
  return std::count(names.begin(), names.end(), name);
}

class HandshakeThreadsTest : public testing::Test {
 protected:
  // proxy_yaml() runs two workers; `one_worker` runs one.
  RunningProxy start(const std::string& top_level_yaml, bool one_worker = false) {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"api.test"})};
    std::string yaml = proxy_yaml({spec}, "5s", top_level_yaml);
    if (one_worker) yaml.replace(yaml.find("threads: 2\n"), 11, "threads: 1\n");
    return RunningProxy(yaml);
  }
  // Every client at once, each echoing a message of its own.
  static void echo_from_clients(std::uint16_t port, int clients) {
    std::vector<std::thread> threads;
    std::vector<int> echoed(static_cast<std::size_t>(clients), 0);
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([port, i, &echoed] {
        TlsClient client(port);
        const std::string message = "client " + std::to_string(i) + "\n";
        if (client.handshake() && client.write_all(message) &&
            client.read_exactly(message.size()) == message) {
          echoed[static_cast<std::size_t>(i)] = 1;
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(std::count(echoed.begin(), echoed.end(), 1), clients);
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
};

TEST_F(HandshakeThreadsTest, EstablishedConnectionsAreHandedToTheWorkersAndRelayBothWays) {
  RunningProxy proxy = start("handshake_threads: 1\n");
  EXPECT_EQ(threads_named("tlsfloor-hshake"), 1);
  EXPECT_EQ(threads_named("tlsfloor-work"), 2);
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_threads", {}), 1);

  echo_from_clients(proxy.port(), 12);
  EXPECT_EQ(proxy.metric("tlsfloor_connections_handed_over_total", {{"listener", "api"}}), 12);
  // The workers end them, after the move: none is left open.
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_connections_active", {{"listener", "api"}}, 0), 0);
}

TEST_F(HandshakeThreadsTest, ByDefaultThereAreAsManyAsWorkers) {
  RunningProxy proxy = start("");
  EXPECT_EQ(threads_named("tlsfloor-hshake"), 2);
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_threads", {}), 2);
  echo_from_clients(proxy.port(), 4);
  EXPECT_EQ(proxy.metric("tlsfloor_connections_handed_over_total", {{"listener", "api"}}), 4);
}

TEST_F(HandshakeThreadsTest, ZeroKeepsEveryConnectionOnTheWorkerThatAcceptedIt) {
  RunningProxy proxy = start("handshake_threads: 0\n");
  EXPECT_EQ(threads_named("tlsfloor-hshake"), 0);
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_threads", {}), 0);
  echo_from_clients(proxy.port(), 4);
  EXPECT_EQ(proxy.metric("tlsfloor_connections_handed_over_total", {{"listener", "api"}}), 0);
}

TEST_F(HandshakeThreadsTest, ARequestThatArrivedWithTheFinishedIsRelayedAfterTheMove) {
  // The Finished and the request leave in one send(): the proxy reads both in one recv(), so
  // the request is already in the connection's read-ahead buffer when it moves.
  RunningProxy proxy = start("handshake_threads: 1\n");
  ClientOptions options;
  options.min_version = TLS1_3_VERSION;
  options.first_request_with_finished = true;
  TlsClient client(proxy.port(), options);
  ASSERT_TRUE(client.handshake());
  const std::string request(3000, 'r');
  ASSERT_TRUE(client.write_all(request));
  EXPECT_EQ(client.read_exactly(request.size()), request);
  // And the connection goes on as usual once moved.
  ASSERT_TRUE(client.write_all("again\n"));
  EXPECT_EQ(client.read_exactly(6), "again\n");
  EXPECT_EQ(proxy.metric("tlsfloor_connections_handed_over_total", {{"listener", "api"}}), 1);
}

TEST_F(HandshakeThreadsTest, AMovedConnectionNeverHoldsItsWorker) {
  // One worker relays both connections. The first one's upstream echoes exactly one full
  // relay chunk and then falls silent: the relay reads the chunk and reads on, which must end
  // at "would block" and a wait, not in a blocking read that stops the worker (the moved
  // socket must stay non-blocking in Asio's eyes too).
  RunningProxy proxy = start("handshake_threads: 1\n", /*one_worker=*/true);
  TlsClient quiet(proxy.port());
  ASSERT_TRUE(quiet.handshake());
  const std::string chunk(net::kRelayChunkSize, 'c');
  ASSERT_TRUE(quiet.write_all(chunk));
  ASSERT_EQ(quiet.read_exactly(chunk.size()), chunk);

  TlsClient other(proxy.port());
  ASSERT_TRUE(other.handshake());
  ASSERT_TRUE(other.write_all("still relayed\n"));
  EXPECT_EQ(other.read_exactly(14), "still relayed\n");
}

}  // namespace
}  // namespace tlsfloor::test
