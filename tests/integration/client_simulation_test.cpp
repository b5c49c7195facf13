// The legacy population a deprecation meets: the ClientHellos of 162 real clients captured by
// SSL Labs (testssl.sh's client simulation data, read from Debian's package), replayed at the
// real proxy under observe, enforce, a brownout and an exception. For every client: what the wire
// answered (a ServerHello, or which alert), what the handshake log says of it, and that the
// metrics and `tlsfloor report` agree with the log. Observe must serve every client the library
// can serve (all but the two that speak only SSL 3.0); nobody refused may be logged as let in.
//
// A replay sends the hello and reads the server's first record, as testssl.sh's own client
// simulation does: the client's key share is not ours, so no replay completes its handshake, and
// every line says so (outcome failed, failure closed, or the refusal's reason).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/proxy_config.h"
#include "tests/support/child_process.h"
#include "tests/support/client_simulation.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

const std::string kBinary = TLSFLOOR_BINARY;

// What the proxy answered a hello with.
struct WireAnswer {
  enum class Kind { server_hello, alert, closed } kind = Kind::closed;
  std::uint16_t version = 0;  // of a ServerHello (supported_versions for TLS 1.3)
  std::uint16_t cipher = 0;
  int alert = -1;  // the description of an alert
  std::uint16_t client_port = 0;
};

