#include "metrics/report/log_line_fast.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/unit/metrics/report/report_test_log.h"

namespace tlsfloor::report {
namespace {

using namespace test_log;  // the shared log, its helpers and their using-declarations

std::string without_newline(const std::string& line) {
  return line.empty() || line.back() != '\n' ? line : line.substr(0, line.size() - 1);
}

// A line as the proxy's writer makes it, with its host named.
std::string hosted(const std::string& line, const std::string& host = "edge-1") {
  std::string text = without_newline(line);
  const std::string null_host = "\"host\":null";
  return text.replace(text.find(null_host), null_host.size(), "\"host\":\"" + host + "\"");
}

// Valid lines of every shape the report's tests use.
std::vector<std::string> valid_lines() {
  std::vector<std::string> lines;
  for (const std::string& line : kLog) {
    lines.push_back(without_newline(line));
    lines.push_back(hosted(line));
  }
  for (const auto& fate : {kLetIn, kExempt, kBrownout, kLetInButClosed}) {
    lines.push_back(without_newline(
        log_line("192.0.2.1", kTls1_0, 0, kJa4A, "a.example", "api", "legacy", fate)));
  }
  for (const std::uint16_t version : {kUnknown, kSsl3_0, kTls1_0, kTls1_1, kTls1_2, kTls1_3}) {
    lines.push_back(hosted(log_line("2001:db8::7", version, 42, kJa4B, "api.example", "edge")));
  }
  // What a tlsfloor with groups and client certificates writes besides: the key exchange, what
  // was negotiated, and the client certificate (verified, or not).
  const std::string minimal =
      R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.3",)"
      R"("highest_offered":"TLS1.3","sni":null,"ja4":"t13d")";
  lines.push_back(minimal +
                  R"(,"negotiated_version":"TLS1.3","cipher":"TLS_AES_128_GCM_SHA256",)"
                  R"("group":"X25519","offered_groups":["X25519MLKEM768","X25519","0x1234"],)"
                  R"("key_share_groups":["X25519MLKEM768"],"pq_offered":true,)"
                  R"("certificate":"EC256","upstream_version":"TLS1.2",)"
                  R"("upstream_cipher":"ECDHE-RSA-AES128-GCM-SHA256",)"
                  R"("client_certificate":{"result":"verified","subject":"CN=pos-7",)"
                  R"("issuer":"CN=ca","serial":"01","sha256":"ab","not_after":null}})");
  lines.push_back(minimal + R"(,"negotiated_version":null,"cipher":null,"group":null,)"
                            R"("offered_groups":[],"key_share_groups":[],"certificate":null,)"
                            R"("client_certificate":{"result":"untrusted","subject":"CN=x"}})");
  lines.push_back(minimal + R"(,"offered_groups":["P-256"],"client_certificate":null})");
  lines.push_back(minimal + R"(,"key_share_groups":["X25519"],"pq_offered":false})");
  lines.push_back(minimal + R"(,"client_certificate":{"result":"absent","subject":null}})");
  const std::string old_line =
      R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
      R"("highest_offered":"TLS1.0","sni":null,"ja4":""})";
  lines.push_back(old_line);
  lines.push_back(R"({"time":"2026-11-22T10:00:01+01:00","listener":"api","client":"192.0.2.1",)"
                  R"("highest_offered":"TLS1.0","sni":null,"ja4":"","extra":[1,2,{"a":[]}]})");
  lines.push_back(R"({"time":"2026-11-22T10:00:00Z","host":null,"listener":"api",)"
                  R"("client":"::ffff:192.0.2.1","highest_offered":"unknown","sni":"x",)"
                  R"("ja4":"","offered_ciphers":[],"decision":null,"outcome":null,)"
                  R"("failure":null,"route":"r"})");
  lines.push_back(R"({"time":"2026-11-22T10:00:00Z","listener":"api","client":"192.0.2.1",)"
                  R"("highest_offered":"TLS1.2","sni":"\u00e9.example","ja4":"",)"
                  R"("offered_ciphers":["C02F","00ff"]})");
  lines.push_back("  \t" + old_line + " \r");
  // A later tlsfloor's line, with keys this one does not know, in another order.
  lines.push_back(R"({"ja4":"x","sni":null,"highest_offered":"TLS1.1","future":{"a":[1,-2,0]},)"
                  R"("client":"192.0.2.9","listener":"l","time":"2026-11-22T10:00:00.5Z",)"
                  R"("family":"curl","owner":null,"score":7})");
  return lines;
}

// Lines each reader must refuse, or read, exactly alike: malformed, odd and hostile.
std::vector<std::string> odd_lines() {
  const std::string base = hosted(kLog[0]);
  const std::string valid_rest =
      R"("listener":"api","client":"192.0.2.1","highest_offered":"TLS1.0","sni":null,"ja4":"x")";
  const auto with = [&](const std::string& extra) {
    return "{" + valid_rest + ",\"time\":\"2026-11-22T10:00:00Z\"," + extra + "}";
  };
  std::vector<std::string> lines = {
      "",
      "x",
      "not json at all",
      "{",
      "}",
      "[1,2]",
      "null",
      "\"text\"",
      "17",
      "{}",
      R"({"time":)",
      "{" + valid_rest + "}",
      R"({"time":12,)" + valid_rest + "}",
      R"({"time":"yesterday",)" + valid_rest + "}",
      R"({"time":"2026-11-22T10:00:00",)" + valid_rest + "}",
      R"({"tri":2e2062i.s)",
      base + " x",
      base + "{}",
      base + ",",
      base + "\x01",
      "\xef\xbb\xbf" + base,
      with(R"("client_port":1e309)"),
      with(R"("client_port":-1e309)"),
      with(R"("client_port":1e-400)"),
      with(R"("client_port":2e308)"),
      with(R"("client_port":1.7976931348623157e308)"),
      with(R"("client_port":1.7976931348623159e308)"),
      with(R"("client_port":18446744073709551616)"),
      with(R"("client_port":18446744073709551615)"),
      with(R"("client_port":-9223372036854775809)"),
      with(R"("client_port":-9223372036854775808)"),
      with(R"("client_port":-0)"),
      with(R"("client_port":01)"),
      with(R"("client_port":1.)"),
      with(R"("client_port":.5)"),
      with(R"("client_port":+1)"),
      with(R"("client_port":NaN)"),
      with(R"("client_port":Infinity)"),
      with(R"("client_port":0.5)"),
      with(R"("client_port":tru)"),
      with(R"("client_port":nul)"),
      with(R"("client_port":truex)"),
      with(R"("a":[1 2])"),
      with(R"("a":[,])"),
      with(R"("a":[1,])"),
      with(R"("a":{"b" 1})"),
      with(R"("a":{"b":1,})"),
      with(R"("a":{1:2})"),
      with(R"("":1)"),
      with(R"("Time":1)"),
      with(R"("time":"2026-11-22T10:00:01Z")"),
      with(R"("sni":5)"),
      with(R"("sni":"a")"),
      with(R"("ti\u006de":"2026-11-22T10:00:01Z")"),
      with(R"("x":"\ud800")"),
      with(R"("x":"\udc00")"),
      with(R"("x":"\ud800\udc00")"),
      with(R"("x":"\u0000")"),
      with(R"("x":"\q")"),
      with(R"("x":"\u12")"),
      with("\"x\":\"a\tb\""),
      with("\"x\":\"a\x7f\""),
      with("\"x\":\"\xc0\x80\""),
      with("\"x\":\"\xed\xa0\x80\""),
      with("\"x\":\"\xf4\x90\x80\x80\""),
      with("\"x\":\"\xe2\x82\""),
      with("\"x\":\"\xff\""),
      with("\"x\":\"\xf0\x9f\x98\x80\""),
      with("\"x\":\"\x00\""),
      with(R"("route":null)"),
      with(R"("route":5)"),
      with(R"("host":5)"),
      with(R"("host":"")"),
      with(R"("host":[])"),
      with(R"("decision":7)"),
      with(R"("outcome":{})"),
      with(R"("failure":true)"),
      with(R"("decision":"rejected","outcome":"accepted")"),
      with(R"("offered_ciphers":"c02f")"),
      with(R"("offered_ciphers":["c02f",1])"),
      with(R"("offered_ciphers":["c02"])"),
      with(R"("offered_ciphers":["c02fx"])"),
      with(R"("offered_ciphers":["g02f"])"),
      with(R"("offered_ciphers":null)"),
      with(R"("offered_ciphers":[])"),
      with(R"("host":"a","host":"b")"),
      with(R"("offered_groups":"X25519")"),
      with(R"("offered_groups":["X25519",1])"),
      with(R"("offered_groups":["NoSuchGroup"])"),
      with(R"("offered_groups":null)"),
      with(R"("offered_groups":["X25519"],"offered_groups":["P-256"])"),
      with(R"("key_share_groups":{})"),
      with(R"("pq_offered":"yes")"),
      with(R"("pq_offered":null)"),
      with(R"("negotiated_version":"TLS9")"),
      with(R"("negotiated_version":"unknown")"),
      with(R"("negotiated_version":1)"),
      with(R"("upstream_version":"SSL3.0")"),
      with(R"("upstream_version":"TLS1.4")"),
      with(R"("group":7)"),
      with(R"("cipher":[])"),
      with(R"("client_certificate":"CN=x")"),
      with(R"("client_certificate":{})"),
      with(R"("client_certificate":{"result":null,"subject":"CN=x"})"),
      with(R"("client_certificate":{"result":"verified"})"),
      with(R"("client_certificate":{"result":"verified","subject":5})"),
      with(R"("client_certificate":{"result":"verified","subject":"CN=a","subject":"CN=b"})"),
      with(R"("client_certificate":{"result":"verified","subject":"CN=a","serial":1e999})"),
      with(R"("a":1,"a":2)"),
      // A tlsfloor line with another schema's marker key is read as that schema (log_line_fuzz).
      with(R"("tlsfloor.listener":"api")"),
      with(R"("@timestamp":"2026-11-22T10:04:05.123Z")"),
      with("\"deep\":" + std::string(2000, '[') + std::string(2000, ']')),
      with("\"deep\":" + std::string(500, '[') + std::string(500, ']')),
      with("\"long\":\"" + std::string(kMaxFastLineLength, 'x') + "\""),
      with("\"host\":\"" + std::string(300, 'h') + "\""),
  };
  // Every cut of a real line, and every byte of it replaced by one that matters to a parser.
  for (std::size_t i = 0; i < base.size(); ++i) lines.push_back(base.substr(0, i));
  for (std::size_t i = 0; i < base.size(); ++i) {
    for (const char c : std::string("\"\\,:{}[] 0e\x1f\x80\xffx") + '\0') {
      std::string line = base;
      line[i] = c;
      lines.push_back(line);
    }
  }
  // The fuzzer's seeds.
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(TLSFLOOR_SOURCE_DIR) / "tests/fuzz/corpus/log_line")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    lines.push_back(without_newline(text.str()));
  }
  return lines;
}

