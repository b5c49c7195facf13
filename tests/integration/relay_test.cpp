// Bytes through the proxy: exact both ways, large transfers, half-close in each direction,
// every TLS version, many connections at once.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "proxy/net/buffer_pool.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

constexpr std::size_t kRecord = net::kRelayChunkSize;  // a full TLS record's plaintext

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(generator());
  return bytes;
}

class RelayTest : public testing::Test {
 protected:
  RunningProxy start(const TcpUpstream& upstream, const std::string& mode = "enforce") {
    ListenerSpec spec;
    spec.upstream_port = upstream.port();
    spec.certificates = {certificate_};
    spec.mode = mode;
    return RunningProxy(proxy_yaml({spec}));
  }
  // tlsfloor_bytes_total in one direction, once it has reached `expected`.
  std::optional<double> bytes(RunningProxy& proxy, const char* direction, std::size_t expected) {
    return proxy.metric_eventually("tlsfloor_bytes_total",
                                   {{"listener", "api"}, {"direction", direction}},
                                   static_cast<double>(expected));
  }
  TempDir dir_;
  PemFiles certificate_ = make_self_signed(dir_, "api", {"api.test"});
};

TEST_F(RelayTest, ClientHalfCloseReachesTheUpstreamAndTheReplyStillArrives) {
  // The upstream answers only once it has seen EOF: the client's close_notify must become a
  // TCP half-close towards the upstream, and the other direction must stay open for the reply.
  TcpUpstream upstream(UpstreamMode::reply_after_eof);
  RunningProxy proxy = start(upstream);
  const std::string payload = random_bytes(8 * 1024 * 1024 + 123, 1);
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.write_all(payload));
  client.finish_sending();
  ReadEnd end{};
  const std::string reply = client.read_to_end(&end);
  EXPECT_EQ(reply.size(), payload.size());
  EXPECT_TRUE(reply == payload) << "reply differs from what was sent";
  EXPECT_EQ(end, ReadEnd::close_notify);
  const auto received = upstream.wait_for_finished(1);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_TRUE(received[0] == payload);
  EXPECT_EQ(bytes(proxy, "client_to_upstream", payload.size()), payload.size());
  EXPECT_EQ(bytes(proxy, "upstream_to_client", payload.size()), payload.size());
}

TEST_F(RelayTest, UpstreamHalfCloseBecomesCloseNotifyAndTheClientCanStillSend) {
  const std::string greeting = random_bytes(4 * 1024 * 1024 + 7, 2);
  TcpUpstream upstream(UpstreamMode::greet_then_collect, greeting);
  RunningProxy proxy = start(upstream);
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  ReadEnd end{};
  const std::string received = client.read_to_end(&end);
  EXPECT_EQ(end, ReadEnd::close_notify);
  EXPECT_EQ(received.size(), greeting.size());
  EXPECT_TRUE(received == greeting);
  // The upstream only closed its sending side: what the client sends now must still arrive.
  ASSERT_TRUE(client.write_all("late words"));
  client.finish_sending();
  const auto collected = upstream.wait_for_finished(1);
  ASSERT_EQ(collected.size(), 1u);
  EXPECT_EQ(collected[0], "late words");
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_connections_active", {{"listener", "api"}}, 0.0),
            0.0);
}

TEST_F(RelayTest, KeepaliveMessagesAroundARecordAndAReadComeBackExact) {
  // One message at a time, as a keepalive client sends them: each direction must relay all of
  // a message without waiting for more, whether it fits a read and a record (16 KiB) or not.
  TcpUpstream upstream(UpstreamMode::echo);
  RunningProxy proxy = start(upstream);
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  std::size_t total = 0;
  for (const std::size_t size : {std::size_t{1}, kRecord - 1, kRecord, kRecord + 1,
                                 net::kRelayBufferSize + 1, 4 * kRecord + 3, std::size_t{2}}) {
    SCOPED_TRACE(size);
    const std::string message = random_bytes(size, static_cast<unsigned>(size));
    ASSERT_TRUE(client.write_all(message));
    ASSERT_TRUE(client.read_exactly(size) == message);
    total += size;
  }
  client.finish_sending();
  ReadEnd end{};
  EXPECT_EQ(client.read_to_end(&end), "");
  EXPECT_EQ(end, ReadEnd::close_notify);
  EXPECT_EQ(bytes(proxy, "client_to_upstream", total), total);
  EXPECT_EQ(bytes(proxy, "upstream_to_client", total), total);
}

