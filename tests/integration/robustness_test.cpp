// Bad input and bad peers: garbage, oversized and truncated hellos, silent clients, idle
// connections, dead or black-holed upstreams, and the graceful stop. Each closes one
// connection, is counted, and leaves the others alone.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "tests/integration/proxy_config.h"
#include "tests/support/client_hello_capture.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

// A listener whose accept queue is full and never drained: further SYNs go unanswered, so a
// connect to it hangs until the connector's own timeout.
class BlackHole {
 public:
  BlackHole() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length);
    ::listen(fd_, 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    // Fill the queue (a backlog of 0 still admits one; take a few to be sure).
    for (int& filler : fillers_) {
      filler = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(filler, reinterpret_cast<sockaddr*>(&address), length);
    }
  }
  ~BlackHole() {
    for (int filler : fillers_) ::close(filler);
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  int fillers_[4] = {};
  std::uint16_t port_ = 0;
};

class RobustnessTest : public testing::Test {
 protected:
  ListenerSpec spec(std::uint16_t upstream_port) {
    ListenerSpec spec;
    spec.upstream_port = upstream_port;
    spec.certificates = {certificate_};
    return spec;
  }
  // Failed handshakes in which no version could be read, once `expected` were counted.
  std::optional<double> failed_unknown(RunningProxy& proxy, double expected) {
    return proxy.metric_eventually(
        "tlsfloor_handshakes_total",
        {{"listener", "api"}, {"version", "unknown"}, {"outcome", "failed"}}, expected);
  }
  // A well-behaved client still gets through: a bad connection harmed nobody else.
  void expect_service_works(RunningProxy& proxy) {
    TlsClient client(proxy.port());
    ASSERT_TRUE(client.handshake());
    ASSERT_TRUE(client.write_all("still fine"));
    EXPECT_EQ(client.read_exactly(10), "still fine");
  }
  TempDir dir_;
  PemFiles certificate_ = make_self_signed(dir_, "api", {"api.test"});
  TcpUpstream upstream_{UpstreamMode::echo};
};

TEST_F(RobustnessTest, PlainHttpIsClosedAndCountedAsFailed) {
  RunningProxy proxy(proxy_yaml({spec(upstream_.port())}));
  const int fd = connect_tcp(proxy.port());
  ASSERT_TRUE(send_raw(fd, "GET / HTTP/1.1\r\nHost: example\r\n\r\n"));
  read_raw_to_end(fd);  // returns once the proxy has closed the connection
  ::close(fd);
  EXPECT_EQ(failed_unknown(proxy, 1.0), 1.0);
  expect_service_works(proxy);
  EXPECT_EQ(upstream_.accepted(), 1) << "only the good client reached the upstream";
}

TEST_F(RobustnessTest, RandomGarbageIsClosedAndCounted) {
  RunningProxy proxy(proxy_yaml({spec(upstream_.port())}));
  const int fd = connect_tcp(proxy.port());
  ASSERT_TRUE(send_raw(fd, std::string("\x16\x03\x01\x00\x05\xff\xff\xff\xff\xff", 10)));
  read_raw_to_end(fd);
  ::close(fd);
  EXPECT_EQ(failed_unknown(proxy, 1.0), 1.0);
  expect_service_works(proxy);
}

TEST_F(RobustnessTest, AnOversizedClientHelloIsRefused) {
  RunningProxy proxy(proxy_yaml({spec(upstream_.port())}));
  const int fd = connect_tcp(proxy.port());
  // A handshake message announcing 16 MiB - 1 of ClientHello, sent in full-size records.
  std::string bytes;
  std::string message("\x01\xff\xff\xff", 4);
  message += std::string(200000, '\0');
  for (std::size_t at = 0; at < message.size(); at += 16384) {
    const std::string chunk = message.substr(at, 16384);
    bytes += std::string("\x16\x03\x01", 3);
    bytes += static_cast<char>(chunk.size() >> 8);
    bytes += static_cast<char>(chunk.size() & 0xff);
    bytes += chunk;
  }
  send_raw(fd, bytes);  // the proxy may close before taking it all
  read_raw_to_end(fd);
  ::close(fd);
  EXPECT_EQ(failed_unknown(proxy, 1.0), 1.0);
  expect_service_works(proxy);
}

TEST_F(RobustnessTest, ATruncatedClientHelloIsClosedAndCounted) {
  RunningProxy proxy(proxy_yaml({spec(upstream_.port())}));
  const auto records = wrap_in_record(capture_client_hello({}));
  const int fd = connect_tcp(proxy.port());
  ASSERT_TRUE(send_raw(fd, std::string(records.begin(), records.begin() + records.size() / 2)));
  ::shutdown(fd, SHUT_WR);
  read_raw_to_end(fd);
  ::close(fd);
  EXPECT_EQ(failed_unknown(proxy, 1.0), 1.0);
  expect_service_works(proxy);
}

