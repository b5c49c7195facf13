// Writes a realistic handshake log for `tlsfloor report`'s benchmark (tests/bench/report_bench.py):
// N lines made by the proxy's own line writer (handshake_log::to_json_line), from client
// profiles as a busy edge sees them (current browsers, older Java and Android, curl and OpenSSL
// 1.0 scripts, embedded TLS 1.0 devices, scanners), with varied clients, times, server names,
// fingerprints, decisions, outcomes and failures, spread over several replicas (`host`).
// Deterministic for a given --seed.
//
//   handshake_log_gen [--lines 2000000] [--hosts 4] [--clients 200000] [--seed 1]
//                     [--start 2026-11-22T00:00:00Z] [--seconds 86400] [--out FILE]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "config/timestamp.h"
#include "metrics/handshake_log/handshake_event.h"

namespace {

using tlsfloor::handshake_log::HandshakeEvent;

struct Profile {
  const char* name;
  unsigned weight;  // relative share of the handshakes
  std::vector<std::uint16_t> versions;
  std::vector<std::uint16_t> ciphers;
  const char* ja3;
  const char* ja4;
  std::vector<std::string> alpn;
};

// Suites as the clients of each kind offer them (IANA codes, client order).
const std::vector<std::uint16_t> kBrowserSuites = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                                   0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                                                   0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
const std::vector<std::uint16_t> kJava8Suites = {
    0xc02c, 0xc02b, 0xc030, 0x009d, 0xc02e, 0xc032, 0x009f, 0x00a3, 0xc02f, 0x009c, 0xc02d,
    0xc031, 0x009e, 0x00a2, 0xc024, 0xc028, 0x003d, 0xc026, 0xc02a, 0x006b, 0x006a, 0xc00a,
    0xc014, 0x0035, 0xc005, 0xc00f, 0x0039, 0x0038, 0xc023, 0xc027, 0x003c, 0xc025, 0xc029,
    0x0067, 0x0040, 0xc009, 0xc013, 0x002f, 0xc004, 0xc00e, 0x0033, 0x0032, 0x00ff};
const std::vector<std::uint16_t> kOpenSsl10Suites = {
    0xc014, 0xc00a, 0x0039, 0x0038, 0x0088, 0x0087, 0xc00f, 0xc005, 0x0035, 0x0084, 0xc012,
    0xc008, 0x0016, 0x0013, 0xc00d, 0xc003, 0x000a, 0xc013, 0xc009, 0x0033, 0x0032, 0x009a,
    0x0099, 0x0045, 0x0044, 0xc00e, 0xc004, 0x002f, 0x0096, 0x0041, 0x0007, 0xc011, 0xc007,
    0xc00c, 0xc002, 0x0005, 0x0004, 0x0015, 0x0012, 0x0009, 0x00ff};
const std::vector<std::uint16_t> kEmbeddedSuites = {0x002f, 0x0035, 0x000a, 0x0005, 0x0004};

const std::vector<Profile> kProfiles = {
    {"chrome",
     40,
     {0x0304, 0x0303},
     kBrowserSuites,
     "cd08e31494f9531f560d64c695473da9",
     "t13d1516h2_8daaf6152771_02713d6af862",
     {"h2", "http/1.1"}},
    {"firefox",
     15,
     {0x0304, 0x0303},
     kBrowserSuites,
     "579ccef312d18482fc42e2b822ca2430",
     "t13d1715h2_5b57614c22b0_3d5424432f57",
     {"h2", "http/1.1"}},
    {"safari",
     10,
     {0x0304, 0x0303, 0x0302, 0x0301},
     kBrowserSuites,
     "773906b0efdefa24a7f2b8eb6985bf37",
     "t13d2014h2_a09f3c656075_14788d8d241b",
     {"h2", "http/1.1"}},
    {"okhttp",
     8,
     {0x0304, 0x0303},
     kBrowserSuites,
     "f79b6bad2ad0641e1921aef10262856b",
     "t13d1312h2_f57a46bbacb6_e7c285222651",
     {"h2", "http/1.1"}},
    {"java8",
     9,
     {0x0303},
     kJava8Suites,
     "2db6873021f2a95daa7de0d93a1d1bf2",
     "t12d4306h1_5f2b7a6dbd6c_1e1c3f0e4b2a",
     {"http/1.1"}},
    {"go",
     6,
     {0x0304, 0x0303},
     kBrowserSuites,
     "473cd7cb9faa642487833865d516e578",
     "t13d1312h1_f57a46bbacb6_9e7a5d3bb2f0",
     {"http/1.1"}},
    {"openssl-1.0",
     5,
     {0x0301},
     kOpenSsl10Suites,
     "de350869b8c85de67a350c8d186f11e6",
     "t10d4100_a8d2b5cbd1b5_0aa7a8b4ac2b",
     {}},
    {"android-4",
     3,
     {0x0302},
     kOpenSsl10Suites,
     "fbcb81e5a1c7d3d5fe6e1bbbd3b80b8b",
     "t11d2209h1_7d8f0e2c2f4e_2c5b9bd2c1a4",
     {"http/1.1"}},
    {"embedded",
     2,
     {0x0301},
     kEmbeddedSuites,
     "1d095e68489d3c535297cd8dffb06cb9",
     "t10d050000_0f2cb44170f4_000000000000",
     {}},
    {"scanner-ssl3",
     1,
     {0x0300},
     kEmbeddedSuites,
     "e3b0c44298fc1c149afbf4c8996fb924",
     "t00d0500_0f2cb44170f4_000000000000",
     {}},
    {"unreadable", 1, {}, {}, "", "", {}},
};

const std::vector<std::string> kServerNames = {"api.example.com",
                                               "www.example.com",
                                               "shop.example.com",
                                               "legacy.example.com",
                                               "pay.example.com",
                                               "cdn.example.com",
                                               "auth.example.com",
                                               "partners.example.net",
                                               "static.example.com",
                                               "m.example.com",
                                               "",
                                               "mail.example.org",
                                               "status.example.com",
                                               "images.example.com"};
const std::vector<std::string> kListeners = {"api", "api", "api", "web", "web", "partners"};
const std::vector<std::string> kFailures = {"closed", "timeout", "no_shared_cipher",
                                            "bad_certificate", "reset"};

struct Options {
  std::uint64_t lines = 2'000'000;
  unsigned hosts = 4;
  std::uint32_t clients = 200'000;
  std::uint64_t seed = 1;
  std::string start = "2026-11-22T00:00:00Z";
  std::uint64_t seconds = 86'400;
  std::string out;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: handshake_log_gen [--lines N] [--hosts N] [--clients N] [--seed N] "
               "[--start RFC3339] [--seconds N] [--out FILE]\n");
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) usage();
    const char* value = argv[++i];
    if (arg == "--lines") {
      options.lines = std::strtoull(value, nullptr, 10);
    } else if (arg == "--hosts") {
      options.hosts = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
    } else if (arg == "--clients") {
      options.clients = static_cast<std::uint32_t>(std::strtoul(value, nullptr, 10));
    } else if (arg == "--seed") {
      options.seed = std::strtoull(value, nullptr, 10);
    } else if (arg == "--start") {
      options.start = value;
    } else if (arg == "--seconds") {
      options.seconds = std::strtoull(value, nullptr, 10);
    } else if (arg == "--out") {
      options.out = value;
    } else {
      usage();
    }
  }
  if (options.hosts == 0 || options.clients == 0 || options.seconds == 0) usage();
  return options;
}

