// The key-exchange floor (tls.groups) with real clients against the real proxy: OpenSSL's
// s_client offering one group or several (-groups), GnuTLS's gnutls-cli with group priorities,
// BoringSSL's own client offering the post-quantum CECPQ2 beside X25519, and Go's, Python's and
// Node's TLS stacks by default and told which group to offer. The group negotiated
// is the server's first choice among what the client offers; a client that offers none of the
// floor's groups is refused with handshake_failure under enforce, let in under observe (with
// every group the library has), refused inside a brownout window and let in by an exception.
// What happened shows alike in the handshake log and in the metrics.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/integration/binaries.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

constexpr int kAlertHandshakeFailure = 40;

class GroupsPolicyTest : public testing::Test {
 protected:
  // Listener "api" with an RSA certificate, logging every handshake; `tls` and `enforcement`
  // are YAML flow keys added to the listener's.
  RunningProxy start(const std::string& tls = "", const std::string& enforcement = "",
                     const std::string& mode = "enforce", const std::string& extra = "") {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "rsa", {"api.test"}, KeyType::rsa_2048)};
    spec.tls_extra = tls;
    spec.mode = mode;
    spec.enforcement_extra = enforcement;
    spec.extra_yaml = extra;
    return RunningProxy(proxy_yaml({spec}, "5s", "access_log: {path: \"" + log_path() + "\"}\n"));
  }
  std::string log_path() const { return (dir_.path() / "handshakes.log").string(); }
  // The log's lines once it holds `count` (its writer thread is a moment behind).
  std::vector<json> log_with(std::size_t count) {
    std::vector<json> lines;
    for (int i = 0; i < 2000; ++i) {
      lines.clear();
      std::ifstream in(log_path());
      for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
      if (lines.size() >= count) break;
      wait_a_moment();
    }
    return lines;
  }
  static std::optional<double> key_exchange(RunningProxy& proxy, const char* group,
                                            const char* pq_offered, double expected) {
    return proxy.metric_eventually(
        "tlsfloor_key_exchange_handshakes_total",
        {{"listener", "api"}, {"route", "default"}, {"group", group}, {"pq_offered", pq_offered}},
        expected);
  }
  static std::optional<double> weak_group(RunningProxy& proxy, const char* version,
                                          const char* decision, double expected) {
    return proxy.metric_eventually(
        "tlsfloor_weak_group_handshakes_total",
        {{"listener", "api"}, {"route", "default"}, {"version", version}, {"decision", decision}},
        expected);
  }
  static ClientOptions offering(const std::string& groups, std::uint16_t max = TLS1_3_VERSION) {
    ClientOptions options;
    options.groups = groups;
    options.max_version = max;
    return options;
  }
  static CommandResult s_client(std::uint16_t port, const std::string& groups,
                                const std::string& version = "-tls1_3") {
    return run_command({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                        version, "-groups", groups});
  }
  static CommandResult gnutls(std::uint16_t port, const std::string& priority) {
    return run_command({"gnutls-cli", "--insecure", "--port", std::to_string(port), "--priority",
                        priority, "127.0.0.1"});
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
};

