// Client certificates (client_auth) end to end, with certificates, CAs and CRLs the test makes:
// every result with the alert the standard names, its count and its log line; the floors
// deciding first; sessions that keep the verified identity and never cross client_auth; a CRL
// changed under a running proxy refusing a revoked certificate, at a resumption too; the caps
// on hostile chains; and the certificate subject as the per-client key.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/test_pki.h"
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

std::vector<json> read_log(const std::filesystem::path& path) {
  std::vector<json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

std::string contents_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

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

}  // namespace
}  // namespace tlsfloor::test
