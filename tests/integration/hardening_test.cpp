// What hostile or unlucky clients cannot do: grow the proxy's memory with stuffed hellos, crash
// it through an exception inside BoringSSL's callback, or keep an exception "in use" with
// handshakes that never complete.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/heap.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

constexpr int kAlertInappropriateFallback = 86;

class HardeningTest : public testing::Test {
 protected:
  ListenerSpec spec(const std::string& mode) {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"legacy.test"})};
    spec.mode = mode;
    return spec;
  }
  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
};

// A TLS 1.0 hello stuffed with as many one-byte ALPN names as fit in the largest ClientHello
// BoringSSL accepts (16 KiB): 270 KB of heap per hello when every name was kept.
ClientOptions stuffed_tls10_client() {
  ClientOptions options;
  options.min_version = options.max_version = TLS1_VERSION;
  options.server_name = "legacy.test";
  for (int i = 0; i < 8000; ++i) options.alpn.push_back(std::string(1, 'a' + i % 26));
  return options;
}

TEST_F(HardeningTest, AFloodOfStuffedHellosKeepsMemoryBounded) {
  // The log goes to a FIFO that nobody reads: the writer blocks, so every event stays queued.
  // The worst case for memory, and no disk filled.
  const std::string fifo = (dir_.path() / "handshakes.log").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  RunningProxy proxy(proxy_yaml({spec("enforce")}, "5s", "access_log: {path: \"" + fifo + "\"}\n"));
  {
    TlsClient warm_up(proxy.port(), stuffed_tls10_client());
    EXPECT_FALSE(warm_up.handshake());
  }
  const std::size_t before = heap_in_use();
  constexpr int kThreads = 4;
  constexpr int kHellosPerThread = 500;
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kHellosPerThread; ++i) {
        TlsClient client(proxy.port(), stuffed_tls10_client());
        if (!client.handshake() && client.alert_received() == kAlertProtocolVersion) ++refused;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(refused.load(), kThreads * kHellosPerThread);
  const Labels rejected{{"listener", "api"}, {"version", "TLS1.0"}, {"outcome", "rejected"}};
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_handshakes_total", rejected,
                                    kThreads * kHellosPerThread + 1),
            kThreads * kHellosPerThread + 1);
  // 2,000 events as they were kept before (8,000 names each) held over 500 MB. Now each keeps
  // 8 names, and the queue at most 8 MiB of events whatever they hold.
  const std::size_t grown = heap_in_use() > before ? heap_in_use() - before : 0;
  EXPECT_LT(grown, std::size_t{24} << 20) << "heap grew by " << (grown >> 10) << " KiB";
  ::close(reader);  // the writer's next write fails: its lines are dropped, counted
}

TEST_F(HardeningTest, TheLogKeepsTheFirstAlpnNamesAndHowManyThereWere) {
  const auto log = dir_.path() / "handshakes.log";
  RunningProxy proxy(
      proxy_yaml({spec("enforce")}, "5s", "access_log: {path: \"" + log.string() + "\"}\n"));
  TlsClient client(proxy.port(), stuffed_tls10_client());
  EXPECT_FALSE(client.handshake());
  proxy.stop();  // the log is complete once the proxy has stopped
  std::ifstream in(log);
  std::string text;
  ASSERT_TRUE(std::getline(in, text));
  const json line = json::parse(text);
  EXPECT_EQ(line["alpn"], json::parse(R"(["a","b","c","d","e","f","g","h"])"));
  EXPECT_EQ(line["alpn_offered"], 8000);
  EXPECT_LT(text.size(), 2048u);
}

TEST_F(HardeningTest, AnExceptionInTheHelloCallbackFailsOnlyThatHandshake) {
  // The clock is read in the callback for legacy clients (exceptions, brownouts): make it throw.
  auto failing = std::make_shared<std::atomic<bool>>(false);
  RunningProxy proxy(proxy_yaml({spec("enforce")}), [failing] {
    if (failing->load()) throw std::runtime_error("the clock broke");
    return std::chrono::system_clock::time_point(std::chrono::system_clock::now());
  });
  failing->store(true);
  ClientOptions legacy;
  legacy.min_version = legacy.max_version = TLS1_VERSION;
  {
    TlsClient client(proxy.port(), legacy);
    EXPECT_FALSE(client.handshake());
  }
  // The process lives on: modern clients never read the clock and are served...
  TlsClient modern(proxy.port());
  ASSERT_TRUE(modern.handshake());
  EXPECT_TRUE(modern.write_all("ping"));
  EXPECT_EQ(modern.read_exactly(4), "ping");
  // ...and once the clock works again (scrapes read it too), legacy clients get the policy's
  // answer and the failure shows in the metrics.
  failing->store(false);
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_client_hello_errors_total", {{"listener", "api"}}, 1),
            1.0);
  TlsClient refused(proxy.port(), legacy);
  EXPECT_FALSE(refused.handshake());
  EXPECT_EQ(refused.alert_received(), kAlertProtocolVersion);
}

