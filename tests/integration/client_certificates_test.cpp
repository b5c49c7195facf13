// Client certificates (client_auth) end to end, with certificates, CAs and CRLs the test makes:
// every result with the alert the standard names, its count and its log line; the floors
// deciding first; sessions that keep the verified identity and never cross client_auth; a CRL
// changed under a running proxy refusing a revoked certificate, at a resumption too; the caps
// on hostile chains; the PROXY v2 TLVs that pass the certificate on, decoded here and read by a
// real HAProxy; real clients (openssl, curl, gnutls-cli, Python, Java) presenting certificates;
// and the certificate subject as the per-client key.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "proxy/server/server.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/child_process.h"
#include "tests/support/files.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/test_pki.h"
#include "tests/support/third_party.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using json = nlohmann::json;

constexpr int kBadCertificate = 42;
constexpr int kCertificateRevoked = 44;
constexpr int kCertificateExpired = 45;
constexpr int kUnknownCa = 48;
constexpr int kAccessDenied = 49;
constexpr int kProtocolVersion = 70;
constexpr int kHandshakeFailure = 40;
constexpr int kCertificateRequired = 116;

// The test's certificates: a root that issues through an intermediate, and a stranger CA.
struct Pki {
  TempDir dir;
  TestCa root{dir, "root"};
  TestCa issuing = root.intermediate("issuing");
  TestCa stranger{dir, "stranger"};
  // A bundle with the intermediate too: crl_file's CRLs must be signed by a CA of ca_file, and
  // the intermediate signs the CRL of the certificates it issues.
  std::string bundle = dir.write("bundle.crt", root.cert_pem() + issuing.cert_pem());
  PemFiles server = make_self_signed(dir, "server", {"localhost", "a.example", "b.example"});

  PemFiles client(const std::string& name, IssueOptions options = {}, long* serial = nullptr) {
    if (options.organization.empty()) options.organization = "Example";
    return issuing.issue(name, name, options, serial);
  }
  std::string subject(const std::string& name) const { return "CN=" + name + ",O=Example"; }
};

ClientOptions with_certificate(const PemFiles& files, std::uint16_t version) {
  ClientOptions options;
  options.min_version = version;
  options.max_version = version;
  options.certificate_file = files.cert_path;
  options.key_file = files.key_path;
  return options;
}

// A client's handshake and one round trip through the echoing upstream; the alert the proxy
// sent when it did not get through. TLS 1.3 clients finish their side of the handshake before
// the server has judged their certificate, so the refusal may arrive on the first read.
struct Attempt {
  bool served = false;
  int alert = -1;
  bool resumed = false;
  bssl::UniquePtr<SSL_SESSION> session;
};
Attempt attempt(std::uint16_t port, const ClientOptions& options) {
  Attempt result;
  TlsClient client(port, options);
  if (client.handshake() && client.write_all("ping")) {
    result.served = client.read_exactly(4) == "ping";
    result.resumed = client.session_reused();
    if (result.served) result.session = client.session();
  }
  result.alert = client.alert_received();
  return result;
}

// client_auth trusting the root alone (clients send the intermediate), or with `crl_file` in
// `more`, the bundle of the root and the intermediate.
std::string client_auth_yaml(const Pki& pki, const std::string& mode,
                             const std::string& more = "") {
  const std::string& ca =
      more.find("crl_file") == std::string::npos ? pki.root.cert_path() : pki.bundle;
  return "    client_auth: {mode: " + mode + ", ca_file: \"" + ca + "\"" + more + "}\n";
}

class ClientCertificateVersions : public testing::TestWithParam<std::uint16_t> {};

