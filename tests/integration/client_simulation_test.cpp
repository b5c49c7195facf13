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

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "config/named_group.h"
#include "proxy/tls/key_exchange_groups.h"
#include "tests/integration/binaries.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/child_process.h"
#include "tests/support/client_simulation.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

// What the proxy answered a hello with.
struct WireAnswer {
  enum class Kind { server_hello, alert, closed } kind = Kind::closed;
  std::uint16_t version = 0;  // of a ServerHello (supported_versions for TLS 1.3)
  std::uint16_t cipher = 0;
  int alert = -1;  // the description of an alert
  std::uint16_t client_port = 0;
  /// The key-exchange group the server chose: a TLS 1.3 ServerHello's (or HelloRetryRequest's)
  /// key_share, a TLS 1.2 ServerKeyExchange's named curve; 0 for none (static RSA).
  std::uint16_t group = 0;
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
    if (type == 51 && length >= 2) answer.group = u16(body, at + 4);    // key_share
    at += 4 + length;
  }
}

// A TLS 1.2 server's flight after its ServerHello (the rest of `handshake`, then more records
// read from `fd`): the ServerKeyExchange names the curve of an ECDHE key exchange (curve_type 3,
// named_curve); a flight that ends (ServerHelloDone) without one is static RSA.
void read_tls12_group(int fd, std::string handshake, WireAnswer& answer) {
  for (int records = 0; records < 16;) {
    if (handshake.size() >= 4) {
      const std::size_t length = static_cast<std::uint8_t>(handshake[1]) << 16 |
                                 static_cast<std::uint8_t>(handshake[2]) << 8 |
                                 static_cast<std::uint8_t>(handshake[3]);
      if (handshake.size() >= 4 + length) {
        const int type = static_cast<std::uint8_t>(handshake[0]);
        if (type == 12 && length >= 3 && handshake[4] == 3) {
          answer.group = u16(handshake, 5);
          return;
        }
        if (type == 14) return;  // ServerHelloDone: no ServerKeyExchange
        handshake.erase(0, 4 + length);
        continue;
      }
    }
    const std::string header = read_exactly(fd, 5);
    if (header.size() != 5 || header[0] != 22) return;
    handshake += read_exactly(fd, u16(header, 3));
    ++records;
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
      if (answer.version < TLS1_3_VERSION) {
        const std::size_t length = static_cast<std::uint8_t>(body[1]) << 16 |
                                   static_cast<std::uint8_t>(body[2]) << 8 |
                                   static_cast<std::uint8_t>(body[3]);
        read_tls12_group(fd, body.substr(std::min(body.size(), 4 + length)), answer);
      }
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
      const std::string expected = answer.alert == SSL_AD_PROTOCOL_VERSION ? "unsupported_version"
                                   : line["refused_by"] == "groups"        ? "no_shared_group"
                                                                           : "no_shared_cipher";
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
    if (only_ssl3) {
      EXPECT_EQ(observed.lines[i]["failure"], "unsupported_version") << client.name;
    }
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

// The codes of a ':'-separated list of group names (testssl.sh's decoded `curves`).
std::vector<std::uint16_t> group_codes(const std::string& names) {
  std::vector<std::uint16_t> codes;
  for (std::size_t start = 0; start < names.size();) {
    const std::size_t colon = std::min(names.find(':', start), names.size());
    const auto code = config::parse_group(names.substr(start, colon - start));
    EXPECT_TRUE(code.has_value()) << names;
    if (code) codes.push_back(*code);
    start = colon + 1;
  }
  return codes;
}

std::vector<std::uint16_t> group_codes(const json& names) {
  std::vector<std::uint16_t> codes;
  for (const json& name : names) codes.push_back(*config::parse_group(name.get<std::string>()));
  return codes;
}

std::string names_of(const std::vector<std::uint16_t>& codes) {
  return codes.empty() ? "-" : config::group_list_text(codes);
}

// Where testssl.sh's decoded `curves` (SSL Labs' reading) leaves out groups the hello's own
// supported_groups bytes carry: checked by hand from `handshakebytes`, and every one of these must
// still be a difference, so a change of data or parser shows up.
struct DecodingGap {
  const char* client;
  std::vector<std::uint16_t> left_out;
};
const std::vector<DecodingGap>& decoding_gaps() {
  // ffdhe2048 .. ffdhe8192 (RFC 7919)
  constexpr std::uint16_t kFfdhe2048 = 0x0100, kFfdhe3072 = 0x0101, kFfdhe4096 = 0x0102,
                          kFfdhe6144 = 0x0103, kFfdhe8192 = 0x0104;
  static const std::vector<DecodingGap> gaps = {
      {"Firefox 53 Win 7", {kFfdhe2048, kFfdhe3072}},
      {"Firefox 59 Win 7", {kFfdhe2048, kFfdhe3072}},
      {"Firefox 62 Win 7", {kFfdhe2048, kFfdhe3072}},
      {"Java 9.0.4", {kFfdhe2048, kFfdhe3072, kFfdhe4096, kFfdhe6144, kFfdhe8192}},
      {"Java 11.0.2 (OpenJDK)", {0x0016}},  // secp256k1
      {"Java 12.0.1 (OpenJDK)", {0x0016}},
      {"OpenSSL 3.0.3 (git)", {kFfdhe2048, kFfdhe3072, kFfdhe4096, kFfdhe6144, kFfdhe8192}},
  };
  return gaps;
}

// The decoded groups of a client, with what the decoding left out put back where the hello has it.
std::vector<std::uint16_t> without(std::vector<std::uint16_t> codes,
                                   const std::vector<std::uint16_t>& left_out) {
  std::erase_if(codes, [&](std::uint16_t code) {
    return std::find(left_out.begin(), left_out.end(), code) != left_out.end();
  });
  return codes;
}

// Key exchange: every client's groups are read as SSL Labs decoded them, the log says which offer
// a post-quantum group, and the group the wire shows is the one the server's preference picks
// (the default tls.groups for clients that meet the floors, every group the library has for a
// legacy client let in). Prints the PQ readiness table of the 162 clients.
TEST_F(ClientSimulationTest, EveryClientsGroupsAreReadAsDecodedAndTheWireAgreesOnTheGroup) {
  const Replayed observed = replay_all("groups-observe", "observe");
  const Replayed enforced = replay_all("groups-enforce", "enforce");
  const std::vector<std::uint16_t> defaults(std::begin(config::kDefaultGroups),
                                            std::end(config::kDefaultGroups));
  const std::vector<std::uint16_t> everything = tls::compatibility_groups(defaults);
  std::size_t pq = 0;
  std::size_t decoded_pq = 0;
  std::size_t mlkem = 0;
  std::size_t gaps_seen = 0;
  std::size_t served_at_enforce = 0;
  std::printf("%-32s %-6s %-3s %-12s %-12s %-44s %s\n", "client", "best", "pq", "observe",
              "enforce", "key_share", "offered groups");
  for (std::size_t i = 0; i < observed.clients.size(); ++i) {
    const SimulatedClient& client = observed.clients[i];
    const json& line = observed.lines[i];
    const std::vector<std::uint16_t> offered = group_codes(line["offered_groups"]);
    const std::vector<std::uint16_t> shares = group_codes(line["key_share_groups"]);
    const std::vector<std::uint16_t> decoded = group_codes(client.curves);
    const auto gap = std::find_if(decoding_gaps().begin(), decoding_gaps().end(),
                                  [&](const DecodingGap& g) { return client.name == g.client; });
    if (gap == decoding_gaps().end()) {
      EXPECT_EQ(offered, decoded) << client.name;
    } else {
      ++gaps_seen;
      EXPECT_NE(offered, decoded) << client.name << ": no longer a decoding gap";
      EXPECT_EQ(without(offered, gap->left_out), decoded) << client.name;
      for (const std::uint16_t code : gap->left_out) {
        EXPECT_NE(std::find(offered.begin(), offered.end(), code), offered.end())
            << client.name << " offers " << config::group_name(code);
      }
    }
    // SSL Labs' decoding and the log agree on who offers a post-quantum group.
    decoded_pq += config::offers_post_quantum(decoded) ? 1 : 0;
    mlkem +=
        std::find(offered.begin(), offered.end(), config::group::kX25519MLKEM768) != offered.end()
            ? 1
            : 0;
    EXPECT_EQ(line["offered_groups_total"], offered.size()) << client.name;
    EXPECT_EQ(line["pq_offered"], config::offers_post_quantum(offered)) << client.name;
    pq += line["pq_offered"].get<bool>() ? 1 : 0;
    // What the wire chose is what the server's preference among its groups gives.
    const WireAnswer& answer = observed.answers[i];
    std::string observe_group = "-";
    if (answer.kind == WireAnswer::Kind::server_hello) {
      const bool tls13 = answer.version >= TLS1_3_VERSION;
      const bool ecdhe = tls13 || (answer.cipher >> 8) == 0xc0 || (answer.cipher >> 8) == 0xcc;
      const auto& server = line["legacy"].get<bool>() ? everything : defaults;
      EXPECT_EQ(answer.group, ecdhe ? config::preferred_group(offered, server) : 0)
          << client.name << ": " << describe(answer);
      observe_group = answer.group == 0 ? "none (RSA)" : config::group_name(answer.group);
    }
    const WireAnswer& strict = enforced.answers[i];
    std::string enforce_group = describe(strict);
    if (strict.kind == WireAnswer::Kind::server_hello) {
      ++served_at_enforce;
      enforce_group = strict.group == 0 ? "none (RSA)" : config::group_name(strict.group);
      EXPECT_EQ(strict.group, config::preferred_group(offered, defaults)) << client.name;
    } else if (strict.kind == WireAnswer::Kind::alert) {
      enforce_group = "refused (" + enforced.lines[i]["refused_by"].get<std::string>() + ")";
    }
    std::printf("%-32s %-6s %-3s %-12s %-12s %-44s %s\n", client.name.c_str(),
                line["highest_offered"].get<std::string>().c_str(),
                line["pq_offered"].get<bool>() ? "yes" : "no", observe_group.c_str(),
                enforce_group.c_str(), names_of(shares).c_str(), names_of(offered).c_str());
  }
  std::printf(
      "PQ readiness of %zu clients: %zu offer X25519MLKEM768, %zu another post-quantum group, %zu "
      "classical key exchange only; %zu are served at enforce\n",
      observed.clients.size(), mlkem, pq - mlkem, observed.clients.size() - pq, served_at_enforce);
  EXPECT_EQ(observed.clients.size(), 162u) << "testssl.sh's client simulation data changed";
  EXPECT_EQ(gaps_seen, decoding_gaps().size());
  EXPECT_EQ(pq, decoded_pq);
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
