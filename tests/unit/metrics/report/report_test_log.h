#pragma once
// A small handshake log shared by the report's tests: lines as the proxy writes them, and
// helpers to read the report's rows.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/tls_version.h"
#include "metrics/handshake_log/handshake_event.h"
#include "metrics/report/handshake_report.h"

namespace tlsfloor::report::test_log {

using namespace std::chrono;
using nlohmann::ordered_json;

using handshake_log::HandshakeEvent;
using handshake_log::to_json_line;
using namespace config::wire;
inline constexpr std::uint16_t kUnknown = 0;  // highest_offered "unknown"

inline const std::string kJa4A = "t10d1310h1_a8d2b5cbd1b5_0aa7a8b4ac2b";
inline const std::string kJa4B = "t11d0912h1_5f2b7a6dbd6c_1e1c3f0e4b2a";
inline const std::string kJa4C = "t12d1516h2_8daaf6152771_02713d6af862";
inline const std::string kJa4D = "t13d1516h2_8daaf6152771_e5627efa2ab1";

// 2026-11-22T10:00:00Z plus `offset` seconds.
inline config::Timestamp at(int offset) {
  return sys_days{year{2026} / 11 / 22} + hours{10} + seconds{offset};
}

inline std::string at_text(int offset) { return config::format_timestamp(at(offset)); }

// A line as the proxy writes it (handshake_log::to_json_line), so the parser is tested against the
// writer rather than against hand-typed JSON.
// What happened to the handshake, as the proxy logs it. By default a legacy client is refused
// (unsupported_version), and any other accepted.
struct Fate {
  std::string decision;
  std::string outcome;
  std::string failure;
};
inline const Fate kLetIn{"would_reject", "accepted", ""};
inline const Fate kExempt{"allowed_exception", "accepted", ""};
inline const Fate kBrownout{"rejected_brownout", "rejected", "unsupported_version"};
inline const Fate kLetInButClosed{"would_reject", "failed", "closed"};

inline std::string log_line(const std::string& client, std::uint16_t highest_offered, int offset,
                            const std::string& ja4, const std::string& server_name = "",
                            const std::string& listener = "api",
                            const std::string& route = "default",
                            const std::optional<Fate>& fate = std::nullopt) {
  HandshakeEvent event;
  event.time = at(offset);
  event.listener = listener;
  event.route = route;
  event.client_address = client;
  event.client_port = 40000;
  if (highest_offered != kUnknown) event.offered_versions = {highest_offered};
  event.highest_offered = highest_offered;
  event.server_name = server_name;
  event.alpn = {"http/1.1"};
  event.ja3 = "0123456789abcdef0123456789abcdef";
  event.ja4 = ja4;
  event.legacy = highest_offered < kTls1_2;
  event.below_version = event.legacy;
  const Fate refused{"rejected", "rejected", "unsupported_version"};
  const Fate allowed{"allowed", "accepted", ""};
  const Fate& what = fate ? *fate : event.legacy ? refused : allowed;
  event.decision = what.decision;
  event.outcome = what.outcome;
  event.failure = what.failure;
  if (what.decision == "rejected" || what.decision == "rejected_brownout") {
    event.refused_by = "version";
  }
  event.reason = "test";
  return to_json_line(event);
}

// Ten handshakes: four IPv4 clients (one of them also as an IPv4-mapped IPv6 address), two
// IPv6 clients in one /64, every version, four JA4s and one hello without a fingerprint.
inline const std::vector<std::string> kLog = {
    log_line("192.0.2.10", kTls1_0, 0, kJa4A, "a.example"),
    log_line("192.0.2.10", kTls1_1, 10, kJa4A, "b.example"),
    log_line("192.0.2.10", kTls1_0, 20, kJa4B, "a.example", "partners"),
    log_line("192.0.2.77", kTls1_0, 5, kJa4A),
    log_line("2001:db8::1", kSsl3_0, 30, kJa4B, "c.example"),
    log_line("2001:db8::2", kUnknown, 40, ""),
    log_line("198.51.100.1", kTls1_2, 50, kJa4C, "d.example"),
    log_line("198.51.100.1", kTls1_3, 60, kJa4D, "d.example"),
    log_line("203.0.113.5", kTls1_2, -100, kJa4C),
    log_line("::ffff:192.0.2.77", kTls1_1, 70, kJa4A),
};

inline HandshakeReport report_of(const std::vector<std::string>& lines,
                                 HandshakeReport::Settings settings = {}) {
  HandshakeReport report(settings);
  for (const std::string& line : lines) {
    ParsedLine parsed = parse_handshake_line(line.substr(0, line.size() - 1));  // no '\n'
    EXPECT_TRUE(parsed.record) << line << ": " << parsed.error;
    if (parsed.record) report.add(*parsed.record);
  }
  return report;
}

inline HandshakeReport::Settings floor_at(config::TlsVersion floor, unsigned ipv4_prefix = 32,
                                          unsigned ipv6_prefix = 128) {
  HandshakeReport::Settings settings;
  settings.floor = floor;
  settings.ipv4_prefix = ipv4_prefix;
  settings.ipv6_prefix = ipv6_prefix;
  return settings;
}

inline std::vector<std::string> client_texts(const HandshakeReport& report) {
  std::vector<std::string> texts;
  for (const ClientRow* row : report.clients()) texts.push_back(row->client_text);
  return texts;
}

inline std::vector<std::string> fingerprint_texts(const HandshakeReport& report) {
  std::vector<std::string> texts;
  for (const FingerprintRow* row : report.fingerprints()) texts.push_back(row->ja4);
  return texts;
}

using Strings = std::vector<std::string>;

}  // namespace tlsfloor::report::test_log
