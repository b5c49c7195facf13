#include "metrics/report/log_line.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/metrics/report/report_test_log.h"

namespace tlsfloor::report {
namespace {

using namespace test_log;  // the shared log, its helpers and their using-declarations

TEST(HandshakeReportParse, ReadsTheFieldsTheProxyWrites) {
  const std::string line = log_line("2001:db8::7", kTls1_1, 42, kJa4B, "api.example", "edge");
  const ParsedLine parsed = parse_handshake_line(line);
  ASSERT_TRUE(parsed.record) << parsed.error;
  EXPECT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.record->time, at(42));
  EXPECT_EQ(parsed.record->listener, "edge");
  EXPECT_EQ(parsed.record->client, config::parse_address("2001:db8::7").value());
  EXPECT_EQ(parsed.record->highest_offered, kTls1_1);
  EXPECT_EQ(parsed.record->server_name, "api.example");
  EXPECT_EQ(parsed.record->ja4, kJa4B);
}

TEST(HandshakeReportParse, ReadsWhatHappenedToTheHandshake) {
  const auto record_of = [](const std::optional<Fate>& fate) {
    return parse_handshake_line(
               log_line("192.0.2.1", kTls1_0, 0, kJa4A, "", "api", "default", fate))
        .record.value();
  };
  const HandshakeRecord refused = record_of(std::nullopt);
  EXPECT_EQ(refused.decision, Decision::refused);
  EXPECT_TRUE(refused.failed);
  EXPECT_EQ(refused.failure, "unsupported_version");
  const HandshakeRecord let_in = record_of(kLetIn);
  EXPECT_EQ(let_in.decision, Decision::let_in);
  EXPECT_FALSE(let_in.failed);
  EXPECT_EQ(let_in.failure, "");
  EXPECT_EQ(record_of(kExempt).decision, Decision::exempt);
  EXPECT_EQ(record_of(kBrownout).decision, Decision::brownout);
  const HandshakeRecord closed = record_of(kLetInButClosed);
  EXPECT_EQ(closed.decision, Decision::let_in);
  EXPECT_TRUE(closed.failed) << "let in, but its handshake did not complete";
  // An older log without these keys: let in, and served.
  const ParsedLine old = parse_handshake_line(
      R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
      R"("highest_offered":"TLS1.0","sni":null,"ja4":""})");
  ASSERT_TRUE(old.record) << old.error;
  EXPECT_EQ(old.record->decision, Decision::let_in);
  EXPECT_FALSE(old.record->failed);
  // Present, they must be strings (or null).
  EXPECT_EQ(parse_handshake_line(
                R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
                R"("highest_offered":"TLS1.0","sni":null,"ja4":"","decision":7})")
                .error,
            "\"decision\" is 7, not a string");
}

// client_auth: the subject of a certificate that verified is read; one refused, or a line
// without a certificate, names none; anything but an object or null is malformed.
TEST(HandshakeReportParse, ReadsTheVerifiedClientCertificateSubject) {
  const auto with_certificate = [](const nlohmann::json& certificate) {
    nlohmann::json line = nlohmann::json::parse(log_line("192.0.2.1", kTls1_0, 0, kJa4A));
    line["client_certificate"] = certificate;
    return parse_handshake_line(line.dump());
  };
  const ParsedLine verified =
      with_certificate({{"result", "verified"}, {"subject", "CN=partner,O=Example"}});
  ASSERT_TRUE(verified.record) << verified.error;
  EXPECT_EQ(verified.record->certificate_subject, "CN=partner,O=Example");
  const ParsedLine revoked =
      with_certificate({{"result", "revoked"}, {"subject", "CN=partner,O=Example"}});
  ASSERT_TRUE(revoked.record) << revoked.error;
  EXPECT_EQ(revoked.record->certificate_subject, "");
  const ParsedLine absent = with_certificate({{"result", "absent"}, {"subject", nullptr}});
  ASSERT_TRUE(absent.record) << absent.error;
  EXPECT_EQ(absent.record->certificate_subject, "");
  const ParsedLine none = with_certificate(nullptr);
  ASSERT_TRUE(none.record) << none.error;
  EXPECT_EQ(none.record->certificate_subject, "");
  EXPECT_EQ(with_certificate("CN=partner").error,
            "\"client_certificate\" is not an object or null");
  EXPECT_EQ(with_certificate({{"subject", "CN=partner"}}).error,
            "\"client_certificate\": no \"result\" key");
}

TEST(HandshakeReportParse, NullSniIsEmptyAndEveryVersionLabelIsRead) {
  const std::vector<std::pair<std::uint16_t, std::string>> versions = {
      {kUnknown, "unknown"}, {kSsl3_0, "SSL3.0"}, {kTls1_0, "TLS1.0"},
      {kTls1_1, "TLS1.1"},   {kTls1_2, "TLS1.2"}, {kTls1_3, "TLS1.3"}};
  for (const auto& [wire, label] : versions) {
    const std::string line = log_line("192.0.2.1", wire, 0, kJa4A);
    ASSERT_NE(line.find("\"highest_offered\":\"" + label + "\""), std::string::npos) << line;
    const ParsedLine parsed = parse_handshake_line(line);
    ASSERT_TRUE(parsed.record) << parsed.error;
    EXPECT_EQ(parsed.record->highest_offered, wire) << label;
    EXPECT_EQ(parsed.record->server_name, "");
  }
}

TEST(HandshakeReportParse, OnlyTheKeysTheReportUsesAreRequired) {
  const ParsedLine parsed = parse_handshake_line(
      R"({"time":"2026-11-22T10:00:01+01:00","listener":"api","client":"192.0.2.1",)"
      R"("highest_offered":"TLS1.0","sni":null,"ja4":"","extra":[1,2]})");
  ASSERT_TRUE(parsed.record) << parsed.error;
  EXPECT_EQ(parsed.record->time, at(1) - hours{1});  // the offset is applied
  EXPECT_EQ(parsed.record->ja4, "");
}

TEST(HandshakeReportParse, SaysWhyALineIsMalformed) {
  const std::string valid_rest =
      R"("listener":"api","client":"192.0.2.1","highest_offered":"TLS1.0","sni":null,"ja4":"x")";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json at all", "not JSON (syntax error at byte 2)"},  // "no" is not "null"
      {"x", "not JSON (syntax error at byte 1)"},
      {R"({"time":)", "not JSON (syntax error at byte 9)"},
      {"[1,2]", "not a JSON object"},
      {"{" + valid_rest + "}", R"(no "time" key)"},
      {R"({"time":12,)" + valid_rest + "}", R"("time" is 12, not a string)"},
      {R"({"time":"yesterday",)" + valid_rest + "}",
       R"("time" is "yesterday", not an RFC 3339 timestamp)"},
      {R"({"time":"2026-11-22T10:00:00",)" + valid_rest + "}",
       R"("time" is "2026-11-22T10:00:00", not an RFC 3339 timestamp)"},
      {R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"host:443",)"
       R"("highest_offered":"TLS1.0","sni":null,"ja4":"x"})",
       R"("client" is "host:443", not an IP address)"},
      {R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
       R"("highest_offered":"TLS1.4","sni":null,"ja4":"x"})",
       R"("highest_offered" is "TLS1.4", not SSL3.0, TLS1.0 .. TLS1.3 or unknown)"},
      {R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
       R"("highest_offered":"TLS1.0","sni":5,"ja4":"x"})",
       R"("sni" is 5, not a string)"},
      {R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
       R"("highest_offered":"TLS1.0","sni":null,"ja4":null})",
       R"("ja4" is null, not a string)"},
      {R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
       R"("highest_offered":"TLS1.0","sni":null})",
       R"(no "ja4" key)"},
  };
  for (const auto& [line, reason] : cases) {
    const ParsedLine parsed = parse_handshake_line(line);
    EXPECT_FALSE(parsed.record) << line;
    EXPECT_EQ(parsed.error, reason) << line;
  }
}