void expect_same_record(const HandshakeRecord& exact, const HandshakeRecord& fast,
                        const std::string& line) {
  EXPECT_EQ(exact.time, fast.time) << line;
  EXPECT_EQ(exact.host, fast.host) << line;
  EXPECT_EQ(exact.listener, fast.listener) << line;
  EXPECT_EQ(exact.route, fast.route) << line;
  EXPECT_EQ(exact.client, fast.client) << line;
  EXPECT_EQ(exact.highest_offered, fast.highest_offered) << line;
  EXPECT_EQ(exact.server_name, fast.server_name) << line;
  EXPECT_EQ(exact.ja4, fast.ja4) << line;
  EXPECT_EQ(exact.offered_ciphers, fast.offered_ciphers) << line;
  EXPECT_EQ(exact.decision, fast.decision) << line;
  EXPECT_EQ(exact.failed, fast.failed) << line;
  EXPECT_EQ(exact.failure, fast.failure) << line;
  EXPECT_EQ(exact.family, fast.family) << line;
  EXPECT_EQ(exact.owner, fast.owner) << line;
  EXPECT_EQ(exact.certificate_subject, fast.certificate_subject) << line;
  EXPECT_EQ(exact.offered_groups, fast.offered_groups) << line;
  EXPECT_EQ(exact.key_share_groups, fast.key_share_groups) << line;
  EXPECT_EQ(exact.pq_offered, fast.pq_offered) << line;
  EXPECT_EQ(exact.negotiated_version, fast.negotiated_version) << line;
  EXPECT_EQ(exact.cipher, fast.cipher) << line;
  EXPECT_EQ(exact.group, fast.group) << line;
  EXPECT_EQ(exact.certificate, fast.certificate) << line;
  EXPECT_EQ(exact.upstream_version, fast.upstream_version) << line;
  EXPECT_EQ(exact.upstream_cipher, fast.upstream_cipher) << line;
}

