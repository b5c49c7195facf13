// The cipher floor with real clients against the real proxy: BoringSSL's client offering only
// 3DES, only static RSA, only CBC or modern suites, GnuTLS's gnutls-cli offering 3DES and
// OpenSSL's s_client offering static RSA, against the default list, a custom list, an exception
// with its own suites, observe mode and a route with a list of its own. What was negotiated and
// who was refused shows in the metrics and the handshake log, and `tlsfloor report --ciphers`
// reads that log back.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/binaries.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/child_process.h"
#include "tests/support/files.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

constexpr int kAlertHandshakeFailure = 40;

// A TLS 1.2 client offering exactly `ciphers` (BoringSSL's syntax), from `source`.
ClientOptions offering(const std::string& ciphers, const std::string& source = "") {
  ClientOptions options;
  options.max_version = TLS1_2_VERSION;
  options.cipher_list = ciphers;
  options.source = source;
  return options;
}

class CipherPolicyTest : public testing::Test {
 protected:
  // Listener "api" with an RSA certificate (the case testssl.sh and nmap grade), logging every
  // handshake; `tls` and `enforcement` are YAML flow keys added to the listener's.
  RunningProxy start(const std::string& tls = "", const std::string& enforcement = "",
                     const std::string& extra = "") {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "rsa", {"api.test"}, KeyType::rsa_2048)};
    spec.tls_extra = tls;
    spec.enforcement_extra = enforcement;
    spec.extra_yaml = extra;
    return RunningProxy(proxy_yaml({spec}, "5s", "access_log: {path: \"" + log_path() + "\"}\n"));
  }
  std::string log_path() const { return (dir_.path() / "handshakes.log").string(); }
  // The log once it holds `count` lines (the log's writer thread is a moment behind).
  std::vector<json> log_with(std::size_t count) {
    auto lines = read_log(log_path());
    for (int i = 0; i < 2000 && lines.size() < count; ++i) {
      wait_a_moment();
      lines = read_log(log_path());
    }
    return lines;
  }
  // tlsfloor_weak_cipher_handshakes_total of TLS 1.2 clients on the default route, once it
  // reaches `expected` (or after 20 s).
  static std::optional<double> weak(RunningProxy& proxy, const char* decision,
                                    double expected = 1) {
    return proxy.metric_eventually(
        "tlsfloor_weak_cipher_handshakes_total",
        {{"listener", "api"}, {"route", "default"}, {"version", "TLS1.2"}, {"decision", decision}},
        expected);
  }
  static std::optional<double> negotiated(RunningProxy& proxy, const char* version,
                                          const char* cipher, double expected = 1) {
    return proxy.metric_eventually(
        "tlsfloor_negotiated_ciphers_total",
        {{"listener", "api"}, {"route", "default"}, {"version", version}, {"cipher", cipher}},
        expected);
  }
  // Echoes a line through the proxy: the connection really relays.
  static void expect_relays(TlsClient& client) {
    ASSERT_TRUE(client.write_all("ping\n"));
    EXPECT_EQ(client.read_exactly(5), "ping\n");
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
};

