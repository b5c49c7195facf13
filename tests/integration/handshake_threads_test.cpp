// Handshake threads (handshake_threads): during a storm of full handshakes
// (handshake_storm_rate), or always with a rate of 0, they accept and run each connection up to
// the relay, then hand it to a worker; otherwise the workers accept. Relaying works both ways
// after the move, bytes read ahead with the client's Finished are not lost, a storm moves new
// connections to them and its end moves them back, and handshake_threads: 0 keeps everything on
// the workers. The rest of the integration suite runs with the default (as many handshake
// threads as workers, the workers accepting while nothing storms).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
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

constexpr const char* kAlwaysHandshakeThreads = "handshake_threads: 1\nhandshake_storm_rate: 0\n";

TEST_F(HandshakeThreadsTest, EstablishedConnectionsAreHandedToTheWorkersAndRelayBothWays) {
  RunningProxy proxy = start(kAlwaysHandshakeThreads);
  EXPECT_EQ(threads_named("tlsfloor-hshake"), 1);
  EXPECT_EQ(threads_named("tlsfloor-work"), 2);
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_threads", {}), 1);
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_storm", {}), 1);

  echo_from_clients(proxy.port(), 12);
  EXPECT_EQ(proxy.metric("tlsfloor_connections_handed_over_total", {{"listener", "api"}}), 12);
  // The workers end them, after the move: none is left open.
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_connections_active", {{"listener", "api"}}, 0), 0);
}

TEST_F(HandshakeThreadsTest,
       ByDefaultThereAreAsManyAsWorkersAndTheWorkersAcceptWhileNothingStorms) {
  RunningProxy proxy = start("");
  EXPECT_EQ(threads_named("tlsfloor-hshake"), 2);
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_threads", {}), 2);
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_storm", {}), 0);
  echo_from_clients(proxy.port(), 4);
  EXPECT_EQ(proxy.metric("tlsfloor_connections_handed_over_total", {{"listener", "api"}}), 0);
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_storms_total", {}), 0);
}

TEST_F(HandshakeThreadsTest, AStormSendsNewConnectionsToTheHandshakeThreadsAndItsEndBack) {
  // 5 full handshakes a second start a storm here (a client's handshakes one after another
  // come at tens a second even under a sanitizer); a second below 1.25 a second ends it.
  RunningProxy proxy = start("handshake_threads: 1\nhandshake_storm_rate: 5\n");
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_storm", {}), 0);
  echo_from_clients(proxy.port(), 1);
  EXPECT_EQ(proxy.metric("tlsfloor_connections_handed_over_total", {{"listener", "api"}}), 0);

  // Full handshakes one after another (the test client never resumes) until the storm is seen.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (proxy.metric("tlsfloor_handshake_storm", {}) != 1 &&
         std::chrono::steady_clock::now() < give_up) {
    echo_from_clients(proxy.port(), 1);
  }
  ASSERT_EQ(proxy.metric("tlsfloor_handshake_storm", {}), 1);
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_storms_total", {}), 1);
  // From now on the handshake thread accepts every new connection and hands it over.
  const double before =
      *proxy.metric("tlsfloor_connections_handed_over_total", {{"listener", "api"}});
  for (int i = 0; i < 6; ++i) echo_from_clients(proxy.port(), 1);
  EXPECT_EQ(proxy.metric("tlsfloor_connections_handed_over_total", {{"listener", "api"}}),
            before + 6);

  // A quiet second ends it: the workers accept again.
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_handshake_storm", {}, 0), 0);
  const double after =
      *proxy.metric("tlsfloor_connections_handed_over_total", {{"listener", "api"}});
  echo_from_clients(proxy.port(), 3);
  EXPECT_EQ(proxy.metric("tlsfloor_connections_handed_over_total", {{"listener", "api"}}), after);
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_storms_total", {}), 1);
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
  RunningProxy proxy = start(kAlwaysHandshakeThreads);
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
  RunningProxy proxy = start(kAlwaysHandshakeThreads, /*one_worker=*/true);
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