// Both readers over `lines`: the same records and the same reasons, with one record reused
// from line to line as the report reuses it.
void expect_identical(const std::vector<std::string>& lines) {
  FastLineParser parser;
  HandshakeRecord reused;
  std::string error;
  std::string padded;
  for (const std::string& line : lines) {
    const ParsedLine exact = parse_handshake_line(line);
    const ParsedLine fast = parser.parse(line);
    ASSERT_EQ(exact.record.has_value(), fast.record.has_value()) << line;
    EXPECT_EQ(exact.error, fast.error) << line;
    if (exact.record) expect_same_record(*exact.record, *fast.record, line);
    // In place, followed by the next line as in a read buffer.
    padded = line + "\n" + kLog[1] + std::string(kLinePadding, '\xff');
    error.clear();
    const bool read =
        parser.parse_padded(std::string_view(padded.data(), line.size()), reused, error);
    ASSERT_EQ(read, exact.record.has_value()) << line;
    if (read) {
      expect_same_record(*exact.record, reused, line);
    } else {
      EXPECT_EQ(error, exact.error) << line;
    }
  }
}

TEST(FastLineParser, ReadsEveryValidLineAsTheExactReaderDoes) {
  const std::vector<std::string> lines = valid_lines();
  expect_identical(lines);
  // The writer's lines are read without the exact reader (only an escaped one needs it).
  FastLineParser parser;
  for (const std::string& line : lines) {
    const std::uint64_t before = parser.exact_fallbacks();
    EXPECT_TRUE(parser.parse(line).record) << line;
    const bool escaped = line.find('\\') != std::string::npos;
    EXPECT_EQ(parser.exact_fallbacks() - before, escaped ? 1u : 0u) << line;
  }
}

