#include "metrics/report/render.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "tests/unit/metrics/report/report_test_log.h"

namespace tlsfloor::report {
namespace {

using namespace test_log;  // the shared log, its helpers and their using-declarations

std::string text_of(const HandshakeReport& report, std::size_t top = 50) {
  std::ostringstream out;
  RenderOptions options;
  options.top = top;
  render_text(report, options, out);
  return out.str();
}

// With client_auth, the subjects of the certificates a client presented are a column; a log
// that names none (above) has no such column.
TEST(HandshakeReportText, NamesTheClientCertificatesWhenTheLogHasThem) {
  nlohmann::json line = nlohmann::json::parse(
      log_line("192.0.2.10", kTls1_0, 0, kJa4A, "a.example", "api", "default", kLetIn));
  line["client_certificate"] = {{"result", "verified"}, {"subject", "CN=partner,O=Example"}};
  const HandshakeReport report = report_of({line.dump() + "\n"});
  const std::string text = text_of(report);
  EXPECT_NE(text.find("  FAILURES  CERTIFICATES\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  -         CN=partner,O=Example\n"), std::string::npos) << text;
}

TEST(HandshakeReportText, IsAnAlignedTableWithTotals) {
  HandshakeReport report = report_of({
      log_line("192.0.2.10", kTls1_0, 0, kJa4A, "a.example", "api", "default", kLetIn),
      log_line("192.0.2.10", kTls1_1, 10, kJa4A, "b.example", "api", "default", kLetIn),
      log_line("2001:db8::1", kSsl3_0, 30, kJa4B),
      log_line("198.51.100.1", kTls1_3, 60, kJa4D, "d.example", "api", "shop"),
  });
  report.count_file();
  report.count_malformed_line();
  // The default route's SHARE is of its own handshakes; 192.0.2.10, let in today, would break
  // at the floor, while 2001:db8::1, refused already, fails today whatever the floor.
  EXPECT_EQ(text_of(report),
            "Who would break at a floor of TLS1.2\n"
            "  log files        1\n"
            "  handshakes       4\n"
            "  affected         3 (75.00%)\n"
            "    would break    2 (served today, refused at this floor)\n"
            "    failing today  1 (refused or failed already, whatever the floor)\n"
            "  malformed lines  1 (skipped)\n"
            "  first seen       2026-11-22T10:00:00.000Z\n"
            "  last seen        2026-11-22T10:01:00.000Z\n"
            "  clients grouped  IPv4 /32, IPv6 /128\n"
            "\n"
            "Routes: 2 read, most affected first\n"
            "LISTENER  ROUTE    HANDSHAKES  AFFECTED    SHARE  WOULD BREAK  FAILING  LET IN  EXEMPT"
            "  BROWNOUT  REFUSED  SSL3.0  TLS1.0  TLS1.1  unknown  FIRST SEEN                LAST S"
            "EEN\n"
            "api       default           3         3  100.00%            2        1       2       0"
            "         0        1       1       1       1        0  2026-11-22T10:00:00.000Z  2026-1"
            "1-22T10:00:30.000Z\n"
            "api       shop              1         0    0.00%            0        0       0       0"
            "         0        0       0       0       0        0  -                         -\n"
            "\n"
            "Clients that would break: 1 affected, heaviest first\n"
            "CLIENT      AFFECTED   SHARE  WOULD BREAK  FAILING  LET IN  EXEMPT  BROWNOUT  REFUSED "
            " SSL3.0  TLS1.0  TLS1.1  unknown  FIRST SEEN                LAST SEEN                 "
            "LISTENERS  ROUTES   SNI                  JA4                                   FAILURE"
            "S\n"
            "192.0.2.10         2  50.00%            2        0       2       0         0        0 "
            "      0       1       1        0  2026-11-22T10:00:00.000Z  2026-11-22T10:00:10.000Z  "
            "api        default  a.example,b.example  t10d1310h1_a8d2b5cbd1b5_0aa7a8b4ac2b  -\n"
            "\n"
            "Clients already failing today: 1 affected, heaviest first\n"
            "CLIENT       AFFECTED   SHARE  WOULD BREAK  FAILING  LET IN  EXEMPT  BROWNOUT  REFUSED"
            "  SSL3.0  TLS1.0  TLS1.1  unknown  FIRST SEEN                LAST SEEN                "
            " LISTENERS  ROUTES   SNI  JA4                                   FAILURES\n"
            "2001:db8::1         1  25.00%            0        1       0       0         0        1"
            "       1       0       0        0  2026-11-22T10:00:30.000Z  2026-11-22T10:00:30.000Z "
            " api        default  -    t11d0912h1_5f2b7a6dbd6c_1e1c3f0e4b2a  unsupported_version\n"
            "\n"
            "Fingerprints (JA4): 2 affected, heaviest first\n"
            "JA4                                   AFFECTED   SHARE  WOULD BREAK  FAILING  LET IN  "
            "EXEMPT  BROWNOUT  REFUSED  SSL3.0  TLS1.0  TLS1.1  unknown  FIRST SEEN                "
            "LAST SEEN                 CLIENTS  SNI\n"
            "t10d1310h1_a8d2b5cbd1b5_0aa7a8b4ac2b         2  50.00%            2        0       2  "
            "     0         0        0       0       1       1        0  2026-11-22T10:00:00.000Z  "
            "2026-11-22T10:00:10.000Z        1  a.example,b.example\n"
            "t11d0912h1_5f2b7a6dbd6c_1e1c3f0e4b2a         1  25.00%            0        1       0  "
            "     0         0        1       1       0       0        0  2026-11-22T10:00:30.000Z  "
            "2026-11-22T10:00:30.000Z        1  -\n");
}

TEST(HandshakeReportText, TopSaysHowManyRowsAreShown) {
  const HandshakeReport report = report_of(kLog);
  const std::string text = text_of(report, 1);
  EXPECT_NE(text.find("Clients already failing today: 4 affected, heaviest first (showing 1; "
                      "--top 0 shows all)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n192.0.2.10 "), std::string::npos) << text;
  EXPECT_EQ(text.find("192.0.2.77"), std::string::npos) << text;
  EXPECT_NE(text.find("Fingerprints (JA4): 3 affected, heaviest first (showing 1; --top 0 shows "
                      "all)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("\n" + kJa4B + " "), std::string::npos) << text;  // no row of its own

  const std::string all = text_of(report, 0);
  EXPECT_EQ(all.find("showing"), std::string::npos) << all;
  EXPECT_NE(all.find("\n192.0.2.77 "), std::string::npos) << all;
  EXPECT_NE(all.find("\n(none) "), std::string::npos) << all;  // the hello without a JA4
}

TEST(HandshakeReportText, SaysWhenNobodyIsAffected) {
  const HandshakeReport report = report_of({log_line("192.0.2.1", kTls1_3, 0, kJa4D)});
  const std::string text = text_of(report);
  EXPECT_NE(text.find("  affected         0 (0.00%)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Clients that would break: none affected\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Clients already failing today: none affected\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Fingerprints (JA4): none affected\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("CLIENT"), std::string::npos) << text;
}

TEST(HandshakeReportText, ControlCharactersFromTheLogAreEscaped) {
  const HandshakeReport report = report_of(
      {log_line("192.0.2.1", kTls1_0, 0, "ja4\x1b[2J", "evil\x1b]0;title\x07.example\xc2\x9b")});
  const std::string text = text_of(report);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos);
  EXPECT_NE(text.find(R"(evil\x1b]0;title\x07.example\u009b)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(ja4\x1b[2J)"), std::string::npos) << text;
}

TEST(HandshakeReportText, SharesNeverRoundToNoneOrAll) {
  // Records added directly: twenty thousand lines through the JSON parser would only slow the
  // test down.
  const auto record = [](const char* client, std::uint16_t version) {
    HandshakeRecord handshake;
    handshake.client = config::parse_address(client).value();
    handshake.highest_offered = version;
    handshake.listener = "api";
    handshake.ja4 = kJa4A;
    return handshake;
  };
  const auto fill = [&](HandshakeReport& report) {
    report.add(record("192.0.2.1", kTls1_0));
    for (int i = 0; i < 20000; ++i) report.add(record("192.0.2.2", kTls1_2));
  };
  HandshakeReport few(floor_at(config::TlsVersion::tls1_1));
  fill(few);
  EXPECT_NE(text_of(few).find("  affected         1 (<0.01%)\n"), std::string::npos);
  HandshakeReport all(floor_at(config::TlsVersion::tls1_3));
  fill(all);
  EXPECT_NE(text_of(all).find("  affected         20001 (100.00%)\n"), std::string::npos);
  all.add(record("192.0.2.3", kTls1_3));
  EXPECT_NE(text_of(all).find("  affected         20001 (>99.99%)\n"), std::string::npos);
}

}  // namespace
}  // namespace tlsfloor::report