TEST_P(ClientCertificateVersions, EveryResultHasItsAlertItsCountAndItsLogLine) {
  const std::uint16_t version = GetParam();
  const bool tls13 = version == TLS1_3_VERSION;
  Pki pki;
  long revoked_serial = 0;
  const PemFiles good = pki.client("good");
  const PemFiles revoked = pki.client("revoked", {}, &revoked_serial);
  IssueOptions expired_options;
  expired_options.valid_from = -std::chrono::hours(48);
  expired_options.valid_for = std::chrono::hours(24);
  const PemFiles expired = pki.client("expired", expired_options);
  const PemFiles other = pki.client("other");
  const PemFiles foreign = pki.stranger.issue("foreign", "foreign");
  const std::string crl = pki.issuing.write_crl("issuing.crl", {revoked_serial});
  const std::string root_crl = pki.root.write_crl("root.crl", {});
  const std::string crls = pki.dir.write("all.crl", contents_of(crl) + contents_of(root_crl));
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {pki.server};
  const std::filesystem::path log = pki.dir.path() / "handshakes.log";
  spec.extra_yaml = client_auth_yaml(pki, "require",
                                     ", crl_file: \"" + crls + "\", allow: {subjects: [\"" +
                                         pki.subject("good") + "\", \"" + pki.subject("revoked") +
                                         "\", \"" + pki.subject("expired") + "\"]}");
  RunningProxy proxy(proxy_yaml({spec}, "5s", "access_log: {path: \"" + log.string() + "\"}\n"));
  const auto count = [&](const char* result) {
    return proxy.metric("tlsfloor_client_certificate_handshakes_total",
                        {{"listener", "api"}, {"route", "default"}, {"result", result}});
  };
  // Every result's series exists before its first handshake, so an alert sees the first one.
  for (const char* result :
       {"verified", "absent", "untrusted", "expired", "revoked", "not_allowed", "invalid"}) {
    EXPECT_EQ(count(result), 0) << result;
  }

  EXPECT_TRUE(attempt(proxy.port(), with_certificate(good, version)).served);
  ClientOptions anonymous;
  anonymous.min_version = anonymous.max_version = version;
  struct Refusal {
    ClientOptions options;
    int alert;
    const char* result;
  };
  for (const Refusal& refusal : std::vector<Refusal>{
           {anonymous, tls13 ? kCertificateRequired : kHandshakeFailure, "absent"},
           {with_certificate(foreign, version), kUnknownCa, "untrusted"},
           {with_certificate(expired, version), kCertificateExpired, "expired"},
           {with_certificate(revoked, version), kCertificateRevoked, "revoked"},
           {with_certificate(other, version), kAccessDenied, "not_allowed"},
       }) {
    const Attempt refused = attempt(proxy.port(), refusal.options);
    EXPECT_FALSE(refused.served) << refusal.result;
    EXPECT_EQ(refused.alert, refusal.alert) << refusal.result;
    EXPECT_EQ(proxy.metric_eventually(
                  "tlsfloor_client_certificate_handshakes_total",
                  {{"listener", "api"}, {"route", "default"}, {"result", refusal.result}}, 1),
              1)
        << refusal.result;
  }
  EXPECT_EQ(count("verified"), 1);
  EXPECT_EQ(upstream.accepted(), 1) << "only the verified client reached the upstream";
  EXPECT_EQ(proxy.metric("tlsfloor_handshakes_total", {{"outcome", "rejected"}}), 5);
  EXPECT_EQ(proxy.metric("tlsfloor_handshake_failures_total", {{"reason", "client_certificate"}}),
            5);
  // The expiry of the verified certificate is a series an alert can read.
  EXPECT_TRUE(proxy
                  .metric("tlsfloor_client_certificate_expiry_timestamp_seconds",
                          {{"listener", "api"}, {"subject", pki.subject("good")}})
                  .has_value());

  const auto lines = eventually_equals([&] { return read_log(log).size(); }, std::size_t{6});
  ASSERT_EQ(lines, 6u);
  std::map<std::string, json> by_result;
  for (const json& line : read_log(log)) {
    ASSERT_TRUE(line["client_certificate"].is_object()) << line.dump();
    by_result[line["client_certificate"]["result"]] = line;
  }
  const json& accepted = by_result.at("verified");
  EXPECT_EQ(accepted["outcome"], "accepted");
  EXPECT_EQ(accepted["client_certificate"]["subject"], pki.subject("good"));
  EXPECT_EQ(accepted["client_certificate"]["issuer"], "CN=issuing,O=tlsfloor tests");
  EXPECT_EQ(accepted["client_certificate"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_TRUE(accepted["client_certificate"]["serial"].is_string());
  EXPECT_TRUE(accepted["client_certificate"]["not_after"].is_string());
  for (const char* result : {"absent", "untrusted", "expired", "revoked", "not_allowed"}) {
    const json& line = by_result.at(result);
    EXPECT_EQ(line["outcome"], "rejected") << result << ": never logged as let in";
    EXPECT_EQ(line["refused_by"], "client_certificate") << result;
    EXPECT_EQ(line["failure"], "client_certificate") << result;
  }
  EXPECT_TRUE(by_result.at("absent")["client_certificate"]["subject"].is_null());
  EXPECT_EQ(by_result.at("revoked")["client_certificate"]["subject"], pki.subject("revoked"));
}

TEST_P(ClientCertificateVersions, OptionalLetsInAClientWithoutOneButNotABadOne) {
  const std::uint16_t version = GetParam();
  Pki pki;
  const PemFiles foreign = pki.stranger.issue("foreign", "foreign");
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {pki.server};
  spec.extra_yaml = client_auth_yaml(pki, "optional");
  RunningProxy proxy(proxy_yaml({spec}));
  ClientOptions anonymous;
  anonymous.min_version = anonymous.max_version = version;
  EXPECT_TRUE(attempt(proxy.port(), anonymous).served);
  EXPECT_TRUE(attempt(proxy.port(), with_certificate(pki.client("good"), version)).served);
  const Attempt refused = attempt(proxy.port(), with_certificate(foreign, version));
  EXPECT_FALSE(refused.served);
  EXPECT_EQ(refused.alert, kUnknownCa);
  for (const char* result : {"absent", "verified", "untrusted"}) {
    EXPECT_EQ(proxy.metric_eventually("tlsfloor_client_certificate_handshakes_total",
                                      {{"result", result}}, 1),
              1)
        << result;
  }
}

// A session keeps the certificate verified at its full handshake (the log names it again), and
// a CRL that revokes it, written under the running proxy, refuses it: at the next resumption
// (certificate_revoked, after the library had completed the resumption, before any byte
// reaches the upstream) and at any full handshake. A CRL that does not load keeps the last.
TEST_P(ClientCertificateVersions, ARevocationWithoutARestartRefusesTheCertificateAtResumptionToo) {
  const std::uint16_t version = GetParam();
  Pki pki;
  long serial = 0;
  const PemFiles partner = pki.client("partner", {}, &serial);
  const PemFiles bystander = pki.client("bystander");
  const std::string crl_path = (pki.dir.path() / "issuing.crl").string();
  const std::string empty_crl = contents_of(pki.issuing.write_crl("empty.crl", {}));
  const std::string revoking = contents_of(pki.issuing.write_crl("revoking.crl", {serial}));
  pki.dir.write("issuing.crl", empty_crl);
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {pki.server};
  const std::filesystem::path log = pki.dir.path() / "handshakes.log";
  spec.extra_yaml = client_auth_yaml(pki, "require", ", crl_file: \"" + crl_path + "\"");
  const std::string path = pki.dir.write(
      "tlsfloor.yaml", proxy_yaml({spec}, "5s",
                                  "certificate_reload: {interval: 200ms}\naccess_log: {path: \"" +
                                      log.string() + "\"}\n"));
  auto proxy = RunningProxy::from_file(path);
  const Attempt first = attempt(proxy->port(), with_certificate(partner, version));
  ASSERT_TRUE(first.served);
  ASSERT_TRUE(first.session);
  ClientOptions resuming = with_certificate(partner, version);
  resuming.resume = first.session.get();
  const Attempt resumed = attempt(proxy->port(), resuming);
  EXPECT_TRUE(resumed.served);
  EXPECT_TRUE(resumed.resumed);
  const auto resumed_line = [&] {
    for (const json& line : read_log(log)) {
      if (line["resumed"] == true) return line;
    }
    return json();
  };
  const json line =
      eventually_equals([&] { return resumed_line().is_object(); }, true) ? resumed_line() : json();
  EXPECT_EQ(line["client_certificate"]["result"], "verified") << line.dump();
  EXPECT_EQ(line["client_certificate"]["subject"], pki.subject("partner")) << line.dump();

  pki.dir.write("issuing.crl", revoking);
  const auto reloads = [&](const char* result) {
    return proxy->metric("tlsfloor_certificate_reloads_total", {{"result", result}}).value_or(0);
  };
  EXPECT_EQ(eventually_equals([&] { return reloads("success") >= 1; }, true), true);
  const Attempt refused_resumption = attempt(proxy->port(), resuming);
  EXPECT_FALSE(refused_resumption.served);
  EXPECT_EQ(refused_resumption.alert, kCertificateRevoked);
  const Attempt refused_full = attempt(proxy->port(), with_certificate(partner, version));
  EXPECT_FALSE(refused_full.served);
  EXPECT_EQ(refused_full.alert, kCertificateRevoked);
  EXPECT_EQ(proxy->metric_eventually("tlsfloor_client_certificate_handshakes_total",
                                     {{"result", "revoked"}}, 2),
            2);
  EXPECT_TRUE(attempt(proxy->port(), with_certificate(bystander, version)).served);

  // A CRL cut short: the reload fails (after the settle window), the revoking CRL stays.
  pki.dir.write("issuing.crl", revoking.substr(0, revoking.size() / 2));
  EXPECT_EQ(eventually_equals([&] { return reloads("failure") >= 1; }, true), true);
  EXPECT_EQ(attempt(proxy->port(), with_certificate(partner, version)).alert, kCertificateRevoked);
  EXPECT_TRUE(attempt(proxy->port(), with_certificate(bystander, version)).served);
}

INSTANTIATE_TEST_SUITE_P(Versions, ClientCertificateVersions,
                         testing::Values(TLS1_2_VERSION, TLS1_3_VERSION), [](const auto& info) {
                           return info.param == TLS1_3_VERSION ? std::string("Tls13")
                                                               : std::string("Tls12");
                         });

// The version and cipher floors decide from the hello, as without client_auth: a refused
// client is never asked for a certificate, and no certificate result is counted for it.
TEST(ClientCertificateTest, TheFloorsDecideFirst) {
  Pki pki;
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {pki.server};
  spec.extra_yaml = client_auth_yaml(pki, "require");
  RunningProxy proxy(proxy_yaml({spec}));
  const Attempt legacy = attempt(proxy.port(), with_certificate(pki.client("old"), TLS1_VERSION));
  EXPECT_FALSE(legacy.served);
  EXPECT_EQ(legacy.alert, kProtocolVersion);
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_legacy_handshakes_total",
                                    {{"decision", "rejected"}, {"version", "TLS1.0"}}, 1),
            1);
  for (const char* result : {"verified", "absent", "untrusted", "invalid"}) {
    EXPECT_EQ(proxy.metric("tlsfloor_client_certificate_handshakes_total", {{"result", result}}), 0)
        << result;
  }
}

