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
            "LISTENERS  ROUTES   SNI                  JA4                                   FAMILIE"
            "S  OWNERS  FAILURES\n"
            "192.0.2.10         2  50.00%            2        0       2       0         0        0 "
            "      0       1       1        0  2026-11-22T10:00:00.000Z  2026-11-22T10:00:10.000Z  "
            "api        default  a.example,b.example  t10d1310h1_a8d2b5cbd1b5_0aa7a8b4ac2b  unknown"
            "   -       -\n"
            "\n"
            "Clients already failing today: 1 affected, heaviest first\n"
            "CLIENT       AFFECTED   SHARE  WOULD BREAK  FAILING  LET IN  EXEMPT  BROWNOUT  REFUSED"
            "  SSL3.0  TLS1.0  TLS1.1  unknown  FIRST SEEN                LAST SEEN                "
            " LISTENERS  ROUTES   SNI  JA4                                   FAMILIES  OWNERS  FAIL"
            "URES\n"
            "2001:db8::1         1  25.00%            0        1       0       0         0        1"
            "       1       0       0        0  2026-11-22T10:00:30.000Z  2026-11-22T10:00:30.000Z "
            " api        default  -    t11d0912h1_5f2b7a6dbd6c_1e1c3f0e4b2a  unknown   -       unsu"
            "pported_version\n"
            "\n"
            "Client families: 1 affected, heaviest first\n"
            "FAMILY   AFFECTED   SHARE  WOULD BREAK  FAILING  LET IN  EXEMPT  BROWNOUT  REFUSED  SS"
            "L3.0  TLS1.0  TLS1.1  unknown  FIRST SEEN                LAST SEEN                 CLI"
            "ENTS  SOFTWARE  FIX\n"
            "unknown         3  75.00%            2        1       2       0         0        1    "
            "   1       1       1        0  2026-11-22T10:00:00.000Z  2026-11-22T10:00:30.000Z     "
            "   2  -         -\n"
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

// The families table: which software the affected clients run, how many of them, and the fix
// the proxy's table gives (the command passes that table; the report knows ids only).
TEST(HandshakeReportText, SaysWhichSoftwareTheAffectedClientsRunAndTheFix) {
  const auto with_family = [](std::string line, const std::string& family) {
    const std::string unknown = R"("family":"unknown")";
    return line.replace(line.find(unknown), unknown.size(), R"("family":")" + family + "\"");
  };
  HandshakeReport report = report_of({
      with_family(log_line("192.0.2.1", kTls1_0, 0, kJa4A, "", "api", "default", kLetIn), "java-7"),
      with_family(log_line("192.0.2.2", kTls1_0, 1, kJa4A, "", "api", "default", kLetIn), "java-7"),
      with_family(log_line("192.0.2.2", kTls1_1, 2, kJa4A, "", "api", "default", kLetIn), "java-7"),
      with_family(log_line("192.0.2.3", kTls1_0, 3, kJa4B), "schannel-xp"),
      log_line("192.0.2.4", kTls1_3, 4, kJa4D),
  });
  RenderOptions options;
  options.describe_family = [](std::string_view id) -> std::optional<FamilyDescription> {
    if (id != "java-7") return std::nullopt;
    return FamilyDescription{"Java 7 (JSSE)", "Update to Java 8.", "https://example.test/java"};
  };
  std::ostringstream out;
  render_text(report, options, out);
  const std::string text = out.str();
  EXPECT_NE(text.find("Client families: 2 affected, heaviest first\n"), std::string::npos) << text;
  const std::size_t java = text.find("\njava-7 ");
  const std::size_t schannel = text.find("\nschannel-xp ");
  ASSERT_NE(java, std::string::npos) << text;
  ASSERT_NE(schannel, std::string::npos) << text;
  EXPECT_LT(java, schannel) << "heaviest first";
  const std::string java_row = text.substr(java + 1, text.find('\n', java + 1) - java - 1);
  // 3 affected handshakes from 2 clients, and what to do about them.
  EXPECT_NE(java_row.find("        3 "), std::string::npos) << java_row;
  EXPECT_NE(java_row.find("  2  Java 7 (JSSE)  Update to Java 8. https://example.test/java"),
            std::string::npos)
      << java_row;
  const std::string schannel_row =
      text.substr(schannel + 1, text.find('\n', schannel + 1) - schannel - 1);
  // A family the table does not describe: its counts, and no software or fix to print.
  EXPECT_NE(schannel_row.find("  1  -  "), std::string::npos) << schannel_row;
  EXPECT_TRUE(schannel_row.ends_with("  -")) << schannel_row;

  const nlohmann::json json = nlohmann::json::parse(render_json(report, options));
  const nlohmann::json& rows = json["families"]["rows"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["family"], "java-7");
  EXPECT_EQ(rows[0]["affected"], 3);
  EXPECT_EQ(rows[0]["clients"], 2);
  EXPECT_EQ(rows[0]["would_break"], 3);
  EXPECT_EQ(rows[0]["name"], "Java 7 (JSSE)");
  EXPECT_EQ(rows[0]["advice"], "Update to Java 8.");
  EXPECT_EQ(rows[0]["link"], "https://example.test/java");
  EXPECT_EQ(rows[1]["family"], "schannel-xp");
  EXPECT_EQ(rows[1]["name"], nullptr);
  EXPECT_EQ(rows[1]["failing"], 1);
  EXPECT_EQ(json["clients"]["rows"][0]["families"]["values"], nlohmann::json({"java-7"}));
}