class RelayPerVersionTest : public RelayTest, public testing::WithParamInterface<std::uint16_t> {};

TEST_P(RelayPerVersionTest, EchoIsExactForEveryVersion) {
  TcpUpstream upstream(UpstreamMode::reply_after_eof);
  RunningProxy proxy = start(upstream, "observe");  // observe: TLS 1.0 and 1.1 pass too
  ClientOptions options;
  options.min_version = options.max_version = GetParam();
  const std::string payload = random_bytes(1024 * 1024 + 1, GetParam());
  TlsClient client(proxy.port(), options);
  ASSERT_TRUE(client.handshake());
  EXPECT_EQ(client.version(), GetParam());
  ASSERT_TRUE(client.write_all(payload));
  client.finish_sending();
  EXPECT_TRUE(client.read_to_end() == payload);
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, RelayPerVersionTest,
                         testing::Values(TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION,
                                         TLS1_3_VERSION),
                         [](const auto& info) {
                           return "TLS1" + std::to_string(info.param - TLS1_VERSION);
                         });

TEST_F(RelayTest, ManyConcurrentConnectionsEachGetTheirOwnBytes) {
  TcpUpstream upstream(UpstreamMode::reply_after_eof);
  RunningProxy proxy = start(upstream);
  constexpr int kClients = 40;
  std::vector<std::string> replies(kClients);
  std::vector<std::string> payloads;
  for (int i = 0; i < kClients; ++i) payloads.push_back(random_bytes(64 * 1024 + i, 100 + i));
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      TlsClient client(proxy.port());
      if (!client.handshake() || !client.write_all(payloads[i])) return;
      client.finish_sending();
      replies[i] = client.read_to_end();
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_TRUE(replies[i] == payloads[i]) << "client " << i;
  }
  EXPECT_EQ(proxy.metric("tlsfloor_handshakes_total",
                         {{"listener", "api"}, {"version", "TLS1.3"}, {"outcome", "accepted"}}),
            kClients);
}

class ResumptionTest : public RelayTest, public testing::WithParamInterface<std::uint16_t> {};

TEST_P(ResumptionTest, SessionsResumeWithoutAFullHandshake) {
  TcpUpstream upstream(UpstreamMode::echo);
  RunningProxy proxy = start(upstream);
  ClientOptions options;
  options.min_version = options.max_version = GetParam();
  bssl::UniquePtr<SSL_SESSION> session;
  {
    TlsClient first(proxy.port(), options);
    ASSERT_TRUE(first.handshake());
    EXPECT_FALSE(first.session_reused());
    // A TLS 1.3 ticket arrives after the handshake: read something so the client takes it.
    ASSERT_TRUE(first.write_all("1"));
    EXPECT_EQ(first.read_exactly(1), "1");
    session = first.session();
  }
  ASSERT_TRUE(session);
  options.resume = session.get();
  TlsClient second(proxy.port(), options);
  ASSERT_TRUE(second.handshake());
  EXPECT_TRUE(second.session_reused());
  EXPECT_EQ(second.peer_common_name(), "api.test");
  ASSERT_TRUE(second.write_all("resumed"));
  EXPECT_EQ(second.read_exactly(7), "resumed");
  EXPECT_EQ(proxy.metric("tlsfloor_resumed_handshakes_total", {{"listener", "api"}}), 1.0);
}

INSTANTIATE_TEST_SUITE_P(TicketVersions, ResumptionTest,
                         testing::Values(TLS1_2_VERSION, TLS1_3_VERSION), [](const auto& info) {
                           return "TLS1" + std::to_string(info.param - TLS1_VERSION);
                         });

TEST_F(RelayTest, IPv6ListenersWork) {
  TcpUpstream upstream(UpstreamMode::reply_after_eof);
  ListenerSpec spec;
  spec.listen = "[::1]:0";
  spec.upstream_port = upstream.port();
  spec.certificates = {certificate_};
  RunningProxy proxy(proxy_yaml({spec}));
  ClientOptions options;
  options.host = "::1";
  TlsClient client(proxy.port(), options);
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.write_all("v6"));
  client.finish_sending();
  EXPECT_EQ(client.read_to_end(), "v6");
}

}  // namespace
}  // namespace tlsfloor::test