// A session resumes only under the client_auth that verified it: not on another route (even
// with the same CAs), and not after a reload changes the route's mode.
TEST(ClientCertificateTest, SessionsNeverCrossClientAuth) {
  Pki pki;
  const PemFiles partner = pki.client("partner");
  TcpUpstream upstream(UpstreamMode::echo);
  const auto yaml = [&](const std::string& mode_a) {
    ListenerSpec spec;
    spec.upstream_port = upstream.port();
    spec.certificates = {pki.server};
    spec.extra_yaml =
        "    routes:\n"
        "      - name: a\n"
        "        server_names: [a.example]\n"
        "    " +
        client_auth_yaml(pki, mode_a) +
        "      - name: b\n"
        "        server_names: [b.example]\n"
        "    " +
        client_auth_yaml(pki, "require");
    return proxy_yaml({spec});
  };
  TempDir dir;
  const std::string path = dir.write("tlsfloor.yaml", yaml("optional"));
  auto proxy = RunningProxy::from_file(path);
  for (const std::uint16_t version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    ClientOptions to_a = with_certificate(partner, version);
    to_a.server_name = "a.example";
    const Attempt on_a = attempt(proxy->port(), to_a);
    ASSERT_TRUE(on_a.served);
    ClientOptions to_b = with_certificate(partner, version);
    to_b.server_name = "b.example";
    to_b.resume = on_a.session.get();
    const Attempt on_b = attempt(proxy->port(), to_b);
    EXPECT_TRUE(on_b.served) << "a full handshake with the certificate";
    EXPECT_FALSE(on_b.resumed) << "route a's session resumed on route b";
    to_a.resume = on_a.session.get();
    EXPECT_TRUE(attempt(proxy->port(), to_a).resumed) << "and on its own route it does";
  }
  // Under optional, a client without a certificate gets a session; route a then requires one.
  ClientOptions anonymous;
  anonymous.server_name = "a.example";
  const Attempt without = attempt(proxy->port(), anonymous);
  ASSERT_TRUE(without.served);
  dir.write("tlsfloor.yaml", yaml("require"));
  ASSERT_TRUE(proxy->server().reload().ok);
  anonymous.resume = without.session.get();
  const Attempt after = attempt(proxy->port(), anonymous);
  EXPECT_FALSE(after.served) << "the session without a certificate resumed under require";
  EXPECT_FALSE(after.resumed);
  EXPECT_EQ(after.alert, kCertificateRequired);
}