// The default floor (X25519, P-256, P-384), enforced: every client that offers one of them gets
// the server's first choice among what it offers; one that offers only others is refused.
TEST_F(GroupsPolicyTest, RealClientsGetTheServersChoiceAndThoseOfferingNoFloorGroupAreRefused) {
  RunningProxy proxy = start();
  // OpenSSL: one group; P-521 then P-384 (the key share is P-521's, so the server asks again for
  // P-384); TLS 1.2 preferring P-384 to P-256 (the server prefers P-256; named in the
  // ServerKeyExchange); P-521 alone; ffdhe2048 alone.
  const auto x25519 = s_client(proxy.port(), "X25519");
  EXPECT_NE(x25519.output.find("Server Temp Key: X25519"), std::string::npos) << x25519.output;
  const auto retry = s_client(proxy.port(), "P-521:P-384");
  EXPECT_NE(retry.output.find("Server Temp Key: ECDH, secp384r1"), std::string::npos)
      << retry.output;
  const auto tls12 = s_client(proxy.port(), "P-384:P-256", "-tls1_2");
  EXPECT_NE(tls12.output.find("Server Temp Key: ECDH, prime256v1"), std::string::npos)
      << tls12.output;
  for (const char* outside : {"P-521", "ffdhe2048"}) {
    const auto refused = s_client(proxy.port(), outside);
    EXPECT_NE(refused.exit_code, 0) << outside;
    EXPECT_NE(refused.output.find("handshake failure"), std::string::npos) << refused.output;
  }
  // GnuTLS: P-384 alone, and P-521 with ffdhe3072 (none of the floor's).
  const auto p384 = gnutls(proxy.port(), "NORMAL:-GROUP-ALL:+GROUP-SECP384R1");
  EXPECT_NE(p384.output.find("(ECDHE-SECP384R1)"), std::string::npos) << p384.output;
  const auto none = gnutls(proxy.port(), "NORMAL:-GROUP-ALL:+GROUP-SECP521R1:+GROUP-FFDHE3072");
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.output.find("Received alert [40]"), std::string::npos) << none.output;

  const std::vector<json> lines = log_with(7);
  ASSERT_EQ(lines.size(), 7u);
  // In the order above.
  const json expected_offered[] = {
      {"X25519"},    {"P-521", "P-384"}, {"P-384", "P-256"},    {"P-521"},
      {"ffdhe2048"}, {"P-384"},          {"P-521", "ffdhe3072"}};
  const json expected_group[] = {"X25519", "P-384", "P-256", nullptr, nullptr, "P-384", nullptr};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json& line = lines[i];
    EXPECT_EQ(line["offered_groups"], expected_offered[i]) << line;
    EXPECT_EQ(line["offered_groups_total"], expected_offered[i].size()) << line;
    EXPECT_EQ(line["group"], expected_group[i]) << line;
    EXPECT_EQ(line["pq_offered"], false) << line;
    const bool refused = expected_group[i].is_null();
    EXPECT_EQ(line["outcome"], refused ? "rejected" : "accepted") << line;
    EXPECT_EQ(line["below"], refused ? json::array({"groups"}) : json::array()) << line;
    EXPECT_EQ(line["refused_by"], refused ? json("groups") : json(nullptr)) << line;
    EXPECT_EQ(line["failure"], refused ? json("no_shared_group") : json(nullptr)) << line;
  }
  // A TLS 1.3 client sends one key share (OpenSSL: its first group), P-521 here.
  EXPECT_EQ(lines[1]["key_share_groups"], json::array({"P-521"}));
  EXPECT_EQ(lines[2]["key_share_groups"], json::array()) << "a TLS 1.2 hello has no key_share";

  EXPECT_EQ(key_exchange(proxy, "X25519", "false", 1), 1);
  EXPECT_EQ(key_exchange(proxy, "P-384", "false", 2), 2);
  EXPECT_EQ(key_exchange(proxy, "P-256", "false", 1), 1);
  EXPECT_EQ(weak_group(proxy, "TLS1.3", "rejected", 3), 3);
  EXPECT_EQ(proxy.metric_eventually(
                "tlsfloor_handshake_failures_total",
                {{"listener", "api"}, {"route", "default"}, {"reason", "no_shared_group"}}, 3),
            3);
}

