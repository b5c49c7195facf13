// RSA signatures made off the event loop (tls::SigningPool): with the pool, the served key is
// not in the SSL at all, so every completed RSA handshake below was signed by a pool thread and
// posted back; at every version and signature scheme a client may ask for, and with
// signing_threads: 0 (each worker signs its own) for comparison.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "proxy/server/server.h"
#include "proxy/tls/signing_pool.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/thread_names.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

class SigningTest : public testing::TestWithParam<const char*> {
 protected:
  RunningProxy start() {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "rsa", {"api.test"}, KeyType::rsa_2048)};
    spec.mode = "observe";  // TLS 1.0 and 1.1 clients too
    return RunningProxy(proxy_yaml({spec}, "5s", GetParam()));
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
};

TEST_P(SigningTest, RsaHandshakesCompleteAtEveryVersionAndScheme) {
  RunningProxy proxy = start();
  struct Offer {
    std::uint16_t version;
    std::vector<std::uint16_t> schemes;  // empty: the client's default
  };
  const Offer offers[] = {
      {TLS1_VERSION, {}},  // MD5-SHA1 PKCS#1
      {TLS1_1_VERSION, {}},
      {TLS1_2_VERSION, {SSL_SIGN_RSA_PKCS1_SHA256}},
      {TLS1_2_VERSION, {SSL_SIGN_RSA_PKCS1_SHA1}},
      {TLS1_2_VERSION, {SSL_SIGN_RSA_PSS_RSAE_SHA384}},
      {TLS1_3_VERSION, {SSL_SIGN_RSA_PSS_RSAE_SHA256}},
      {TLS1_3_VERSION, {}},
  };
  for (const Offer& offer : offers) {
    ClientOptions options;
    options.min_version = options.max_version = offer.version;
    options.signature_algorithms = offer.schemes;
    TlsClient client(proxy.port(), options);
    ASSERT_TRUE(client.handshake()) << std::hex << offer.version;
    EXPECT_EQ(client.peer_key_type(), "RSA") << std::hex << offer.version;
    ASSERT_TRUE(client.write_all("ping\n"));
    EXPECT_EQ(client.read_exactly(5), "ping\n");
  }
  // Resumed handshakes sign nothing; they complete as before.
  bssl::UniquePtr<SSL_SESSION> session;
  {
    ClientOptions options;
    options.max_version = TLS1_2_VERSION;
    TlsClient first(proxy.port(), options);
    ASSERT_TRUE(first.handshake());
    session = first.session();
  }
  ClientOptions again;
  again.max_version = TLS1_2_VERSION;
  again.resume = session.get();
  TlsClient resumed(proxy.port(), again);
  ASSERT_TRUE(resumed.handshake());
  EXPECT_TRUE(resumed.session_reused());
}

TEST_P(SigningTest, ThePoolRunsOnlyWhenConfigured) {
  RunningProxy proxy = start();
  const auto names = thread_names();
  const bool pool = std::find(names.begin(), names.end(), "tlsfloor-sign") != names.end();
  EXPECT_EQ(pool, std::string(GetParam()).empty()) << testing::PrintToString(names);
}

TEST_P(SigningTest, TheMetricsCountThePoolsSignatures) {
  RunningProxy proxy = start();
  TlsClient client(proxy.port());
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.write_all("ping\n"));
  EXPECT_EQ(client.read_exactly(5), "ping\n");

  const tls::SigningPool* pool = proxy.server().signing_pool();
  ASSERT_EQ(pool != nullptr, std::string(GetParam()).empty());
  // Counted before the signature is handed back: no waiting for it.
  const double signatures = pool != nullptr ? 1 : 0;
  EXPECT_EQ(proxy.metric("tlsfloor_signing_threads", {}), pool != nullptr ? pool->threads() : 0);
  EXPECT_EQ(proxy.metric("tlsfloor_signatures_total", {{"outcome", "made"}}), signatures);
  EXPECT_EQ(proxy.metric("tlsfloor_signatures_total", {{"outcome", "failed"}}), 0);
  EXPECT_EQ(proxy.metric("tlsfloor_signatures_total", {{"outcome", "abandoned"}}), 0);
  EXPECT_EQ(proxy.metric("tlsfloor_signing_queue_wait_seconds_count", {}), signatures);
  EXPECT_EQ(proxy.metric("tlsfloor_signing_queue_length", {}), 0);
}

TEST(SigningPoolTest, AHandshakeThatTimesOutWaitingForItsSignatureEndsAndHarmsNoOne) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  const PemFiles rsa = make_self_signed(dir, "rsa", {"api.test"}, KeyType::rsa_2048);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {rsa};
  spec.handshake_timeout = "300ms";
  RunningProxy proxy(proxy_yaml({spec}, "5s", "signing_threads: 1\n"));
  tls::SigningPool* pool = proxy.server().signing_pool();
  ASSERT_NE(pool, nullptr);

  // Occupy the only signing thread until the test lets go: every signature queues behind.
  std::promise<void> held;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  struct LetGo {  // a failed assertion must not leave the pool's thread (and its join) stuck
    std::promise<void>& release;
    bool done = false;
    void now() {
      if (!std::exchange(done, true)) release.set_value();
    }
    ~LetGo() { now(); }
  } let_go{release};
  tls::SignatureJob blocker;
  bssl::UniquePtr<BIO> key_file(BIO_new_file(rsa.key_path.c_str(), "r"));
  ASSERT_TRUE(key_file);
  blocker.key.reset(PEM_read_bio_PrivateKey(key_file.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(blocker.key);
  blocker.algorithm = SSL_SIGN_RSA_PKCS1_SHA256;
  blocker.input = {1, 2, 3};
  const auto test_itself = std::make_shared<int>(0);
  blocker.requester = test_itself;
  blocker.done = [&held, released](std::vector<std::uint8_t>) {
    held.set_value();
    released.wait();
  };
  pool->submit(std::move(blocker));
  held.get_future().wait();

  // The handshake waits for a signature that cannot come: its deadline ends it, and the
  // connection is gone while its signature job still waits in the queue.
  {
    TlsClient stuck(proxy.port());
    EXPECT_FALSE(stuck.handshake());
  }
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_connections_active", {{"listener", "api"}}, 0.0),
            0.0);
  EXPECT_EQ(proxy.metric("tlsfloor_signing_queue_length", {}), 1);

  // The pool drops that job unsigned and signs for the next client as usual.
  let_go.now();
  TlsClient next(proxy.port());
  ASSERT_TRUE(next.handshake());
  EXPECT_EQ(next.peer_key_type(), "RSA");
  ASSERT_TRUE(next.write_all("ping\n"));
  EXPECT_EQ(next.read_exactly(5), "ping\n");
  // The blocker and the next client's signatures were made; the gone client's was not.
  EXPECT_EQ(proxy.metric("tlsfloor_signatures_total", {{"outcome", "abandoned"}}), 1);
  EXPECT_EQ(proxy.metric("tlsfloor_signatures_total", {{"outcome", "made"}}), 2);
}

INSTANTIATE_TEST_SUITE_P(Signers, SigningTest, testing::Values("", "signing_threads: 0\n"),
                         [](const testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param).empty() ? "Pool" : "OnTheWorkers";
                         });

}  // namespace
}  // namespace tlsfloor::test