// What a hostile chain can make tlsfloor parse is bounded: more than ten certificates are
// refused before a chain is built, and a Certificate message over 16 KiB before it is parsed.
TEST(ClientCertificateTest, HostileChainsAreRefusedAtTheCaps) {
  Pki pki;
  const PemFiles partner = pki.client("partner");
  std::string long_chain = contents_of(partner.cert_path);  // the leaf and the intermediate
  for (int i = 0; i < 10; ++i) long_chain += pki.root.cert_pem();
  const std::string long_path = pki.dir.write("long.crt", long_chain);
  std::string big_chain = contents_of(partner.cert_path);
  const PemFiles rsa = make_self_signed(pki.dir, "big", {"big.example"}, KeyType::rsa_2048);
  for (int i = 0; i < 24; ++i) big_chain += contents_of(rsa.cert_path);  // about 20 KiB of DER
  const std::string big_path = pki.dir.write("big-chain.crt", big_chain);
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {pki.server};
  spec.extra_yaml = client_auth_yaml(pki, "require");
  RunningProxy proxy(proxy_yaml({spec}));
  for (const std::uint16_t version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    ClientOptions too_long = with_certificate(partner, version);
    too_long.certificate_file = long_path;
    const Attempt long_attempt = attempt(proxy.port(), too_long);
    EXPECT_FALSE(long_attempt.served);
    EXPECT_EQ(long_attempt.alert, kBadCertificate);
    ClientOptions too_big = with_certificate(partner, version);
    too_big.certificate_file = big_path;
    EXPECT_FALSE(attempt(proxy.port(), too_big).served);
  }
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_client_certificate_handshakes_total",
                                    {{"result", "invalid"}}, 4),
            4);
  EXPECT_TRUE(attempt(proxy.port(), with_certificate(partner, TLS1_3_VERSION)).served);
}