TEST_F(CipherPolicyTest, TheDefaultRefuses3DesAndStaticRsaAndServesEcdheInItsOwnOrder) {
  RunningProxy proxy = start();
  for (const char* weak_suites : {"DES-CBC3-SHA", "AES128-SHA:AES256-SHA", "AES128-GCM-SHA256"}) {
    TlsClient client(proxy.port(), offering(weak_suites));
    EXPECT_FALSE(client.handshake()) << weak_suites;
    EXPECT_EQ(client.alert_received(), kAlertHandshakeFailure) << weak_suites;
    EXPECT_EQ(client.peer_common_name(), "") << "no certificate for a refused client";
  }
  EXPECT_EQ(weak(proxy, "rejected", 3), 3);
  // Counted when the handshake has ended, a moment after the judgement above.
  EXPECT_EQ(proxy.metric_eventually(
                "tlsfloor_handshakes_total",
                {{"listener", "api"}, {"version", "TLS1.2"}, {"outcome", "rejected"}}, 3),
            3);

  // CBC with ECDHE is in the default, after the AEAD suites: a client that prefers CBC still
  // gets AES-GCM (the server's order), one that offers only CBC gets CBC.
  TlsClient prefers_cbc(proxy.port(), offering("ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256"));
  ASSERT_TRUE(prefers_cbc.handshake());
  EXPECT_EQ(prefers_cbc.cipher(), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  TlsClient only_cbc(proxy.port(), offering("ECDHE-RSA-AES128-SHA"));
  ASSERT_TRUE(only_cbc.handshake());
  EXPECT_EQ(only_cbc.cipher(), "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
  expect_relays(only_cbc);
  TlsClient modern(proxy.port());
  ASSERT_TRUE(modern.handshake());
  EXPECT_EQ(modern.version(), TLS1_3_VERSION);

  EXPECT_EQ(negotiated(proxy, "TLS1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), 1);
  EXPECT_EQ(negotiated(proxy, "TLS1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"), 1);
  EXPECT_EQ(negotiated(proxy, "TLS1.3", "TLS_AES_128_GCM_SHA256"), 1);
  EXPECT_EQ(proxy
                .metric("tlsfloor_negotiated_ciphers_total",
                        {{"listener", "api"},
                         {"route", "default"},
                         {"version", "TLS1.2"},
                         {"cipher", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}})
                .value_or(0),
            0);

  // The log says which floor refused whom, and what each client offered. (Lines of different
  // workers may come in either order: they are found by what the client offered.)
  const auto lines = log_with(6);
  ASSERT_EQ(lines.size(), 6u);
  const auto line_offering = [&](const json& suites) {
    for (const json& line : lines) {
      if (line["offered_ciphers"] == suites) return line;
    }
    return json();
  };
  const json triple_des = line_offering(json::array({"000a"}));
  EXPECT_EQ(triple_des["below"], json::array({"ciphers"}));
  EXPECT_EQ(triple_des["refused_by"], "ciphers");
  EXPECT_EQ(triple_des["failure"], "no_shared_cipher");
  EXPECT_EQ(triple_des["certificate"], nullptr) << "refused before any certificate";
  EXPECT_EQ(triple_des["decision"], "rejected");
  EXPECT_EQ(triple_des["outcome"], "rejected");
  EXPECT_EQ(triple_des["legacy"], true);
  EXPECT_EQ(line_offering(json::array({"002f", "0035"}))["below"], json::array({"ciphers"}));
  const json cbc_first = line_offering(json::array({"c013", "c02f"}));
  EXPECT_EQ(cbc_first["below"], json::array());
  EXPECT_EQ(cbc_first["failure"], nullptr);
  EXPECT_EQ(cbc_first["decision"], "allowed");
  EXPECT_EQ(cbc_first["cipher"], "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
}

TEST_F(CipherPolicyTest, IndependentClientsAreRefusedTheirWeakSuitesToo) {
  RunningProxy proxy = start();
  const std::string port = std::to_string(proxy.port());
  // GnuTLS offering only 3DES (as the scan that found this did, and got HTTP 200).
  const auto gnutls = run_command({"gnutls-cli", "--insecure", "--port", port, "--priority",
                                   "NORMAL:-CIPHER-ALL:+3DES-CBC:-VERS-TLS1.3", "127.0.0.1"});
  EXPECT_NE(gnutls.exit_code, 0) << gnutls.output;
  EXPECT_NE(gnutls.output.find("Received alert [40]"), std::string::npos) << gnutls.output;
  // OpenSSL offering only static-RSA key exchange.
  const auto openssl = run_command({"openssl", "s_client", "-connect", "127.0.0.1:" + port,
                                    "-tls1_2", "-cipher", "AES128-SHA:AES256-GCM-SHA384"});
  EXPECT_NE(openssl.exit_code, 0) << openssl.output;
  EXPECT_NE(openssl.output.find("handshake failure"), std::string::npos) << openssl.output;
  EXPECT_EQ(weak(proxy, "rejected", 2), 2);
  // And both get through with what they also speak by default.
  const auto gnutls_default = run_command({"gnutls-cli", "--insecure", "--port", port, "--priority",
                                           "NORMAL:-VERS-TLS1.3", "127.0.0.1"});
  EXPECT_NE(gnutls_default.output.find("(TLS1.2-X.509)-(ECDHE-X25519)-(RSA-PSS-RSAE-SHA256)-(AES-"
                                       "128-GCM)"),
            std::string::npos)
      << gnutls_default.output;
}

TEST_F(CipherPolicyTest, AnExceptionOpensItsOwnSuitesToItsClientOnly) {
  // A custom list (AES-GCM only), and one old terminal at 127.0.0.3 that speaks only 3DES.
  RunningProxy proxy = start(
      "ciphers: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]", "",
      "    exceptions:\n"
      "      - {name: till, clients: [127.0.0.3/32], ciphers: [TLS_RSA_WITH_3DES_EDE_CBC_SHA],\n"
      "         expires: 2099-01-01T00:00:00Z}\n");
  TlsClient till(proxy.port(), offering("DES-CBC3-SHA", "127.0.0.3"));
  ASSERT_TRUE(till.handshake());
  EXPECT_EQ(till.cipher(), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  expect_relays(till);
  // The same offer from anywhere else, and ECDHE-CBC (not in the custom list), are refused.
  TlsClient other(proxy.port(), offering("DES-CBC3-SHA", "127.0.0.2"));
  EXPECT_FALSE(other.handshake());
  EXPECT_EQ(other.alert_received(), kAlertHandshakeFailure);
  TlsClient cbc(proxy.port(), offering("ECDHE-RSA-AES128-SHA", "127.0.0.2"));
  EXPECT_FALSE(cbc.handshake());
  // The exempt client offering modern suites too is not a legacy client: it gets AES-GCM.
  TlsClient till_modern(proxy.port(),
                        offering("DES-CBC3-SHA:ECDHE-RSA-AES128-GCM-SHA256", "127.0.0.3"));
  ASSERT_TRUE(till_modern.handshake());
  EXPECT_EQ(till_modern.cipher(), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

  EXPECT_EQ(weak(proxy, "allowed_exception"), 1);
  EXPECT_EQ(weak(proxy, "rejected", 2), 2);
  EXPECT_EQ(negotiated(proxy, "TLS1.2", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"), 1);
  // The exception's use is recorded as for a version exception.
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_exception_handshakes_total",
                                    {{"listener", "api"}, {"exception", "till"}}, 1),
            1);
}

TEST_F(CipherPolicyTest, ObserveLetsWeakClientsInWithTheLegacySuitesAndCountsThem) {
  RunningProxy proxy =
      start("legacy_ciphers: \"ECDHE+AES:RSA+AES:DES-CBC3-SHA\"", "cipher_mode: observe");
  {
    TlsClient triple_des(proxy.port(), offering("DES-CBC3-SHA"));
    ASSERT_TRUE(triple_des.handshake());
    EXPECT_EQ(triple_des.cipher(), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
    expect_relays(triple_des);
    TlsClient static_rsa(proxy.port(), offering("AES128-GCM-SHA256"));
    ASSERT_TRUE(static_rsa.handshake());
    EXPECT_EQ(static_rsa.cipher(), "TLS_RSA_WITH_AES_128_GCM_SHA256");
    // A client with a floor suite among weak ones gets the floor suite: it is not a legacy one.
    TlsClient mixed(proxy.port(), offering("DES-CBC3-SHA:ECDHE-RSA-AES256-GCM-SHA384"));
    ASSERT_TRUE(mixed.handshake());
    EXPECT_EQ(mixed.cipher(), "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
  }

  EXPECT_EQ(weak(proxy, "would_reject", 2), 2);
  const auto lines = log_with(3);
  ASSERT_EQ(lines.size(), 3u);
  std::map<std::string, json> by_cipher;
  for (const json& line : lines) by_cipher[line["cipher"].get<std::string>()] = line;
  const json& weak_line = by_cipher["TLS_RSA_WITH_3DES_EDE_CBC_SHA"];
  EXPECT_EQ(weak_line["below"], json::array({"ciphers"}));
  EXPECT_EQ(weak_line["decision"], "would_reject");
  EXPECT_EQ(weak_line["outcome"], "accepted");
  EXPECT_EQ(by_cipher["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]["below"], json::array());
  proxy.stop();

  // Who would break if the floor became AES-GCM with ECDHE only: the two weak clients, from the
  // log the observe stage wrote.
  const auto report = run_command(
      {kBinary, "report", "--log", log_path(), "--ciphers", "ECDHE+AESGCM", "--format", "json"});
  ASSERT_EQ(report.exit_code, 0) << report.output;
  const json document = json::parse(report.output);
  EXPECT_EQ(document["floor"], nullptr);
  EXPECT_EQ(document["ciphers"], "ECDHE+AESGCM");
  EXPECT_EQ(document["totals"]["handshakes"], 3);
  EXPECT_EQ(document["totals"]["affected"], 2);
  // Keeping static-RSA AES-GCM would spare one of them.
  const auto wider = run_command({kBinary, "report", "--log", log_path(), "--ciphers",
                                  "ECDHE+AESGCM:AES128-GCM-SHA256", "--format", "json"});
  EXPECT_EQ(json::parse(wider.output)["totals"]["affected"], 1) << wider.output;
  const auto unknown =
      run_command({kBinary, "report", "--log", log_path(), "--ciphers", "RC4-MD5"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("unknown cipher suite or rule \"RC4-MD5\""), std::string::npos)
      << unknown.output;
}

TEST_F(CipherPolicyTest, ARouteMayKeepAWeakerListForItsOwnName) {
  RunningProxy proxy = start("", "",
                             "    routes:\n"
                             "      - name: old\n"
                             "        server_names: [old.test]\n"
                             "        tls: {ciphers: \"ECDHE+AESGCM:DES-CBC3-SHA\"}\n");
  ClientOptions to_old = offering("DES-CBC3-SHA");
  to_old.server_name = "old.test";
  TlsClient old(proxy.port(), to_old);
  ASSERT_TRUE(old.handshake());
  EXPECT_EQ(old.cipher(), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  ClientOptions to_api = offering("DES-CBC3-SHA");
  to_api.server_name = "api.test";
  TlsClient api(proxy.port(), to_api);
  EXPECT_FALSE(api.handshake());
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_negotiated_ciphers_total",
                                    {{"listener", "api"},
                                     {"route", "old"},
                                     {"version", "TLS1.2"},
                                     {"cipher", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}},
                                    1),
            1);
}

TEST_F(CipherPolicyTest, ABrownoutRefusesWeakClientsOnlyInsideItsWindows) {
  const auto with_window = [&](const std::string& from, const std::string& until) {
    return start(
        "legacy_ciphers: \"ECDHE+AES:DES-CBC3-SHA\"",
        "cipher_mode: brownout, brownout: {windows: [{start: " + from + ", end: " + until + "}]}");
  };
  {
    // Inside a window (one that spans the test): refused.
    RunningProxy proxy = with_window("2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
    TlsClient triple_des(proxy.port(), offering("DES-CBC3-SHA"));
    EXPECT_FALSE(triple_des.handshake());
    EXPECT_EQ(weak(proxy, "rejected_brownout"), 1);
    // The version floor is still enforced, as configured: its stage is its own.
    ClientOptions tls10 = offering("DES-CBC3-SHA");
    tls10.min_version = tls10.max_version = TLS1_VERSION;
    TlsClient old(proxy.port(), tls10);
    EXPECT_FALSE(old.handshake());
    EXPECT_EQ(old.alert_received(), 70);
  }
  // Outside (the only window is years away): let in with the legacy suites.
  RunningProxy proxy = with_window("2098-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
  TlsClient triple_des(proxy.port(), offering("DES-CBC3-SHA"));
  ASSERT_TRUE(triple_des.handshake());
  EXPECT_EQ(triple_des.cipher(), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  EXPECT_EQ(weak(proxy, "would_reject"), 1);
}

TEST_F(CipherPolicyTest, AReadableRefusalIsNeverAWeakHandshake) {
  RunningProxy proxy = start("", "on_reject: http");
  // Below the cipher floor: refused at the TLS layer, whatever on_reject says.
  TlsClient triple_des(proxy.port(), offering("DES-CBC3-SHA"));
  EXPECT_FALSE(triple_des.handshake());
  EXPECT_EQ(triple_des.alert_received(), SSL_AD_HANDSHAKE_FAILURE);
  // Below the version floor, but offering a floor suite its version can use: its 426 comes
  // over that suite.
  ClientOptions tls10 = offering("ECDHE-RSA-AES128-SHA:DES-CBC3-SHA");
  tls10.min_version = tls10.max_version = TLS1_VERSION;
  TlsClient old(proxy.port(), tls10);
  ASSERT_TRUE(old.handshake()) << "completed only to answer";
  EXPECT_EQ(old.cipher(), "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
  ASSERT_TRUE(old.write_all("GET / HTTP/1.1\r\nHost: api.test\r\n\r\n"));
  const std::string response = old.read_to_end();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 426 Upgrade Required\r\n")) << response;
  // Below both: the version floor's alert.
  ClientOptions old_and_weak = offering("DES-CBC3-SHA");
  old_and_weak.min_version = old_and_weak.max_version = TLS1_VERSION;
  TlsClient neither(proxy.port(), old_and_weak);
  EXPECT_FALSE(neither.handshake());
  EXPECT_EQ(neither.alert_received(), SSL_AD_PROTOCOL_VERSION);

  // Each floor counts the clients below it: the one below both, in both families.
  EXPECT_EQ(weak(proxy, "rejected"), 1);
  EXPECT_EQ(proxy.metric_eventually(
                "tlsfloor_weak_cipher_handshakes_total",
                {{"listener", "api"}, {"version", "TLS1.0"}, {"decision", "rejected"}}, 1),
            1);
  EXPECT_EQ(proxy.metric_eventually(
                "tlsfloor_legacy_handshakes_total",
                {{"listener", "api"}, {"version", "TLS1.0"}, {"decision", "rejected"}}, 2),
            2);
  // What a scanner saw negotiated is counted, the refusal's suite included; 3DES never was.
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_negotiated_ciphers_total",
                                    {{"listener", "api"},
                                     {"version", "TLS1.0"},
                                     {"cipher", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"}},
                                    1),
            1);
  EXPECT_EQ(proxy
                .metric("tlsfloor_negotiated_ciphers_total",
                        {{"listener", "api"}, {"cipher", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}})
                .value_or(0),
            0);
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_handshake_failures_total",
                                    {{"listener", "api"}, {"reason", "no_shared_cipher"}}, 1),
            1);
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_handshake_failures_total",
                                    {{"listener", "api"}, {"reason", "unsupported_version"}}, 1),
            1);
}

TEST(CipherPolicyReloadTest, ANewListServesNewHandshakesAndABadOneKeepsTheRunningList) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {make_self_signed(dir, "rsa", {"api.test"}, KeyType::rsa_2048)};
  const auto write = [&](const std::string& tls) {
    spec.tls_extra = tls;
    return dir.write("tlsfloor.yaml", proxy_yaml({spec}));
  };
  auto proxy = RunningProxy::from_file(write(""));
  TlsClient before(proxy->port(), offering("DES-CBC3-SHA"));
  EXPECT_FALSE(before.handshake());

  write("ciphers: \"ECDHE+AESGCM:DES-CBC3-SHA\"");
  auto response = http_request(proxy->admin_port(), "POST", "/reload");
  EXPECT_EQ(response.status, 200) << response.body;
  TlsClient after(proxy->port(), offering("DES-CBC3-SHA"));
  EXPECT_TRUE(after.handshake());

  // A list BoringSSL does not know: refused with its position, the running list stays.
  write("ciphers: \"ECDHE+AESGCM:TLS_RSA_WITH_IDEA_CBC_SHA\"");
  response = http_request(proxy->admin_port(), "POST", "/reload");
  EXPECT_NE(response.status, 200);
  EXPECT_NE(response.body.find("unknown cipher suite or rule \"TLS_RSA_WITH_IDEA_CBC_SHA\""),
            std::string::npos)
      << response.body;
  TlsClient still(proxy->port(), offering("DES-CBC3-SHA"));
  EXPECT_TRUE(still.handshake());
}

TEST(CipherPolicyConfigTest, BadListsAreRefusedAtTheirPosition) {
  TempDir dir;
  const PemFiles rsa = make_self_signed(dir, "rsa", {"api.test"}, KeyType::rsa_2048);
  const auto listener = [&](const std::string& name, const std::string& more) {
    return "  - name: " + name +
           "\n"
           "    listen: 127.0.0.1:0\n"
           "    upstream: {address: 127.0.0.1:1}\n"
           "    certificates: [{cert: " +
           rsa.cert_path + ", key: " + rsa.key_path + "}]\n" + more;
  };
  const std::string path = dir.write(
      "tlsfloor.yaml",
      "listeners:\n" +
          // Line 6: ECDSA suites only, behind an RSA certificate.
          listener("one", "    tls: {ciphers: \"ECDHE-ECDSA-AES128-GCM-SHA256\"}\n") +
          // Line 11: a name BoringSSL does not know.
          listener("two", "    tls: {ciphers: [TLS_RSA_WITH_RC4_128_SHA]}\n") +
          // Line 16: legacy suites of AES-GCM only, while observe lets TLS 1.0 clients in.
          listener("three",
                   "    tls: {legacy_ciphers: \"ECDHE+AESGCM\"}\n"
                   "    enforcement: {mode: observe}\n"));
  const auto check = run_command({kBinary, "--config", path, "--check"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.output.find(path + ":6:20: ciphers leave TLS1.2 without a suite the RSA "
                                     "certificate can use"),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find(path + ":11:20: unknown cipher suite or rule "
                                     "\"TLS_RSA_WITH_RC4_128_SHA\""),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find(path + ":16:27: legacy_ciphers leave TLS1.0 and TLS1.1 "
                                     "without"),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("3 configuration errors"), std::string::npos) << check.output;
}

}  // namespace
}  // namespace tlsfloor::test
