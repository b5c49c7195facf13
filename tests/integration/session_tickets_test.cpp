// Session tickets that outlive a process and a reload: a ticket issued by one tlsfloor resumes
// on another started with the same keys file (TLS 1.2 and 1.3) and not on one with other keys;
// after an operator prepends a new key, tickets of the old one still resume (and get renewed);
// without a keys file, tlsfloor's own keys survive a reload.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <memory>
#include <string>

#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

// 80 random bytes, base64, as `openssl rand 80 | base64 -w0` makes them.
std::string new_key() {
  const auto result = run_command({"sh", "-c", "openssl rand 80 | base64 -w0"});
  return result.output;
}

class SessionTicketsTest : public testing::TestWithParam<std::uint16_t> {
 protected:
  std::string keys_file(const std::string& name, const std::string& keys) {
    const std::string path = dir_.write(name, keys);
    ::chmod(path.c_str(), 0600);
    return path;
  }
  std::string yaml(const std::string& keys_path) {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {certificate_};
    return proxy_yaml({spec}, "5s",
                      keys_path.empty() ? "" : "session_tickets: {keys_file: " + keys_path + "}\n");
  }
  ClientOptions options() const {
    ClientOptions options;
    options.min_version = options.max_version = GetParam();
    return options;
  }
  // A full handshake's ticket (TLS 1.3 tickets come after the handshake: read something first).
  bssl::UniquePtr<SSL_SESSION> ticket_from(std::uint16_t port) {
    TlsClient client(port, options());
    if (!client.handshake() || client.session_reused()) return nullptr;
    client.write_all("1");
    client.read_exactly(1);
    return client.session();
  }
  // Whether `ticket` resumes on `port`.
  bool resumes(std::uint16_t port, SSL_SESSION* ticket) {
    ClientOptions resuming = options();
    resuming.resume = ticket;
    TlsClient client(port, resuming);
    if (!client.handshake()) return false;
    client.write_all("2");
    return client.read_exactly(1) == "2" && client.session_reused();
  }

  TempDir dir_;
  PemFiles certificate_ = make_self_signed(dir_, "api", {"api.test"});
  TcpUpstream upstream_{UpstreamMode::echo};
};

TEST_P(SessionTicketsTest, ATicketResumesOnAnotherInstanceWithTheSameKeysOnly) {
  const std::string shared = keys_file("shared.keys", new_key() + "\n");
  RunningProxy first(yaml(shared));
  RunningProxy second(yaml(shared));
  RunningProxy stranger(yaml(keys_file("other.keys", new_key() + "\n")));
  const auto ticket = ticket_from(first.port());
  ASSERT_TRUE(ticket);
  EXPECT_TRUE(resumes(second.port(), ticket.get()));
  EXPECT_EQ(second.metric("tlsfloor_resumed_handshakes_total", {{"listener", "api"}}), 1.0);
  EXPECT_FALSE(resumes(stranger.port(), ticket.get()));
  EXPECT_EQ(stranger.metric("tlsfloor_resumed_handshakes_total", {{"listener", "api"}}), 0.0);
}

TEST_P(SessionTicketsTest, APrependedKeyEncryptsAndTheOldOneStillDecrypts) {
  const std::string old_key = new_key();
  const std::string path = keys_file("ticket.keys", old_key + "\n");
  dir_.write("tlsfloor.yaml", yaml(path));
  auto proxy = RunningProxy::from_file((dir_.path() / "tlsfloor.yaml").string());
  const auto old_ticket = ticket_from(proxy->port());
  ASSERT_TRUE(old_ticket);
  // Rotation as documented: the new key on top, then reload.
  keys_file("ticket.keys", new_key() + "\n" + old_key + "\n");
  ASSERT_EQ(http_request(proxy->admin_port(), "POST", "/reload").status, 200);
  EXPECT_TRUE(resumes(proxy->port(), old_ticket.get()));
  // Once the old key is gone, so are its tickets.
  keys_file("ticket.keys", new_key() + "\n");
  ASSERT_EQ(http_request(proxy->admin_port(), "POST", "/reload").status, 200);
  EXPECT_FALSE(resumes(proxy->port(), old_ticket.get()));
}

TEST_P(SessionTicketsTest, TlsfloorsOwnKeysSurviveAReload) {
  dir_.write("tlsfloor.yaml", yaml(""));
  auto proxy = RunningProxy::from_file((dir_.path() / "tlsfloor.yaml").string());
  const auto ticket = ticket_from(proxy->port());
  ASSERT_TRUE(ticket);
  ASSERT_EQ(http_request(proxy->admin_port(), "POST", "/reload").status, 200);
  EXPECT_EQ(proxy->metric("tlsfloor_config_reloads_total", {{"result", "success"}}), 1.0);
  EXPECT_TRUE(resumes(proxy->port(), ticket.get()));
}

INSTANTIATE_TEST_SUITE_P(TicketVersions, SessionTicketsTest,
                         testing::Values(TLS1_2_VERSION, TLS1_3_VERSION), [](const auto& info) {
                           return "TLS1" + std::to_string(info.param - TLS1_VERSION);
                         });

}  // namespace
}  // namespace tlsfloor::test