// The TLVs of a PROXY version 2 header (after its 16-byte preamble and, over IPv4, 12 bytes of
// addresses), top level, by type; and the sub-TLVs of PP2_TYPE_SSL after its client byte and
// verify field.
std::map<int, std::string> tlvs_of(const std::string& bytes, std::size_t from, std::size_t end) {
  std::map<int, std::string> tlvs;
  for (std::size_t at = from; at + 3 <= end;) {
    const std::size_t length =
        static_cast<std::uint8_t>(bytes[at + 1]) << 8 | static_cast<std::uint8_t>(bytes[at + 2]);
    tlvs[static_cast<std::uint8_t>(bytes[at])] = bytes.substr(at + 3, length);
    at += 3 + length;
  }
  return tlvs;
}
struct SslTlv {
  int client = -1;
  std::uint32_t verify = 0;
  std::map<int, std::string> sub;
  std::optional<std::string> der;  // the TLV client_certificate_tlv names
};
SslTlv ssl_tlv_of(const std::string& received) {
  SslTlv result;
  if (received.size() < 16 ||
      received.compare(0, 12, std::string_view("\r\n\r\n\0\r\nQUIT\n", 12)) != 0)
    return result;
  const std::size_t end =
      16 + (static_cast<std::uint8_t>(received[14]) << 8 | static_cast<std::uint8_t>(received[15]));
  const auto top = tlvs_of(received, 28, std::min(end, received.size()));
  if (top.count(0x20) == 0 || top.at(0x20).size() < 5) return result;
  const std::string& ssl = top.at(0x20);
  result.client = static_cast<std::uint8_t>(ssl[0]);
  for (int i = 1; i < 5; ++i)
    result.verify = result.verify << 8 | static_cast<std::uint8_t>(ssl[i]);
  result.sub = tlvs_of(ssl, 5, ssl.size());
  if (top.count(0xE1) != 0) result.der = top.at(0xE1);
  return result;
}

// PROXY v2 to the upstream says what HAProxy's send-proxy-v2-ssl-cn says: a certificate in
// the connection (a full handshake) and in the session (a resumption too), verify 0, the CN;
// and the leaf's DER in the TLV client_certificate_tlv names. A client without one (optional)
// gets none of them, and verify non-zero.
TEST(ClientCertificateTest, ProxyV2PassesTheCertificateOn) {
  Pki pki;
  const PemFiles partner = pki.client("partner");
  TcpUpstream upstream(UpstreamMode::greet_then_collect, "hello");
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {pki.server};
  spec.upstream_extra = "proxy_protocol: v2, client_certificate_tlv: \"0xE1\"";
  spec.extra_yaml = client_auth_yaml(pki, "optional");
  RunningProxy proxy(proxy_yaml({spec}));
  const auto connect = [&](ClientOptions options, bool* resumed) {
    TlsClient client(proxy.port(), options);
    EXPECT_TRUE(client.handshake());
    EXPECT_TRUE(client.write_all("x"));
    // The session is taken once the answer has arrived (a TLS 1.3 ticket comes before it), not
    // after the client's own close_notify.
    EXPECT_EQ(client.read_exactly(5), "hello");
    if (resumed != nullptr) *resumed = client.session_reused();
    bssl::UniquePtr<SSL_SESSION> session = client.session();
    client.finish_sending();
    client.read_to_end();
    return session;
  };
  // What the upstream read from the next connection, waited for one at a time so that the
  // order is the clients'.
  std::size_t connections = 0;
  const auto next_header = [&] {
    const auto received = upstream.wait_for_finished(++connections);
    return received.size() == connections ? ssl_tlv_of(received.back()) : SslTlv{};
  };
  const std::string leaf_der = pem_to_der(contents_of(partner.cert_path));
  for (const std::uint16_t version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    ClientOptions options = with_certificate(partner, version);
    const bssl::UniquePtr<SSL_SESSION> session = connect(options, nullptr);
    ASSERT_TRUE(session);
    SslTlv full = next_header();
    EXPECT_EQ(full.client, 0x07) << "SSL | CERT_CONN | CERT_SESS";
    EXPECT_EQ(full.verify, 0u);
    EXPECT_EQ(full.sub[0x22], "partner");
    EXPECT_EQ(full.sub[0x21], version == TLS1_3_VERSION ? "TLSv1.3" : "TLSv1.2");
    EXPECT_EQ(full.der, leaf_der);
    options.resume = session.get();
    bool resumed = false;
    connect(options, &resumed);
    EXPECT_TRUE(resumed);
    SslTlv again = next_header();
    EXPECT_EQ(again.client, 0x05) << "SSL | CERT_SESS: the certificate came with the session";
    EXPECT_EQ(again.verify, 0u);
    EXPECT_EQ(again.sub[0x22], "partner");
    EXPECT_EQ(again.der, leaf_der);
  }
  ClientOptions anonymous;
  connect(anonymous, nullptr);
  SslTlv none = next_header();
  EXPECT_EQ(none.client, 0x01);
  EXPECT_NE(none.verify, 0u);
  EXPECT_EQ(none.sub.count(0x22), 0u);
  EXPECT_FALSE(none.der.has_value());
}

