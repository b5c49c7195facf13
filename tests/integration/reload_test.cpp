// Reloading the configuration (POST /reload, as SIGHUP does) under traffic: new handshakes see
// the new floor, a transfer in flight is not touched, a broken file changes nothing, and
// listeners come and go.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "proxy/server/server.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

ClientOptions only(std::uint16_t version) {
  ClientOptions options;
  options.min_version = options.max_version = version;
  return options;
}

class ReloadTest : public testing::Test {
 protected:
  ListenerSpec listener(const std::string& name, const std::string& min_version) {
    ListenerSpec spec;
    spec.name = name;
    spec.upstream_port = upstream_.port();
    spec.certificates = {certificate_};
    spec.min_version = min_version;
    return spec;
  }
  void write_config(const std::vector<ListenerSpec>& listeners) {
    dir_.write("tlsfloor.yaml", proxy_yaml(listeners));
  }
  std::string config_path() const { return (dir_.path() / "tlsfloor.yaml").string(); }
  HttpResponse post_reload() { return http_request(proxy_->admin_port(), "POST", "/reload"); }
  double reloads(const char* result) {
    return proxy_->metric("tlsfloor_config_reloads_total", {{"result", result}}).value_or(-1);
  }

  TempDir dir_;
  PemFiles certificate_ = make_self_signed(dir_, "api", {"api.test"});
  TcpUpstream upstream_{UpstreamMode::echo};
  std::unique_ptr<RunningProxy> proxy_;
};

TEST_F(ReloadTest, ANewFloorAppliesToNewHandshakesAndNotToATransferInFlight) {
  write_config({listener("api", "TLS1.1")});
  proxy_ = RunningProxy::from_file(config_path());
  const double loaded_at =
      proxy_->metric("tlsfloor_config_last_reload_success_timestamp_seconds", {}).value_or(0);
  EXPECT_GT(loaded_at, 0) << "set at start";

  // A TLS 1.1 client starts a long transfer under the old floor.
  TlsClient transfer(proxy_->port(), only(TLS1_1_VERSION));
  ASSERT_TRUE(transfer.handshake());
  std::string sent;
  for (int i = 0; sent.size() < 4 * 1024 * 1024; ++i) sent += std::to_string(i) + ",";
  const std::size_t half = sent.size() / 2;
  ASSERT_TRUE(transfer.write_all(std::string_view(sent).substr(0, half)));
  std::string received = transfer.read_exactly(half);

  write_config({listener("api", "TLS1.2")});
  const auto response = post_reload();
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(reloads("success"), 1.0);

  TlsClient late(proxy_->port(), only(TLS1_1_VERSION));
  EXPECT_FALSE(late.handshake()) << "new handshakes see the new floor";
  EXPECT_EQ(late.alert_received(), kAlertProtocolVersion);
  TlsClient modern(proxy_->port(), only(TLS1_2_VERSION));
  EXPECT_TRUE(modern.handshake());

  // The transfer in flight finishes on its old configuration, byte for byte.
  ASSERT_TRUE(transfer.write_all(std::string_view(sent).substr(half)));
  received += transfer.read_exactly(sent.size() - half);
  EXPECT_EQ(received.size(), sent.size());
  EXPECT_TRUE(received == sent) << "the echoed bytes differ";
  EXPECT_EQ(transfer.version(), TLS1_1_VERSION);
  EXPECT_EQ(proxy_->metric("tlsfloor_policy_info", {{"listener", "api"},
                                                    {"min_version", "TLS1.2"},
                                                    {"max_version", "TLS1.3"},
                                                    {"mode", "enforce"}}),
            1.0);
  EXPECT_GE(proxy_->metric("tlsfloor_config_last_reload_success_timestamp_seconds", {}), loaded_at);
}

TEST_F(ReloadTest, ABrokenFileIsRefusedWithEveryErrorAndChangesNothing) {
  write_config({listener("api", "TLS1.1")});
  proxy_ = RunningProxy::from_file(config_path());
  // Two problems: a bad version, and a certificate that does not exist.
  ListenerSpec broken = listener("api", "TLS1.5");
  broken.certificates = {{(dir_.path() / "missing.crt").string(), certificate_.key_path}};
  write_config({broken});
  const auto response = post_reload();
  EXPECT_EQ(response.status, 422);
  EXPECT_NE(response.body.find("tlsfloor.yaml:"), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("invalid TLS version \"TLS1.5\""), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("missing.crt: No such file or directory"), std::string::npos)
      << "every error at once, the certificate's too:\n"
      << response.body;
  EXPECT_NE(response.body.find("2 configuration error(s)"), std::string::npos) << response.body;
  EXPECT_EQ(reloads("failure"), 1.0);
  EXPECT_EQ(reloads("success"), 0.0);

  TlsClient client(proxy_->port(), only(TLS1_1_VERSION));
  EXPECT_TRUE(client.handshake()) << "the old floor still applies";

  // The YAML is fine but a certificate is missing: refused too (certificates are checked).
  ListenerSpec no_cert = listener("api", "TLS1.2");
  no_cert.certificates = {{(dir_.path() / "missing.crt").string(), certificate_.key_path}};
  write_config({no_cert});
  const auto second = post_reload();
  EXPECT_EQ(second.status, 422);
  EXPECT_NE(second.body.find("missing.crt"), std::string::npos) << second.body;
  TlsClient still(proxy_->port(), only(TLS1_1_VERSION));
  EXPECT_TRUE(still.handshake());
}