// Client `n` as an address: most IPv4, one in eight IPv6 (in a few /64s).
std::string client_address(std::uint32_t n) {
  char text[48];
  if (n % 8 == 7) {
    std::snprintf(text, sizeof text, "2001:db8:%x:%x::%x", (n >> 16) & 0xff, (n >> 8) & 0xf,
                  n & 0xffff);
  } else {
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", 198 - (n % 3) * 5, 51 + (n >> 16) % 200,
                  (n >> 8) & 0xff, n & 0xff);
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  const auto start = tlsfloor::config::parse_timestamp(options.start);
  if (!start) usage();
  std::FILE* out = options.out.empty() ? stdout : std::fopen(options.out.c_str(), "w");
  if (out == nullptr) {
    std::perror(options.out.c_str());
    return 1;
  }
  std::mt19937_64 random(options.seed);
  std::vector<unsigned> weights;
  for (const Profile& profile : kProfiles) weights.push_back(profile.weight);
  std::discrete_distribution<std::size_t> pick_profile(weights.begin(), weights.end());
  // Clients are skewed as real ones are: a few heavy, a long tail.
  std::geometric_distribution<std::uint32_t> pick_heavy(0.02);
  std::uniform_int_distribution<std::uint32_t> pick_any(0, options.clients - 1);
  std::uniform_int_distribution<int> percent(0, 99);

  std::vector<std::string> hosts;
  for (unsigned h = 0; h < options.hosts; ++h) hosts.push_back("edge-" + std::to_string(h + 1));
  // Each replica writes its lines in time order; the replicas' lines interleave.
  const std::uint64_t step_ms = options.seconds * 1000 / std::max<std::uint64_t>(1, options.lines);
  std::vector<std::uint64_t> host_ms(options.hosts, 0);

  HandshakeEvent event;
  std::string buffer;
  for (std::uint64_t i = 0; i < options.lines; ++i) {
    const unsigned h = static_cast<unsigned>(random() % options.hosts);
    host_ms[h] += 1 + random() % (2 * step_ms * options.hosts + 1);
    const Profile& profile = kProfiles[pick_profile(random)];
    const std::uint32_t client =
        percent(random) < 30 ? pick_heavy(random) % options.clients : pick_any(random);
    event = HandshakeEvent{};
    event.time = *start + std::chrono::milliseconds(host_ms[h]);
    event.host = hosts[h];
    event.listener = kListeners[(client + i % 3) % kListeners.size()];
    event.route = event.listener == "web" && client % 4 == 0 ? "legacy" : "default";
    event.client_address = client_address(client);
    event.client_port = static_cast<std::uint16_t>(1024 + random() % 64000);
    if (client % 97 == 0) event.balancer = "10.0.0." + std::to_string(1 + client % 4) + ":40000";
    event.offered_versions = profile.versions;
    event.highest_offered = profile.versions.empty() ? 0 : profile.versions.front();
    event.offered_ciphers = profile.ciphers;
    event.server_name = kServerNames[(client * 7 + i % 2) % kServerNames.size()];
    event.alpn = profile.alpn;
    event.alpn_offered = profile.alpn.size();
    event.ja3 = profile.ja3;
    event.ja4 = profile.ja4;
    const bool legacy = event.highest_offered < 0x0303;
    event.legacy = legacy;
    event.below_version = legacy;
    const int roll = percent(random);
    if (legacy) {
      // Observed listeners let legacy clients in; enforced ones refuse them, some exempted.
      if (event.listener == "partners" && roll < 60) {
        event.decision = "allowed_exception";
      } else if (event.listener == "api" && roll < 50) {
        event.decision = roll < 5 ? "rejected_brownout" : "rejected";
      } else {
        event.decision = "would_reject";
      }
      event.reason = event.highest_offered == 0 ? "no_known_version" : "below_floor_observed";
    } else {
      event.decision = "allowed";
      event.reason = "meets_floor";
    }
    if (event.decision == "rejected" || event.decision == "rejected_brownout") {
      event.outcome = "rejected";
      event.refused_by = "version";
      event.failure = "unsupported_version";
      event.reason = "below_floor_enforced";
    } else if (roll >= 97) {
      event.outcome = "failed";
      event.failure = kFailures[random() % kFailures.size()];
    } else {
      event.outcome = "accepted";
      event.negotiated_version = event.highest_offered;
      event.cipher = legacy ? "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" : "TLS_AES_128_GCM_SHA256";
      event.certificate = roll % 3 == 0 ? "RSA2048" : "EC256";
      if (!profile.alpn.empty()) event.alpn_selected = profile.alpn.front();
      event.resumed = roll % 4 != 0;
    }
    buffer += tlsfloor::handshake_log::to_json_line(event);
    if (buffer.size() >= (1 << 20)) {
      std::fwrite(buffer.data(), 1, buffer.size(), out);
      buffer.clear();
    }
  }
  std::fwrite(buffer.data(), 1, buffer.size(), out);
  if (std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0)) {
    std::perror("write");
    return 1;
  }
  return 0;
}