// A real HAProxy as the upstream (Debian 12's 2.6, `accept-proxy`) reads the whole header,
// certificate TLVs and the DER one included, and answers with the client and SNI it names.
// (2.6 has no fetch for PP2_TYPE_SSL's sub-TLVs; those are decoded above.)
TEST(ClientCertificateTest, HaproxyReadsTheHeaderWithTheCertificateTlvs) {
  Pki pki;
  const PemFiles partner = pki.client("partner");
  const std::uint16_t haproxy_port = unused_port();
  const auto haproxy =
      start_haproxy(pki.dir, haproxy_port,
                    "global\n  maxconn 100\ndefaults\n  mode http\n  timeout connect 5s\n"
                    "  timeout client 30s\n  timeout server 30s\n"
                    "frontend from_tlsfloor\n  bind 127.0.0.1:" +
                        std::to_string(haproxy_port) +
                        " accept-proxy\n"
                        "  http-request return status 200 content-type text/plain lf-string "
                        "\"src=%[src] authority=%[fc_pp_authority]\\n\"\n");
  ASSERT_TRUE(wait_for_listener(haproxy_port)) << haproxy->output();
  ListenerSpec spec;
  spec.upstream_port = haproxy_port;
  spec.certificates = {pki.server};
  spec.upstream_extra = "proxy_protocol: v2, client_certificate_tlv: \"0xE1\"";
  spec.extra_yaml = client_auth_yaml(pki, "require");
  RunningProxy proxy(proxy_yaml({spec}));
  for (const std::uint16_t version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    ClientOptions options = with_certificate(partner, version);
    options.source = "127.0.0.5";
    options.server_name = "localhost";
    TlsClient client(proxy.port(), options);
    ASSERT_TRUE(client.handshake());
    ASSERT_TRUE(client.write_all("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
    const std::string answer = client.read_to_end();
    EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer << haproxy->output();
    EXPECT_NE(answer.find("src=127.0.0.5 authority=localhost\n"), std::string::npos) << answer;
  }
}

// Real clients with the certificates the test makes: openssl s_client, curl, gnutls-cli,
// Python's ssl module and Java (a PKCS#12 keystore) each get in with the partner's certificate
// (sending the intermediate with it) and read the upstream's answer; each is refused without one.
// Counted by result.
TEST(ClientCertificateTest, RealClientsPresentTheirCertificates) {
  Pki pki;
  const PemFiles partner = pki.client("partner");
  const std::string answer =
      "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\n"
      "tlsfloor-ok\n";
  TcpUpstream upstream(UpstreamMode::greet_then_collect, answer);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {pki.server};
  spec.extra_yaml = client_auth_yaml(pki, "require");
  RunningProxy proxy(proxy_yaml({spec}));
  const std::string port = std::to_string(proxy.port());
  const std::string address = "127.0.0.1:" + port;
  const std::string python =
      "import socket, ssl, sys\n"
      "context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
      "context.check_hostname = False\n"
      "context.verify_mode = ssl.CERT_NONE\n"
      "if len(sys.argv) > 2: context.load_cert_chain(sys.argv[2], sys.argv[3])\n"
      "with socket.create_connection(('127.0.0.1', int(sys.argv[1]))) as raw:\n"
      "    with context.wrap_socket(raw, server_hostname='localhost') as tls:\n"
      "        tls.sendall(b'GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n')\n"
      "        data = b''\n"
      "        while True:\n"
      "            chunk = tls.recv(4096)\n"
      "            if not chunk: break\n"
      "            data += chunk\n"
      "        print(data.decode())\n";
  const std::string script = pki.dir.write("client.py", python);
  // Java reads its certificate from a PKCS#12 keystore (the leaf, the intermediate and the key),
  // as a Java client is given one.
  const std::string java =
      "import javax.net.ssl.*;\n"
      "import java.io.*;\n"
      "import java.security.KeyStore;\n"
      "import java.security.cert.X509Certificate;\n"
      "public class Client {\n"
      "  public static void main(String[] args) throws Exception {\n"
      "    KeyManager[] keys = null;\n"
      "    if (args.length > 1) {\n"
      "      KeyStore store = KeyStore.getInstance(\"PKCS12\");\n"
      "      try (InputStream in = new FileInputStream(args[1])) {\n"
      "        store.load(in, \"changeit\".toCharArray());\n"
      "      }\n"
      "      KeyManagerFactory factory =\n"
      "          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());\n"
      "      factory.init(store, \"changeit\".toCharArray());\n"
      "      keys = factory.getKeyManagers();\n"
      "    }\n"
      "    TrustManager[] any = {new X509TrustManager() {\n"
      "      public void checkClientTrusted(X509Certificate[] c, String t) {}\n"
      "      public void checkServerTrusted(X509Certificate[] c, String t) {}\n"
      "      public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }\n"
      "    }};\n"
      "    SSLContext context = SSLContext.getInstance(\"TLS\");\n"
      "    context.init(keys, any, null);\n"
      "    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(\n"
      "             \"127.0.0.1\", Integer.parseInt(args[0]))) {\n"
      "      OutputStream out = socket.getOutputStream();\n"
      "      out.write(\"GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n\".getBytes());\n"
      "      out.flush();\n"
      "      System.out.print(new String(socket.getInputStream().readAllBytes()));\n"
      "    }\n"
      "  }\n"
      "}\n";
  const std::string java_source = pki.dir.write("Client.java", java);
  const std::string keystore = (pki.dir.path() / "partner.p12").string();
  const CommandResult exported =
      run_command({"openssl", "pkcs12", "-export", "-in", partner.cert_path, "-inkey",
                   partner.key_path, "-out", keystore, "-passout", "pass:changeit"});
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  struct Client {
    const char* name;
    std::vector<std::string> with_certificate;
    std::vector<std::string> without;
  };
  const std::vector<Client> clients{
      {"openssl",
       {"openssl", "s_client", "-connect", address, "-servername", "localhost", "-quiet", "-cert",
        partner.cert_path, "-key", partner.key_path, "-cert_chain", partner.cert_path},
       {"openssl", "s_client", "-connect", address, "-servername", "localhost", "-quiet",
        "-tls1_2"}},
      {"curl",
       {"curl", "--silent", "--show-error", "--insecure", "--cert", partner.cert_path, "--key",
        partner.key_path, "https://localhost:" + port + "/"},
       {"curl", "--silent", "--show-error", "--insecure", "https://localhost:" + port + "/"}},
      {"gnutls-cli",
       {"gnutls-cli", "--insecure", "--x509certfile", partner.cert_path, "--x509keyfile",
        partner.key_path, "--port", port, "localhost"},
       {"gnutls-cli", "--insecure", "--port", port, "--priority", "NORMAL:-VERS-TLS1.3",
        "localhost"}},
      {"python",
       {"python3", script, port, partner.cert_path, partner.key_path},
       {"python3", script, port}},
      {"java", {"java", java_source, port, keystore}, {"java", java_source, port}},
  };
  int served = 0;
  for (const Client& client : clients) {
    SCOPED_TRACE(client.name);
    {
      // Interactive clients (s_client, gnutls-cli) stop at the end of their input, perhaps
      // before the answer arrives: they are given input that stays open until they print it.
      ChildProcess process(client.with_certificate);
      const std::string line = process.wait_for_line("tlsfloor-ok");
      EXPECT_NE(line, "") << process.output();
      served += line.empty() ? 0 : 1;
    }
    EXPECT_EQ(proxy.metric_eventually("tlsfloor_client_certificate_handshakes_total",
                                      {{"result", "verified"}}, served),
              served);
    const CommandResult refused = run_command(client.without);
    EXPECT_EQ(refused.output.find("tlsfloor-ok"), std::string::npos) << refused.output;
  }
  EXPECT_EQ(served, 5);
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_client_certificate_handshakes_total",
                                    {{"result", "absent"}}, 5),
            5);
  EXPECT_EQ(proxy.metric("tlsfloor_client_certificate_handshakes_total", {{"result", "untrusted"}}),
            0);
}