TEST_F(ReloadTest, ListenersAreOpenedAndClosed) {
  write_config({listener("api", "TLS1.2")});
  proxy_ = RunningProxy::from_file(config_path());
  const std::uint16_t api_port = proxy_->port("api");
  TlsClient open_on_api(api_port);
  ASSERT_TRUE(open_on_api.handshake());

  write_config({listener("api", "TLS1.2"), listener("web", "TLS1.2")});
  ASSERT_EQ(post_reload().status, 200);
  EXPECT_EQ(proxy_->port("api"), api_port) << "an unchanged listener keeps its socket";
  ASSERT_NE(proxy_->port("web"), 0);
  TlsClient on_web(proxy_->port("web"));
  EXPECT_TRUE(on_web.handshake());

  write_config({listener("web", "TLS1.2")});
  ASSERT_EQ(post_reload().status, 200);
  EXPECT_EQ(proxy_->port("api"), 0);
  // Closing happens on the worker threads, a moment after the reload answered.
  const auto api_refuses = [&] {
    try {
      const int fd = connect_tcp(api_port);
      ::close(fd);
      return false;
    } catch (const std::runtime_error&) {
      return true;
    }
  };
  EXPECT_TRUE(eventually_equals(api_refuses, true)) << "api no longer accepts";
  EXPECT_EQ(proxy_->metric("tlsfloor_policy_info", {{"listener", "api"},
                                                    {"min_version", "TLS1.2"},
                                                    {"max_version", "TLS1.3"},
                                                    {"mode", "enforce"}}),
            std::nullopt)
      << "a closed listener has no policy in force";
  // A connection accepted before the reload is not dropped.
  ASSERT_TRUE(open_on_api.write_all("still here"));
  EXPECT_EQ(open_on_api.read_exactly(10), "still here");
}

TEST_F(ReloadTest, RenamingOrMovingAListenerUnderAStormLosesNoConnection) {
  ListenerSpec spec = listener("api", "TLS1.2");
  spec.listen = "127.0.0.1:" + std::to_string(unused_port());
  write_config({spec});
  proxy_ = RunningProxy::from_file(config_path());
  const std::uint16_t port = proxy_->port("api");

  // Clients connect as fast as they can while the listener is renamed back and forth, and then
  // moved away. A client whose TCP connect succeeded must be served: before, connections
  // queued on a closed socket were reset.
  std::atomic<bool> storming{true};
  std::atomic<int> served{0};
  std::atomic<int> lost{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&] {
      while (storming) {
        std::optional<TlsClient> client;
        try {
          client.emplace(port);
        } catch (const std::exception&) {
          continue;  // refused: the address was closed; not a lost connection
        }
        if (client->handshake() && client->write_all("x") && client->read_exactly(1) == "x") {
          ++served;
        } else {
          ++lost;
        }
      }
    });
  }
  for (int i = 0; i < 12; ++i) {
    spec.name = i % 2 == 0 ? "renamed" : "api";
    write_config({spec});
    const auto outcome = proxy_->server().reload();
    EXPECT_TRUE(outcome.ok) << outcome.message;
  }
  // Then away to another port: the old socket closes, after taking what was queued.
  spec.listen = "127.0.0.1:0";
  write_config({spec});
  EXPECT_TRUE(proxy_->server().reload().ok);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  storming = false;
  for (auto& thread : clients) thread.join();
  EXPECT_GT(served.load(), 0);
  EXPECT_EQ(lost.load(), 0) << served.load() << " served";
  EXPECT_EQ(proxy_->metric("tlsfloor_policy_info", {{"listener", "renamed"},
                                                    {"min_version", "TLS1.2"},
                                                    {"max_version", "TLS1.3"},
                                                    {"mode", "enforce"}}),
            std::nullopt)
      << "the name no longer configured withdrew its policy";
}

}  // namespace
}  // namespace tlsfloor::test