TEST(HandshakeReportParse, QuotedValuesAreAsciiAndShort) {
  const ParsedLine parsed = parse_handshake_line(
      R"({"time":"\u001b[2J\u00e9)" + std::string(100, 'x') +
      R"(","listener":"api","client":"192.0.2.1","highest_offered":"TLS1.0","sni":null,"ja4":""})");
  ASSERT_FALSE(parsed.record);
  EXPECT_EQ(parsed.error, R"("time" is "\u001b[2J\u00e9)" + std::string(64 - 16, 'x') +
                              "..., not an RFC 3339 timestamp");
}

TEST(HandshakeReportParse, FindingsOfTheFuzzerAreRejectedNotFatal) {
  // A number beyond a double made nlohmann throw out_of_range past the parse_error handler.
  const ParsedLine huge = parse_handshake_line(R"({"tri":2e2062i.s)");
  EXPECT_FALSE(huge.record.has_value());
  EXPECT_EQ(huge.error, "not JSON (a number out of range)");
  // A year a timestamp cannot hold overflowed the nanosecond count.
  std::string line = log_line("192.0.2.10", kTls1_0, 0, kJa4A);
  line.replace(line.find("\"time\":\"2026"), 12, "\"time\":\"0026");
  const ParsedLine ancient = parse_handshake_line(line.substr(0, line.size() - 1));
  EXPECT_FALSE(ancient.record.has_value());
  EXPECT_NE(ancient.error.find("not an RFC 3339 timestamp"), std::string::npos) << ancient.error;
}

}  // namespace
}  // namespace tlsfloor::report
