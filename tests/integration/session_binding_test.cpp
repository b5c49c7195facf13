// Sessions resume only where they were issued (the hostile review's probes, for every kind of
// session: TLS 1.2 tickets, TLS 1.2 session IDs, TLS 1.3 PSKs): not on another listener, not on
// a same-named route of another listener, not after the certificate or the policy changed, not
// by a client that a legacy allowance let in once and that now meets the floor, and not on a
// replica sharing the ticket keys but not the policy. A session issued under the same judgement
// and certificate still resumes, across a reload and on a replica.
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

enum class SessionKind { tls12_ticket, tls12_session_id, tls13_psk };

std::string name_of(SessionKind kind) {
  switch (kind) {
    case SessionKind::tls12_ticket:
      return "Tls12Ticket";
    case SessionKind::tls12_session_id:
      return "Tls12SessionId";
    case SessionKind::tls13_psk:
      return "Tls13Psk";
  }
  return "";
}

class SessionBindingTest : public testing::TestWithParam<SessionKind> {
 protected:
  ClientOptions options(const std::string& server_name = "") const {
    ClientOptions options;
    options.min_version = options.max_version =
        GetParam() == SessionKind::tls13_psk ? TLS1_3_VERSION : TLS1_2_VERSION;
    options.no_tickets = GetParam() == SessionKind::tls12_session_id;
    options.server_name = server_name;
    return options;
  }
  // A full handshake's session (TLS 1.3 tickets come after the handshake: read something).
  bssl::UniquePtr<SSL_SESSION> session_from(std::uint16_t port, const std::string& sni = "") {
    TlsClient client(port, options(sni));
    if (!client.handshake() || client.session_reused()) return nullptr;
    client.write_all("1");
    client.read_exactly(1);
    return client.session();
  }
  // Whether `session` resumes on `port`; the handshake must complete either way, unless
  // `may_be_refused`.
  bool resumes(std::uint16_t port, SSL_SESSION* session, const std::string& sni = "") {
    ClientOptions resuming = options(sni);
    resuming.resume = session;
    TlsClient client(port, resuming);
    if (!client.handshake()) {
      ADD_FAILURE() << "the handshake itself failed";
      return false;
    }
    client.write_all("2");
    EXPECT_EQ(client.read_exactly(1), "2");
    return client.session_reused();
  }
  ListenerSpec listener(const std::string& name, const PemFiles& certificate) {
    ListenerSpec spec;
    spec.name = name;
    spec.upstream_port = upstream_.port();
    spec.certificates = {certificate};
    return spec;
  }
  std::string keys_file() {
    const std::string path = dir_.write(
        "ticket.keys", run_command({"sh", "-c", "openssl rand 80 | base64 -w0"}).output + "\n");
    ::chmod(path.c_str(), 0600);
    return "session_tickets: {keys_file: " + path + "}\n";
  }

  TempDir dir_;
  PemFiles certificate_ = make_self_signed(dir_, "api", {"api.test", "shop.test"});
  TcpUpstream upstream_{UpstreamMode::echo};
};

TEST_P(SessionBindingTest, ASessionResumesOnlyOnTheListenerThatIssuedIt) {
  // Same certificate, same policy, one process, one ticket key ring: only the listener differs.
  RunningProxy proxy(proxy_yaml({listener("one", certificate_), listener("two", certificate_)}));
  const auto session = session_from(proxy.port("one"));
  ASSERT_TRUE(session);
  EXPECT_TRUE(resumes(proxy.port("one"), session.get()));
  EXPECT_FALSE(resumes(proxy.port("two"), session.get()));
  EXPECT_EQ(proxy.metric("tlsfloor_resumed_handshakes_total",
                         {{"listener", "two"}, {"route", "default"}}),
            0.0);
}

TEST_P(SessionBindingTest, ASameNamedRouteOfAnotherListenerDoesNotResumeIt) {
  ListenerSpec one = listener("one", certificate_);
  ListenerSpec two = listener("two", certificate_);
  const std::string route =
      "    routes:\n"
      "      - name: shop\n"
      "        server_names: [shop.test]\n";
  one.extra_yaml = two.extra_yaml = route;
  RunningProxy proxy(proxy_yaml({one, two}));
  const auto session = session_from(proxy.port("one"), "shop.test");
  ASSERT_TRUE(session);
  EXPECT_TRUE(resumes(proxy.port("one"), session.get(), "shop.test"));
  EXPECT_FALSE(resumes(proxy.port("two"), session.get(), "shop.test"));
}