TEST_F(RobustnessTest, ASilentClientIsClosedAtTheHandshakeTimeout) {
  auto listener = spec(upstream_.port());
  listener.handshake_timeout = "200ms";
  RunningProxy proxy(proxy_yaml({listener}));
  const int fd = connect_tcp(proxy.port());
  // Blocks until the proxy gives up (the socket's own timeout is far longer).
  EXPECT_EQ(read_raw_to_end(fd), "");
  ::close(fd);
  EXPECT_EQ(failed_unknown(proxy, 1.0), 1.0);
}

TEST_F(RobustnessTest, AnIdleConnectionIsClosedAtTheIdleTimeout) {
  auto listener = spec(upstream_.port());
  listener.idle_timeout = "300ms";
  RunningProxy proxy(proxy_yaml({listener}));
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.write_all("once"));
  EXPECT_EQ(client.read_exactly(4), "once");
  ReadEnd end{};
  EXPECT_EQ(client.read_to_end(&end), "");
  EXPECT_NE(end, ReadEnd::close_notify) << "an idle timeout cuts the connection";
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_connections_active", {{"listener", "api"}}, 0.0),
            0.0);
}

TEST_F(RobustnessTest, AClientThatStopsReadingIsCutAtTheIdleTimeout) {
  // The upstream streams far more than socket buffers hold; the client never reads. The relay
  // then waits for the client to become writable with bytes in flight: no progress, so the
  // idle deadline must end it rather than leave it (and its buffer) parked forever.
  TcpUpstream streamer(UpstreamMode::greet_then_collect, std::string(64 << 20, 'x'));
  auto listener = spec(streamer.port());
  listener.idle_timeout = "300ms";
  RunningProxy proxy(proxy_yaml({listener}));
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_connections_active", {{"listener", "api"}}, 0.0),
            0.0);
  // The upstream side was closed too: its connection ends without waiting for the client.
  EXPECT_EQ(streamer.wait_for_finished(1).size(), 1u);
}

TEST_F(RobustnessTest, ARefusedUpstreamClosesTheClientCleanlyAndIsCounted) {
  RunningProxy proxy(proxy_yaml({spec(unused_port())}));
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  ReadEnd end{};
  EXPECT_EQ(client.read_to_end(&end), "");
  EXPECT_EQ(end, ReadEnd::close_notify);
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_upstream_connect_failures_total",
                                    {{"listener", "api"}}, 1.0),
            1.0);
}

TEST_F(RobustnessTest, ABlackHoledUpstreamTimesOut) {
  BlackHole hole;
  auto listener = spec(hole.port());
  listener.connect_timeout = "300ms";
  RunningProxy proxy(proxy_yaml({listener}));
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  ReadEnd end{};
  EXPECT_EQ(client.read_to_end(&end), "");
  EXPECT_EQ(end, ReadEnd::close_notify);
  EXPECT_EQ(proxy.metric("tlsfloor_upstream_connect_failures_total", {{"listener", "api"}}), 1.0);
}

TEST_F(RobustnessTest, StoppingLetsOpenConnectionsFinish) {
  RunningProxy proxy(proxy_yaml({spec(upstream_.port())}, "30s"));
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.write_all("before"));
  EXPECT_EQ(client.read_exactly(6), "before");

  std::thread stopper([&] { proxy.stop(); });
  // Draining: health turns 503 and new connections are refused, but ours keeps working.
  EXPECT_EQ(eventually_equals([&] { return http_get(proxy.admin_port(), "/healthz").status; }, 503),
            503);
  // Acceptors close on their own threads a moment after the stop begins.
  const auto refused = [&] {
    try {
      TlsClient late(proxy.port());
      return false;
    } catch (const std::runtime_error&) {
      return true;
    }
  };
  EXPECT_TRUE(eventually_equals(refused, true));
  ASSERT_TRUE(client.write_all("during drain"));
  EXPECT_EQ(client.read_exactly(12), "during drain");
  client.finish_sending();
  ReadEnd end{};
  client.read_to_end(&end);
  EXPECT_EQ(end, ReadEnd::close_notify);
  stopper.join();  // returns once our connection is done, long before the 30 s drain timeout
}

TEST_F(RobustnessTest, TheDrainTimeoutClosesWhatIsLeft) {
  RunningProxy proxy(proxy_yaml({spec(upstream_.port())}, "200ms"));
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.write_all("x"));
  EXPECT_EQ(client.read_exactly(1), "x");
  proxy.stop();  // returns after the drain timeout closed our idle connection
  ReadEnd end{};
  EXPECT_EQ(client.read_to_end(&end), "");
  EXPECT_NE(end, ReadEnd::close_notify);
}

}  // namespace
}  // namespace tlsfloor::test