std::string read_exactly(int fd, std::size_t size) {
  std::string bytes;
  char buffer[4096];
  while (bytes.size() < size) {
    const ssize_t n = ::recv(fd, buffer, std::min(sizeof buffer, size - bytes.size()), 0);
    if (n <= 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  return bytes;
}

std::uint16_t u16(const std::string& bytes, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(bytes.at(at)) << 8 |
                                    static_cast<std::uint8_t>(bytes.at(at + 1)));
}

// The version and suite a ServerHello body (from its message type on) chose.
void read_server_hello(const std::string& body, WireAnswer& answer) {
  answer.version = u16(body, 4);
  std::size_t at = 4 + 2 + 32;
  at += 1 + static_cast<std::uint8_t>(body.at(at));  // session id
  answer.cipher = u16(body, at);
  at += 2 + 1;  // suite, compression
  if (at + 2 > body.size()) return;
  const std::size_t end = std::min(body.size(), at + 2 + u16(body, at));
  for (at += 2; at + 4 <= end;) {
    const std::uint16_t type = u16(body, at);
    const std::uint16_t length = u16(body, at + 2);
    if (type == 43 && length == 2) answer.version = u16(body, at + 4);  // supported_versions
    at += 4 + length;
  }
}

WireAnswer replay(std::uint16_t port, const std::vector<std::uint8_t>& record) {
  const int fd = connect_tcp(port);
  WireAnswer answer;
  sockaddr_in local{};
  socklen_t length = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  answer.client_port = ntohs(local.sin_port);
  send_raw(fd, std::string(record.begin(), record.end()));
  const std::string header = read_exactly(fd, 5);
  if (header.size() == 5) {
    const std::string body = read_exactly(fd, u16(header, 3));
    if (header[0] == 22 && !body.empty() && body[0] == 2) {
      answer.kind = WireAnswer::Kind::server_hello;
      read_server_hello(body, answer);
    } else if (header[0] == 21 && body.size() == 2) {
      answer.kind = WireAnswer::Kind::alert;
      answer.alert = static_cast<std::uint8_t>(body[1]);
    }
  }
  ::close(fd);
  return answer;
}

std::string describe(const WireAnswer& answer) {
  char text[64];
  switch (answer.kind) {
    case WireAnswer::Kind::server_hello:
      std::snprintf(text, sizeof text, "served %04x %04x", answer.version, answer.cipher);
      return text;
    case WireAnswer::Kind::alert:
      return answer.alert == SSL_AD_PROTOCOL_VERSION    ? "alert protocol_version"
             : answer.alert == SSL_AD_HANDSHAKE_FAILURE ? "alert handshake_failure"
                                                        : "alert " + std::to_string(answer.alert);
    case WireAnswer::Kind::closed:
      break;
  }
  return "closed";
}

bool below(const json& line, const char* floor) {
  for (const json& name : line["below"]) {
    if (name == floor) return true;
  }
  return false;
}

// One scenario: every client replayed at one listener, its log read back after a clean stop.
struct Replayed {
  std::vector<SimulatedClient> clients;
  std::vector<WireAnswer> answers;
  std::vector<json> lines;  // by client, matched by the port it connected from
  std::map<std::string, double> metrics;
  std::string log_path;
};

class ClientSimulationTest : public testing::Test {
 protected:
  static const std::vector<SimulatedClient>& clients() {
    static const std::vector<SimulatedClient> loaded = load_client_simulation();
    return loaded;
  }

  // Both key types, so that a client that can verify only ECDSA, or only RSA, is served.
  Replayed replay_all(const std::string& name, const std::string& mode,
                      const std::string& enforcement_extra = "", const std::string& extra = "") {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {
        make_self_signed(dir_, name + "-ec", {"www.ssllabs.com"}),
        make_self_signed(dir_, name + "-rsa", {"www.ssllabs.com"}, KeyType::rsa_2048)};
    spec.mode = mode;
    spec.enforcement_extra = enforcement_extra;
    spec.extra_yaml = extra;
    Replayed result;
    result.log_path = (dir_.path() / (name + ".log")).string();
    RunningProxy proxy(
        proxy_yaml({spec}, "5s", "access_log: {path: \"" + result.log_path + "\"}\n"));
    result.clients = clients();
    for (const SimulatedClient& client : result.clients) {
      result.answers.push_back(replay(proxy.port(), client.record));
    }
    // Every handshake ended on the proxy's threads before the counts are read.
    eventually_equals(
        [&] {
          return proxy.metric("tlsfloor_handshakes_total", {{"listener", "api"}}).value_or(0);
        },
        static_cast<double>(result.clients.size()));
    const std::string scrape = proxy.scrape();
    for (const char* family :
         {"tlsfloor_handshakes_total", "tlsfloor_legacy_handshakes_total",
          "tlsfloor_weak_cipher_handshakes_total", "tlsfloor_handshake_failures_total"}) {
      result.metrics[family] = metric_value(scrape, family, {{"listener", "api"}}).value_or(0);
    }
    proxy.stop();
    std::map<int, json> by_port;
    std::ifstream in(result.log_path);
    for (std::string text; std::getline(in, text);) {
      const json line = json::parse(text);
      by_port[line["client_port"].get<int>()] = line;
    }
    for (const WireAnswer& answer : result.answers)
      result.lines.push_back(by_port[answer.client_port]);
    return result;
  }

  // Counts of one family's series whose label `key` is `value`.
  static double sum_of(const std::string& scrape, const std::string& family, const std::string& key,
                       const std::string& value) {
    return metric_value(scrape, family, {{"listener", "api"}, {key, value}}).value_or(0);
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
};

// The views agree with the wire: every line's outcome and failure say what the wire showed,
// nobody refused is written as let in, and the report counts what the log holds.
void expect_views_agree(const Replayed& replayed) {
  std::map<std::string, int> failures;
  for (std::size_t i = 0; i < replayed.clients.size(); ++i) {
    const SimulatedClient& client = replayed.clients[i];
    const WireAnswer& answer = replayed.answers[i];
    const json& line = replayed.lines[i];
    ASSERT_TRUE(line.is_object()) << client.name << ": no log line";
    EXPECT_EQ(line["outcome"] == "accepted", false) << client.name << ": a replay never completes";
    const bool refused = line["decision"] == "rejected" || line["decision"] == "rejected_brownout";
    EXPECT_EQ(line["outcome"], refused ? "rejected" : "failed") << client.name;
    if (answer.kind == WireAnswer::Kind::server_hello) {
      EXPECT_FALSE(refused) << client.name << " was served but is logged as refused";
      EXPECT_EQ(line["failure"], "closed") << client.name;
      EXPECT_NE(line["certificate"], nullptr) << client.name << ": its certificate was sent";
    } else {
      EXPECT_EQ(line["certificate"], nullptr) << client.name << ": refused before any certificate";
      const std::string expected =
          answer.alert == SSL_AD_PROTOCOL_VERSION ? "unsupported_version" : "no_shared_cipher";
      EXPECT_EQ(line["failure"], expected) << client.name << " got " << describe(answer);
    }
    if (refused) {
      // The floor named as refusing it is one it is below, and its alert is that floor's.
      EXPECT_TRUE(below(line, line["refused_by"].get<std::string>().c_str())) << line;
      EXPECT_EQ(answer.alert, line["refused_by"] == "version" ? SSL_AD_PROTOCOL_VERSION
                                                              : SSL_AD_HANDSHAKE_FAILURE)
          << client.name;
    } else {
      EXPECT_EQ(line["refused_by"], nullptr) << client.name;
    }
    EXPECT_EQ(line["legacy"], !line["below"].empty()) << line;
    if (!line["failure"].is_null()) ++failures[line["failure"]];
  }
  double failed_lines = 0;
  for (const auto& [reason, count] : failures) failed_lines += count;
  EXPECT_EQ(replayed.metrics.at("tlsfloor_handshake_failures_total"), failed_lines);
  EXPECT_EQ(replayed.metrics.at("tlsfloor_handshakes_total"),
            static_cast<double>(replayed.clients.size()));

  // tlsfloor report: every affected line (below TLS 1.2) fails today (no replay completes), and
  // its decisions are the log's.
  const auto report = run_command(
      {kBinary, "report", "--log", replayed.log_path, "--format", "json", "--top", "0"});
  ASSERT_EQ(report.exit_code, 0) << report.output;
  const json document = json::parse(report.output);
  int affected = 0;
  std::map<std::string, int> decisions;
  for (const json& line : replayed.lines) {
    const std::string highest = line["highest_offered"];
    if (highest != "TLS1.2" && highest != "TLS1.3") {
      ++affected;
      ++decisions[line["decision"]];
    }
  }
  EXPECT_EQ(document["totals"]["affected"], affected);
  EXPECT_EQ(document["totals"]["failing"], affected);
  const json& by_decision = document["routes"][0]["by_decision"];
  EXPECT_EQ(by_decision["refused"], decisions["rejected"]);
  EXPECT_EQ(by_decision["brownout"], decisions["rejected_brownout"]);
  EXPECT_EQ(by_decision["exempt"], decisions["allowed_exception"]);
  EXPECT_EQ(by_decision["let_in"], decisions["would_reject"] + decisions["allowed"]);
}

TEST_F(ClientSimulationTest, ObserveServesEveryClientTheLibraryCanServe) {
  const Replayed observed = replay_all("observe", "observe");
  expect_views_agree(observed);
  const Replayed enforced = replay_all("enforce", "enforce");
  expect_views_agree(enforced);
  std::size_t served = 0;
  std::size_t ssl3_only = 0;
  std::printf("%-32s %-8s %-28s %-28s\n", "client", "best", "observe", "enforce (why)");
  for (std::size_t i = 0; i < observed.clients.size(); ++i) {
    const SimulatedClient& client = observed.clients[i];
    const WireAnswer& watched = observed.answers[i];
    const bool only_ssl3 = client.highest_protocol == SSL3_VERSION;
    ssl3_only += only_ssl3 ? 1 : 0;
    if (watched.kind == WireAnswer::Kind::server_hello) ++served;
    // Observe refuses nobody: what it cannot serve is what BoringSSL cannot speak.
    EXPECT_EQ(watched.kind == WireAnswer::Kind::server_hello, !only_ssl3)
        << client.name << ": " << describe(watched) << " " << observed.lines[i];
    EXPECT_NE(observed.lines[i]["decision"], "rejected") << client.name;
    if (only_ssl3) EXPECT_EQ(observed.lines[i]["failure"], "unsupported_version") << client.name;
    // Enforced, every client below TLS 1.2 is refused with protocol_version, and the others are
    // served unless they offer none of the floor's suites.
    const WireAnswer& enforced_answer = enforced.answers[i];
    const json& enforced_line = enforced.lines[i];
    if (client.highest_protocol < TLS1_2_VERSION) {
      EXPECT_EQ(enforced_answer.alert, SSL_AD_PROTOCOL_VERSION) << client.name;
      EXPECT_EQ(enforced_line["refused_by"], "version") << client.name;
    } else {
      EXPECT_EQ(enforced_answer.kind == WireAnswer::Kind::server_hello,
                !below(enforced_line, "ciphers"))
          << client.name << ": " << describe(enforced_answer);
    }
    std::printf("%-32s %-8s %-28s %-28s\n", client.name.c_str(),
                enforced_line["highest_offered"].get<std::string>().c_str(),
                describe(watched).c_str(),
                (describe(enforced_answer) +
                 (enforced_line["refused_by"].is_null()
                      ? ""
                      : " (" + enforced_line["refused_by"].get<std::string>() + ")"))
                    .c_str());
  }
  EXPECT_EQ(observed.clients.size(), 162u) << "testssl.sh's client simulation data changed";
  EXPECT_EQ(ssl3_only, 2u);
  EXPECT_EQ(served, observed.clients.size() - ssl3_only);
  std::printf("observe served %zu of %zu; the rest speak only SSL 3.0\n", served,
              observed.clients.size());
}

TEST_F(ClientSimulationTest, ABrownoutRefusesWhatEnforceWouldAndAnExceptionLetsItIn) {
  const Replayed browned =
      replay_all("brownout", "brownout",
                 "brownout: {windows: [{start: 2020-01-01T00:00:00Z, end: 2099-01-01T00:00:00Z}]}");
  expect_views_agree(browned);
  const Replayed exempt =
      replay_all("exception", "enforce", "",
                 "    exceptions: [{name: all-of-loopback, clients: [127.0.0.0/8], expires: "
                 "2099-01-01T00:00:00Z}]\n");
  expect_views_agree(exempt);
  for (std::size_t i = 0; i < browned.clients.size(); ++i) {
    const SimulatedClient& client = browned.clients[i];
    const json& line = browned.lines[i];
    if (client.highest_protocol < TLS1_2_VERSION) {
      EXPECT_EQ(line["decision"], "rejected_brownout") << client.name;
      EXPECT_EQ(browned.answers[i].alert, SSL_AD_PROTOCOL_VERSION) << client.name;
    }
    // The exception lets every legacy client in, with the compatibility suites, down to its
    // min_version (TLS1.0 by default): served unless it speaks only SSL 3.0, which the exception
    // does not reach and the floor refuses.
    const json& exempt_line = exempt.lines[i];
    if (!exempt_line["below"].empty()) {
      EXPECT_EQ(exempt_line["decision"],
                client.highest_protocol == SSL3_VERSION ? "rejected" : "allowed_exception")
          << client.name;
    }
    EXPECT_EQ(exempt.answers[i].kind == WireAnswer::Kind::server_hello,
              client.highest_protocol != SSL3_VERSION)
        << client.name << ": " << describe(exempt.answers[i]);
  }
  EXPECT_GT(browned.metrics.at("tlsfloor_legacy_handshakes_total"), 0);
}

}  // namespace
}  // namespace tlsfloor::test