TEST_P(SessionBindingTest, ACertificateChangeEndsTheSessionsItServed) {
  ListenerSpec spec = listener("api", certificate_);
  const auto write = [&] { return dir_.write("tlsfloor.yaml", proxy_yaml({spec})); };
  auto proxy = RunningProxy::from_file(write());
  const auto session = session_from(proxy->port());
  ASSERT_TRUE(session);
  // A reload that changes nothing keeps the session (not for a TLS 1.2 session ID, which lives
  // in the listener's cache and goes with it).
  ASSERT_EQ(http_request(proxy->admin_port(), "POST", "/reload").status, 200);
  EXPECT_EQ(resumes(proxy->port(), session.get()), GetParam() != SessionKind::tls12_session_id);
  spec.certificates = {make_self_signed(dir_, "renewed", {"api.test"})};
  write();
  ASSERT_EQ(http_request(proxy->admin_port(), "POST", "/reload").status, 200);
  EXPECT_FALSE(resumes(proxy->port(), session.get()));
}

TEST_P(SessionBindingTest, APolicyChangeEndsTheSessionsItAdmitted) {
  // The floor raised by a reload: a TLS 1.2 client is refused outright; a TLS 1.3 client's
  // session, admitted under the old policy, does not resume under the new one.
  ListenerSpec spec = listener("api", certificate_);
  const auto write = [&] { return dir_.write("tlsfloor.yaml", proxy_yaml({spec})); };
  auto proxy = RunningProxy::from_file(write());
  const auto session = session_from(proxy->port());
  ASSERT_TRUE(session);
  spec.min_version = "TLS1.3";
  write();
  ASSERT_EQ(http_request(proxy->admin_port(), "POST", "/reload").status, 200);
  if (GetParam() == SessionKind::tls13_psk) {
    EXPECT_FALSE(resumes(proxy->port(), session.get()));
  } else {
    ClientOptions resuming = options();
    resuming.resume = session.get();
    TlsClient client(proxy->port(), resuming);
    EXPECT_FALSE(client.handshake());
    EXPECT_EQ(client.alert_received(), SSL_AD_PROTOCOL_VERSION);
  }
}

INSTANTIATE_TEST_SUITE_P(EverySessionKind, SessionBindingTest,
                         testing::Values(SessionKind::tls12_ticket, SessionKind::tls12_session_id,
                                         SessionKind::tls13_psk),
                         [](const auto& info) { return name_of(info.param); });

// Tickets only: a session ID lives in one process's cache and is never shared by replicas.
class SessionBindingReplicaTest : public SessionBindingTest {};

TEST_P(SessionBindingReplicaTest, AReplicaResumesItOnlyUnderTheSamePolicy) {
  const std::string keys = keys_file();
  ListenerSpec spec = listener("api", certificate_);
  RunningProxy first(proxy_yaml({spec}, "5s", keys));
  RunningProxy replica(proxy_yaml({spec}, "5s", keys));
  spec.tls_extra = "ciphers: \"ECDHE+AESGCM\"";
  RunningProxy stricter(proxy_yaml({spec}, "5s", keys));
  const auto session = session_from(first.port());
  ASSERT_TRUE(session);
  EXPECT_TRUE(resumes(replica.port(), session.get()));
  EXPECT_FALSE(resumes(stricter.port(), session.get()));
}

INSTANTIATE_TEST_SUITE_P(Tickets, SessionBindingReplicaTest,
                         testing::Values(SessionKind::tls12_ticket, SessionKind::tls13_psk),
                         [](const auto& info) { return name_of(info.param); });

TEST(SessionBindingAdmissionTest, ASessionALegacyAllowanceGaveDoesNotResumeForTheFloor) {
  // Observe lets a client offering only static RSA in, with the compatibility suites. When it
  // comes back meeting the cipher floor, the session it got as a legacy client does not resume:
  // it gets a full handshake with a floor suite, not the old weak one.
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {make_self_signed(dir, "rsa", {"api.test"}, KeyType::rsa_2048)};
  spec.mode = "observe";
  RunningProxy proxy(proxy_yaml({spec}));
  ClientOptions weak;
  weak.min_version = weak.max_version = TLS1_2_VERSION;
  weak.cipher_list = "AES128-SHA";
  bssl::UniquePtr<SSL_SESSION> session;
  {
    TlsClient client(proxy.port(), weak);
    ASSERT_TRUE(client.handshake());
    EXPECT_EQ(client.cipher(), "TLS_RSA_WITH_AES_128_CBC_SHA");
    session = client.session();
  }
  ASSERT_TRUE(session);
  // The same client, resuming: the same admission, so it resumes.
  weak.resume = session.get();
  {
    TlsClient again(proxy.port(), weak);
    ASSERT_TRUE(again.handshake());
    EXPECT_TRUE(again.session_reused());
  }
  ClientOptions better = weak;
  better.cipher_list = "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA";
  TlsClient client(proxy.port(), better);
  ASSERT_TRUE(client.handshake());
  EXPECT_FALSE(client.session_reused());
  EXPECT_EQ(client.cipher(), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
}

}  // namespace
}  // namespace tlsfloor::test