// A log from anywhere cannot grow the families table: beyond kMaxFamilies distinct values,
// the rest is one row.
TEST(HandshakeReportText, KeepsAtMostABoundedNumberOfFamilies) {
  HandshakeReport report;
  for (std::size_t i = 0; i < LabelTable::kMaxRows + 50; ++i) {
    std::string line = log_line("192.0.2.1", kTls1_0, 0, kJa4A);
    const std::string unknown = R"("family":"unknown")";
    line.replace(line.find(unknown), unknown.size(), R"("family":"f)" + std::to_string(i) + "\"");
    report.add(*parse_handshake_line(line).record);
  }
  const auto families = report.families();
  ASSERT_EQ(families.size(), LabelTable::kMaxRows + 1);
  EXPECT_EQ(families[0]->label, LabelTable::kOther);
  EXPECT_EQ(families[0]->affected.count, 50u);
}

// Whose clients they are: an owners table once lines name owners, each client's owners, and
// --owner keeping one owner's clients (or the unowned ones).
TEST(HandshakeReportText, SaysWhoseClientsTheyAreAndKeepsOneOwner) {
  const auto owned = [](std::string line, const std::string& owner) {
    const std::string none = R"("owner":null)";
    return line.replace(line.find(none), none.size(), R"("owner":")" + owner + "\"");
  };
  const std::vector<std::string> lines = {
      owned(log_line("192.0.2.1", kTls1_0, 0, kJa4A, "", "api", "default", kLetIn), "payments"),
      owned(log_line("192.0.2.1", kTls1_1, 1, kJa4A, "", "api", "default", kLetIn), "payments"),
      owned(log_line("192.0.2.2", kTls1_0, 2, kJa4B), "batch"),
      log_line("192.0.2.3", kTls1_0, 3, kJa4B),
  };
  RenderOptions options;
  options.describe_owner = [](std::string_view owner) -> std::optional<OwnerDescription> {
    if (owner != "payments") return std::nullopt;
    return OwnerDescription{"pay@example.com, #pay-oncall", "https://tickets.example/PAY"};
  };
  {
    std::ostringstream out;
    render_text(report_of(lines), options, out);
    const std::string text = out.str();
    EXPECT_NE(text.find("Owners: 3 affected, heaviest first\n"), std::string::npos) << text;
    const std::size_t payments = text.find("\npayments ");
    ASSERT_NE(payments, std::string::npos) << text;
    const std::string row = text.substr(payments + 1, text.find('\n', payments + 1) - payments - 1);
    EXPECT_TRUE(row.ends_with("  1  pay@example.com, #pay-oncall  https://tickets.example/PAY"))
        << row;
    EXPECT_NE(text.find("\n(unowned) "), std::string::npos) << text;
  }
  HandshakeReport::Settings settings;
  settings.owner = "payments";
  const HandshakeReport only = report_of(lines, settings);
  EXPECT_EQ(only.totals().handshakes, 2u);
  EXPECT_EQ(only.totals().other_owners, 2u);
  ASSERT_EQ(only.clients().size(), 1u);
  EXPECT_EQ(only.clients()[0]->owners.kept(), std::vector<std::string>{"payments"});
  settings.owner = "unowned";
  const HandshakeReport unowned = report_of(lines, settings);
  ASSERT_EQ(unowned.clients().size(), 1u);
  EXPECT_EQ(unowned.clients()[0]->client_text, "192.0.2.3");

  const nlohmann::json json = nlohmann::json::parse(render_json(report_of(lines), options));
  const nlohmann::json& rows = json["owners"]["rows"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["owner"], "payments");
  EXPECT_EQ(rows[0]["clients"], 1);
  EXPECT_EQ(rows[0]["contacts"], "pay@example.com, #pay-oncall");
  EXPECT_EQ(rows[0]["link"], "https://tickets.example/PAY");
}

}  // namespace
}  // namespace tlsfloor::report