// Go's crypto/tls (Config.CurvePreferences), Python's ssl (SSLContext.set_ecdh_curve) and
// Node's tls (ecdhCurve), by default and told to offer one group: each default meets the
// default floor (X25519 first), P-384 alone gets P-384, P-521 alone is refused and logged as
// below the groups floor. What each library offers by default is what its version offers: the
// test names the groups every version here offers, not the whole list.
TEST_F(GroupsPolicyTest, GoPythonAndNodeOfferTheirGroupsAndTheFloorJudgesThem) {
  const std::string go_client = dir_.write("client.go", R"(package main

import (
	"crypto/tls"
	"fmt"
	"os"
	"strings"
)

// client PORT [GROUP:GROUP...]: a handshake offering those groups (all of Go's by default).
func main() {
	names := map[string]tls.CurveID{"X25519": tls.X25519, "P-256": tls.CurveP256,
		"P-384": tls.CurveP384, "P-521": tls.CurveP521}
	config := &tls.Config{InsecureSkipVerify: true, ServerName: "api.test"}
	if len(os.Args) > 2 {
		for _, name := range strings.Split(os.Args[2], ":") {
			config.CurvePreferences = append(config.CurvePreferences, names[name])
		}
	}
	conn, err := tls.Dial("tcp", "127.0.0.1:"+os.Args[1], config)
	if err != nil {
		fmt.Println("refused:", err)
		os.Exit(1)
	}
	fmt.Println("connected")
	conn.Close()
}
)");
  const std::string python_client = dir_.write("client.py", R"(import socket, ssl, sys

# client.py PORT [CURVE]: a handshake offering that one group (OpenSSL's default list without).
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
if len(sys.argv) > 2:
    context.set_ecdh_curve(sys.argv[2])
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as raw:
        with context.wrap_socket(raw, server_hostname="api.test"):
            print("connected")
except ssl.SSLError as error:
    print("refused:", error)
    sys.exit(1)
)");
  const std::string node_client = dir_.write("client.js", R"(const tls = require("tls");
// client.js PORT [CURVE]: a handshake offering that group (Node's "auto" list without).
const options = {host: "127.0.0.1", port: Number(process.argv[2]), servername: "api.test",
                 rejectUnauthorized: false};
if (process.argv[3]) options.ecdhCurve = process.argv[3];
const socket = tls.connect(options, () => { console.log("connected"); socket.end(); });
socket.on("error", (error) => { console.log("refused:", error.message); process.exit(1); });
)");
  // Built once: `go run` would build it again for every handshake.
  const std::string go_binary = (dir_.path() / "go-client").string();
  const auto built =
      run_command({"go", "build", "-o", go_binary, go_client}, std::chrono::seconds(300));
  ASSERT_EQ(built.exit_code, 0) << built.output;

  RunningProxy proxy = start();
  const std::string port = std::to_string(proxy.port());
  struct Case {
    const char* name;
    std::vector<std::string> argv;
    const char* told;   // the one group it is told to offer; nullptr: its defaults
    const char* group;  // negotiated; nullptr: refused
  };
  const Case cases[] = {
      {"Go, its defaults", {go_binary, port}, nullptr, "X25519"},
      {"Go, P-384", {go_binary, port, "P-384"}, "P-384", "P-384"},
      {"Go, P-521", {go_binary, port, "P-521"}, "P-521", nullptr},
      {"Python, its defaults", {"python3", python_client, port}, nullptr, "X25519"},
      {"Python, P-384", {"python3", python_client, port, "secp384r1"}, "P-384", "P-384"},
      {"Python, P-521", {"python3", python_client, port, "secp521r1"}, "P-521", nullptr},
      {"Node, its defaults", {"node", node_client, port}, nullptr, "X25519"},
      {"Node, P-384", {"node", node_client, port, "P-384"}, "P-384", "P-384"},
      {"Node, P-521", {"node", node_client, port, "P-521"}, "P-521", nullptr},
  };
  for (const Case& c : cases) {
    const auto result = run_command(c.argv);
    EXPECT_EQ(result.exit_code == 0, c.group != nullptr) << c.name << ": " << result.output;
  }
  const std::vector<json> lines = log_with(std::size(cases));
  ASSERT_EQ(lines.size(), std::size(cases));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Case& c = cases[i];
    const json& line = lines[i];
    SCOPED_TRACE(c.name);
    const json& offered = line["offered_groups"];
    if (c.told != nullptr) {
      EXPECT_EQ(offered, json::array({c.told})) << line;
      EXPECT_EQ(line["key_share_groups"], json::array({c.told})) << line;
    } else {
      // Every default here starts with X25519 and offers the NIST curves after it.
      ASSERT_FALSE(offered.empty()) << line;
      EXPECT_EQ(offered[0], "X25519") << line;
      for (const char* curve : {"P-256", "P-384"}) {
        EXPECT_NE(std::find(offered.begin(), offered.end(), curve), offered.end()) << line;
      }
      EXPECT_EQ(line["key_share_groups"].at(0), "X25519") << line;
    }
    EXPECT_EQ(line["pq_offered"], false) << line;
    EXPECT_EQ(line["group"], c.group ? json(c.group) : json(nullptr)) << line;
    EXPECT_EQ(line["outcome"], c.group ? "accepted" : "rejected") << line;
    EXPECT_EQ(line["below"], c.group ? json::array() : json::array({"groups"})) << line;
  }
  EXPECT_EQ(key_exchange(proxy, "X25519", "false", 3), 3);
  EXPECT_EQ(key_exchange(proxy, "P-384", "false", 3), 3);
  EXPECT_EQ(weak_group(proxy, "TLS1.3", "rejected", 3), 3);
}