TEST_F(HardeningTest, AHandshakeThatFailsDoesNotCountAsTheExceptionsUse) {
  ListenerSpec listener = spec("enforce");
  listener.extra_yaml =
      "    exceptions:\n"
      "      - name: old-site\n"
      "        server_names: [legacy.test]\n"
      "        expires: 2099-01-01T00:00:00Z\n";
  RunningProxy proxy(proxy_yaml({listener}));
  const Labels exception{{"listener", "api"}, {"exception", "old-site"}};
  ClientOptions options;
  options.min_version = options.max_version = TLS1_VERSION;
  options.server_name = "legacy.test";
  options.fallback_scsv = true;  // "I tried better and failed": BoringSSL refuses it
  {
    TlsClient client(proxy.port(), options);
    EXPECT_FALSE(client.handshake());
    EXPECT_EQ(client.alert_received(), kAlertInappropriateFallback);
  }
  EXPECT_EQ(proxy.metric_eventually(
                "tlsfloor_handshakes_total",
                {{"listener", "api"}, {"version", "TLS1.0"}, {"outcome", "failed"}}, 1),
            1.0);
  EXPECT_EQ(proxy.metric("tlsfloor_exception_handshakes_total", exception), 0.0);
  EXPECT_EQ(proxy.metric("tlsfloor_exception_last_used_timestamp_seconds", exception), 0.0);
  EXPECT_EQ(
      json::parse(http_get(proxy.admin_port(), "/exceptions").body)["exceptions"][0]["last_used"],
      nullptr);
  // The same client without the SCSV completes its handshake, and that is a use.
  options.fallback_scsv = false;
  TlsClient client(proxy.port(), options);
  ASSERT_TRUE(client.handshake());
  EXPECT_TRUE(client.write_all("ping"));
  EXPECT_EQ(client.read_exactly(4), "ping");
  EXPECT_EQ(proxy.metric("tlsfloor_exception_handshakes_total", exception), 1.0);
}

TEST_F(HardeningTest, AClientStreamCutWithoutCloseNotifyReachesTheUpstreamAsAReset) {
  RunningProxy proxy(proxy_yaml({spec("enforce")}));
  {
    // Proper: close_notify, then FIN. The upstream reads everything and an orderly end.
    TlsClient client(proxy.port());
    ASSERT_TRUE(client.handshake());
    ASSERT_TRUE(client.write_all("GET / HTTP/1.1\r\n\r\n"));
    EXPECT_EQ(client.read_exactly(18), "GET / HTTP/1.1\r\n\r\n");
    client.finish_sending();
    EXPECT_EQ(upstream_.wait_for_finished(1).size(), 1u);
  }
  {
    // Cut: a bare FIN in the middle of a request, no close_notify.
    TlsClient client(proxy.port());
    ASSERT_TRUE(client.handshake());
    ASSERT_TRUE(client.write_all("POST /transfer HTTP/1.1\r\nContent-Length: 100\r\n\r\nam"));
    EXPECT_EQ(client.read_exactly(10), "POST /tran") << "the upstream has the bytes";
    ::shutdown(client.fd(), SHUT_WR);
    const auto finished = upstream_.wait_for_finished(2);
    ASSERT_EQ(finished.size(), 2u);
  }
  EXPECT_EQ(upstream_.resets(), (std::vector<bool>{false, true}))
      << "a FIN after close_notify; a reset after a bare FIN";
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_client_truncations_total", {{"listener", "api"}}, 1),
            1.0);
}

}  // namespace
}  // namespace tlsfloor::test

namespace tlsfloor::test {
namespace {

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// A record that arrives in pieces (a slow link, or a client doing it on purpose) must be waited
// for, not polled: BoringSSL holding the first piece is not "data to read". This bound is on
// CPU spent, not on time taken: a worker polling the socket burns the whole second.
TEST_F(HardeningTest, APartialRecordIsWaitedForWithoutBurningCpu) {
  RunningProxy proxy(proxy_yaml({spec("enforce")}));
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.write_all("ping"));
  ASSERT_EQ(client.read_exactly(4), "ping");
  // An application_data record header announcing 200 bytes, and 20 of them.
  std::string partial = {'\x17', '\x03', '\x03', '\x00', '\xc8'};
  partial += std::string(20, 'x');
  ASSERT_EQ(::send(client.fd(), partial.data(), partial.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(partial.size()));
  const double before = process_cpu_seconds();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_LT(process_cpu_seconds() - before, 0.3) << "a worker polled the socket";
}

}  // namespace
}  // namespace tlsfloor::test