// legacy_clients.key: certificate: one partner behind several addresses is one row of
// /legacy-clients and one per-client series, named by its certificate's subject.
TEST(ClientCertificateTest, TheCertificateSubjectIsTheClientKey) {
  Pki pki;
  const PemFiles partner = pki.client("partner");
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {pki.server};
  spec.mode = "observe";
  spec.extra_yaml = client_auth_yaml(pki, "require");
  RunningProxy proxy(proxy_yaml({spec}, "5s", "legacy_clients: {key: certificate}\n"));
  for (const char* source : {"127.0.0.2", "127.0.0.3"}) {
    ClientOptions options = with_certificate(partner, TLS1_1_VERSION);
    options.min_version = TLS1_VERSION;
    options.source = source;
    ASSERT_TRUE(attempt(proxy.port(), options).served) << source;
  }
  ClientOptions anonymous;  // refused for its missing certificate: keyed by its address
  anonymous.max_version = TLS1_1_VERSION;
  anonymous.source = "127.0.0.4";
  EXPECT_FALSE(attempt(proxy.port(), anonymous).served);
  const auto clients = [&] {
    const json view = json::parse(http_get(proxy.admin_port(), "/legacy-clients").body);
    return view["clients"];
  };
  const json rows = eventually_equals([&] { return clients().size(); }, std::size_t{2}) == 2
                        ? clients()
                        : json::array();
  ASSERT_EQ(rows.size(), 2u) << rows.dump();
  const json& partner_row = rows[0];
  EXPECT_EQ(partner_row["client"], pki.subject("partner"));
  EXPECT_EQ(partner_row["handshakes"], 2);
  EXPECT_EQ(partner_row["addresses"], (json{"127.0.0.2", "127.0.0.3"}));
  EXPECT_EQ(partner_row["client_certificate"]["subject"], pki.subject("partner"));
  EXPECT_EQ(partner_row["client_certificate"]["result"], "verified");
  EXPECT_EQ(rows[1]["client"], "127.0.0.4");
  EXPECT_TRUE(proxy
                  .metric("tlsfloor_legacy_client_handshakes_total",
                          {{"client", pki.subject("partner")}, {"decision", "would_reject"}})
                  .has_value());
}