TEST(FastLineParser, RefusesAndReadsOddAndHostileLinesAsTheExactReaderDoes) {
  const std::vector<std::string> lines = odd_lines();
  ASSERT_GT(lines.size(), 5000u);
  expect_identical(lines);
}

TEST(FastLineParser, ALineBeyondItsBoundIsReadByTheExactReader) {
  FastLineParser parser;
  std::string line = hosted(kLog[0]);
  line.insert(1, "\"pad\":\"" + std::string(kMaxFastLineLength, 'p') + "\",");
  const ParsedLine parsed = parser.parse(line);
  ASSERT_TRUE(parsed.record) << parsed.error;
  EXPECT_EQ(parsed.record->host, "edge-1");
  EXPECT_EQ(parser.exact_fallbacks(), 1u);
  EXPECT_EQ(parse_handshake_line(line).record->host, "edge-1");
}

// The writer's family_confidence is a fraction: read fast, like every other line the writer
// makes. Numbers near the ends of a double's range are left to the exact reader.
TEST(FastLineParser, ReadsTheFamilyAndTheConfidenceFractionFast) {
  FastLineParser parser;
  std::string line = hosted(kLog[0]);
  const std::string unknown = R"("family":"unknown","family_confidence":0.0)";
  ASSERT_NE(line.find(unknown), std::string::npos) << line;
  line.replace(line.find(unknown), unknown.size(), R"("family":"java-8","family_confidence":0.87)");
  const ParsedLine parsed = parser.parse(line);
  ASSERT_TRUE(parsed.record) << parsed.error;
  EXPECT_EQ(parsed.record->family, "java-8");
  EXPECT_EQ(parser.exact_fallbacks(), 0u);
  for (const std::string number : {"1e-320", "1.5e305", "-2e-301"}) {
    std::string edge = line;
    edge.replace(edge.find("0.87"), 4, number);
    const std::uint64_t before = parser.exact_fallbacks();
    const ParsedLine read = parser.parse(edge);
    EXPECT_EQ(parser.exact_fallbacks() - before, 1u) << edge;
    EXPECT_EQ(read.record.has_value(), parse_handshake_line(edge).record.has_value()) << edge;
  }
  EXPECT_EQ(parser.parse(without_newline(kLog[4])).record->family, "unknown");
}

TEST(FastLineParser, ReadsTheHostTheWriterNames) {
  FastLineParser parser;
  const ParsedLine parsed = parser.parse(hosted(kLog[4], "edge-7.example"));
  ASSERT_TRUE(parsed.record) << parsed.error;
  EXPECT_EQ(parsed.record->host, "edge-7.example");
  EXPECT_EQ(parser.parse(without_newline(kLog[4])).record->host, "");
}

}  // namespace
}  // namespace tlsfloor::report