// A client offering a post-quantum group is counted as such, whichever group it gets; with the
// hybrid in tls.groups it is negotiated (BoringSSL here has CECPQ2, no ML-KEM).
TEST_F(GroupsPolicyTest, APostQuantumOfferIsCountedAndNegotiatedWhenTheFloorHasIt) {
  {
    RunningProxy proxy = start();
    TlsClient client(proxy.port(), offering("CECPQ2:X25519"));
    ASSERT_TRUE(client.handshake());
    EXPECT_EQ(client.group(), "X25519");
    EXPECT_EQ(key_exchange(proxy, "X25519", "true", 1), 1);
    const json line = log_with(1).at(0);
    EXPECT_EQ(line["offered_groups"], json::array({"CECPQ2", "X25519"}));
    EXPECT_EQ(line["pq_offered"], true);
    EXPECT_EQ(line["group"], "X25519");
  }
  std::filesystem::remove(log_path());
  RunningProxy proxy = start("groups: \"CECPQ2:X25519\"");
  TlsClient hybrid(proxy.port(), offering("CECPQ2:X25519"));
  ASSERT_TRUE(hybrid.handshake());
  EXPECT_EQ(hybrid.group(), "CECPQ2");
  TlsClient classical(proxy.port(), offering("X25519"));
  ASSERT_TRUE(classical.handshake());
  EXPECT_EQ(classical.group(), "X25519");
  EXPECT_EQ(key_exchange(proxy, "CECPQ2", "true", 1), 1);
  EXPECT_EQ(key_exchange(proxy, "X25519", "false", 1), 1);
  const std::vector<json> lines = log_with(2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["group"], "CECPQ2");
  EXPECT_EQ(lines[1]["group"], "X25519");

  // The report reads that log back: --pq finds the classical handshake only; the inventory lists
  // both groups negotiated, one handshake each, from the one client address.
  const auto pq = run_command({kBinary, "report", "--log", log_path(), "--pq", "--format", "json"});
  ASSERT_EQ(pq.exit_code, 0) << pq.output;
  const json report = json::parse(pq.output);
  EXPECT_EQ(report["totals"]["handshakes"], 2);
  EXPECT_EQ(report["totals"]["affected"], 1);
  const auto inventory =
      run_command({kBinary, "report", "--log", log_path(), "--inventory", "--format", "csv"});
  ASSERT_EQ(inventory.exit_code, 0) << inventory.output;
  EXPECT_NE(inventory.output.find("\r\napi,default,group,CECPQ2,1,1,false,"), std::string::npos)
      << inventory.output;
  EXPECT_NE(inventory.output.find("\r\napi,default,group,X25519,1,1,false,"), std::string::npos)
      << inventory.output;
  EXPECT_NE(inventory.output.find("\r\napi,default,protocol,TLS1.3,2,1,false,"), std::string::npos)
      << inventory.output;
  // And a candidate the inventory cannot take, or a group nobody registered, is refused.
  EXPECT_EQ(run_command({kBinary, "report", "--log", log_path(), "--inventory", "--pq"}).exit_code,
            2);
  EXPECT_EQ(
      run_command({kBinary, "report", "--log", log_path(), "--groups", "X25519:P-999"}).exit_code,
      2);
}

// A floor of P-256 alone and a client offering only X25519, in each mode.
TEST_F(GroupsPolicyTest, TheFloorInEachMode) {
  const std::string floor = "groups: [P-256]";
  struct Case {
    const char* name;
    std::string mode;
    std::string enforcement;
    std::string extra;
    bool served;
    const char* decision;
  };
  const std::string always =
      "brownout: {windows: [{start: 2000-01-01T00:00:00Z, "
      "end: 2099-01-01T00:00:00Z}]}";
  const Case cases[] = {
      {"enforce", "enforce", "", "", false, "rejected"},
      {"observe", "observe", "", "", true, "would_reject"},
      {"groups_mode observe beside mode enforce", "enforce", "groups_mode: observe", "", true,
       "would_reject"},
      {"brownout, inside its window", "brownout", always, "", false, "rejected_brownout"},
      {"enforce with an exception", "enforce", "",
       "    exceptions:\n"
       "      - {name: x25519-only, clients: [127.0.0.1/32], expires: 2099-01-01T00:00:00Z}\n",
       true, "allowed_exception"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::filesystem::remove(log_path());
    RunningProxy proxy = start(floor, c.enforcement, c.mode, c.extra);
    TlsClient client(proxy.port(), offering("X25519"));
    EXPECT_EQ(client.handshake(), c.served);
    if (c.served) {
      // Let in with every group the library has: its own X25519.
      EXPECT_EQ(client.group(), "X25519");
      EXPECT_TRUE(client.write_all("ping\n"));
      EXPECT_EQ(client.read_exactly(5), "ping\n");
    } else {
      EXPECT_EQ(client.alert_received(), kAlertHandshakeFailure);
      EXPECT_EQ(client.peer_common_name(), "") << "no certificate for a refused client";
    }
    // A client with the floor's group is served and not legacy, whatever the mode.
    TlsClient meets(proxy.port(), offering("X25519:P-256"));
    ASSERT_TRUE(meets.handshake());
    EXPECT_EQ(meets.group(), "P-256");
    EXPECT_EQ(weak_group(proxy, "TLS1.3", c.decision, 1), 1);
    const std::vector<json> lines = log_with(2);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0]["below"], json::array({"groups"}));
    EXPECT_EQ(lines[0]["decision"], c.decision);
    EXPECT_EQ(lines[0]["refused_by"], c.served ? json(nullptr) : json("groups"));
    EXPECT_EQ(lines[0]["group"], c.served ? json("X25519") : json(nullptr));
    EXPECT_EQ(lines[1]["below"], json::array());
    EXPECT_EQ(lines[1]["decision"], "allowed");
  }
}

}  // namespace
}  // namespace tlsfloor::test
