// A listener's limits with real sockets: silent clients from one source, too many handshakes in
// flight, too many connections. Each refusal is a reset that the client sees at once, and a
// count; clients within the limits are served as before.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "proxy/server/server.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

// Whether the proxy has closed `fd` (end of stream or a reset), without waiting.
bool closed_by_proxy(int fd) {
  char byte = 0;
  const ssize_t read = ::recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
  return read == 0 || (read < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

// Sockets that connected but never send a byte: each holds a handshake slot until its timeout.
class SilentClients {
 public:
  SilentClients(std::uint16_t port, int count, const std::string& source) {
    for (int i = 0; i < count; ++i) fds_.push_back(connect_tcp(port, "127.0.0.1", source));
  }
  ~SilentClients() { close_all(); }
  SilentClients(const SilentClients&) = delete;
  SilentClients& operator=(const SilentClients&) = delete;

  int closed() const {
    int closed = 0;
    for (int fd : fds_) closed += closed_by_proxy(fd) ? 1 : 0;
    return closed;
  }
  void close_all() {
    for (int fd : fds_) ::close(fd);
    fds_.clear();
  }

 private:
  std::vector<int> fds_;
};

class LimitsTest : public testing::Test {
 protected:
  // Writes the configuration file (a listener with these limits) and (re)starts from it.
  std::string write_config(const std::string& limits) {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {certificate_};
    spec.extra_yaml = "    limits: " + limits + "\n";
    return dir_.write("tlsfloor.yaml", proxy_yaml({spec}));
  }
  void start(const std::string& limits) { proxy_ = RunningProxy::from_file(write_config(limits)); }
  double rejections(const std::string& limit, double expected) {
    return proxy_
        ->metric_eventually("tlsfloor_limit_rejections_total",
                            {{"listener", "api"}, {"limit", limit}}, expected)
        .value_or(-1);
  }
  // A full exchange with the echo upstream.
  bool served(const std::string& source = "") {
    ClientOptions options;
    options.source = source;
    try {
      TlsClient client(proxy_->port(), options);
      return client.handshake() && client.write_all("ping") && client.read_exactly(4) == "ping";
    } catch (const std::runtime_error&) {
      return false;
    }
  }

  TempDir dir_;
  PemFiles certificate_ = make_self_signed(dir_, "api", {"localhost"});
  TcpUpstream upstream_{UpstreamMode::echo};
  std::unique_ptr<RunningProxy> proxy_;
};

TEST_F(LimitsTest, SilentClientsFromOneSourceCannotCrowdOutOthers) {
  start("{ max_handshakes_per_source: 5 }");
  SilentClients silent(proxy_->port(), 8, "127.0.0.2");
  EXPECT_EQ(rejections("handshakes_per_source", 3), 3);
  EXPECT_EQ(eventually_equals([&] { return silent.closed(); }, 3), 3);
  // Another source is served; so is the crowded one once its handshakes are over.
  EXPECT_TRUE(served("127.0.0.1"));
  EXPECT_FALSE(served("127.0.0.2"));
  silent.close_all();
  EXPECT_TRUE(eventually_equals([&] { return served("127.0.0.2"); }, true));
  EXPECT_EQ(rejections("handshakes_in_flight", 0), 0);
  EXPECT_EQ(rejections("connections", 0), 0);
}

TEST_F(LimitsTest, HandshakesInFlightAreCappedAndCompletedOnesDoNotCount) {
  start("{ max_handshakes_in_flight: 3 }");
  // Established connections hold no handshake slot.
  std::vector<std::unique_ptr<TlsClient>> established;
  for (int i = 0; i < 4; ++i) {
    established.push_back(std::make_unique<TlsClient>(proxy_->port()));
    ASSERT_TRUE(established.back()->handshake());
    // A round trip: the client's handshake ends when it sends its Finished, the proxy's (and
    // its slot) only once it has read it; without this, a slot can still be held below.
    ASSERT_TRUE(established.back()->write_all("hi") && established.back()->read_exactly(2) == "hi");
  }
  SilentClients silent(proxy_->port(), 5, "127.0.0.2");
  EXPECT_EQ(rejections("handshakes_in_flight", 2), 2);
  EXPECT_EQ(eventually_equals([&] { return silent.closed(); }, 2), 2);
  EXPECT_FALSE(served("127.0.0.3"));
  // The established connections still relay.
  for (auto& client : established) {
    EXPECT_TRUE(client->write_all("up") && client->read_exactly(2) == "up");
  }
  silent.close_all();
  EXPECT_TRUE(eventually_equals([&] { return served("127.0.0.3"); }, true));
}

TEST_F(LimitsTest, ConnectionsAreCappedUntilOneCloses) {
  start("{ max_connections: 2 }");
  auto first = std::make_unique<TlsClient>(proxy_->port());
  TlsClient second(proxy_->port());
  ASSERT_TRUE(first->handshake());
  ASSERT_TRUE(second.handshake());
  EXPECT_FALSE(served());
  EXPECT_EQ(rejections("connections", 1), 1);
  first.reset();
  EXPECT_TRUE(eventually_equals([&] { return served(); }, true));
  EXPECT_TRUE(second.write_all("still") && second.read_exactly(5) == "still");
}

TEST_F(LimitsTest, AReloadChangesTheLimitsNotTheCounts) {
  start("{ max_handshakes_per_source: 4 }");
  SilentClients silent(proxy_->port(), 4, "127.0.0.2");
  // All four are in flight; wait until the proxy holds them (its connection gauge).
  EXPECT_EQ(proxy_->metric_eventually("tlsfloor_connections_active", {{"listener", "api"}}, 4), 4);
  write_config("{ max_handshakes_per_source: 5 }");
  ASSERT_TRUE(proxy_->server().reload().ok);
  // The four from before the reload still count: one more fits, the next does not.
  SilentClients more(proxy_->port(), 2, "127.0.0.2");
  EXPECT_EQ(rejections("handshakes_per_source", 1), 1);
  EXPECT_EQ(eventually_equals([&] { return more.closed(); }, 1), 1);
  EXPECT_EQ(silent.closed(), 0);
}

}  // namespace
}  // namespace tlsfloor::test