// The owner directory knows a partner by its certificate: matched once the certificate has
// verified (after the hello), ahead of the owner its address would give it, in every view.
TEST(ClientCertificateTest, AnOwnerIsKnownByTheCertificateSubject) {
  Pki pki;
  const PemFiles partner = pki.client("partner");
  const PemFiles other = pki.client("other");
  const std::string owners = pki.dir.write("owners.yaml",
                                           "owners:\n"
                                           "  - name: loopback-team\n"
                                           "    match: {clients: [127.0.0.0/8]}\n"
                                           "  - name: partner-team\n"
                                           "    match: {certificate_subjects: [\"" +
                                               pki.subject("partner") + "\"]}\n");
  const std::filesystem::path log = pki.dir.path() / "handshakes.log";
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {pki.server};
  spec.mode = "observe";
  spec.extra_yaml = client_auth_yaml(pki, "optional");
  // From a file: owners_file is read beside the configuration file.
  const auto running = RunningProxy::from_file(pki.dir.write(
      "tlsfloor.yaml", proxy_yaml({spec}, "5s",
                                  "owners_file: \"" + owners + "\"\naccess_log: {path: \"" +
                                      log.string() + "\"}\n")));
  RunningProxy& proxy = *running;
  ASSERT_TRUE(attempt(proxy.port(), with_certificate(partner, TLS1_1_VERSION)).served);
  ASSERT_TRUE(attempt(proxy.port(), with_certificate(other, TLS1_1_VERSION)).served);
  ClientOptions anonymous;
  anonymous.min_version = anonymous.max_version = TLS1_1_VERSION;
  ASSERT_TRUE(attempt(proxy.port(), anonymous).served);

  const auto owner_count = [&](const char* owner) {
    return proxy.metric_eventually("tlsfloor_legacy_handshakes_by_owner_total",
                                   {{"owner", owner}, {"decision", "would_reject"}}, 1);
  };
  EXPECT_EQ(owner_count("partner-team"), 1);
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_legacy_handshakes_by_owner_total",
                                    {{"owner", "loopback-team"}, {"decision", "would_reject"}}, 2),
            2)
      << "a certificate no owner lists, and none: the address decides";
  const auto lines = eventually_equals([&] { return read_log(log).size(); }, std::size_t{3});
  ASSERT_EQ(lines, 3u);
  std::map<std::string, std::string> owner_by_subject;
  for (const json& event : read_log(log)) {
    const json& certificate = event["client_certificate"];
    const std::string subject =
        certificate.is_object() && certificate["subject"].is_string() ? certificate["subject"] : "";
    owner_by_subject[subject] = event["owner"];
  }
  EXPECT_EQ(owner_by_subject[pki.subject("partner")], "partner-team");
  EXPECT_EQ(owner_by_subject[pki.subject("other")], "loopback-team");
  EXPECT_EQ(owner_by_subject[""], "loopback-team");
  const json view =
      json::parse(http_get(proxy.admin_port(), "/legacy-clients?owner=partner-team").body);
  ASSERT_EQ(view["clients"].size(), 1u) << view.dump();
  EXPECT_EQ(view["clients"][0]["owners"], (json{"partner-team", "loopback-team"}))
      << "one address, two owners (in the order seen): its certificate made one of them";
}

}  // namespace
}  // namespace tlsfloor::test
