// The owner page (tlsfloor report --format html|markdown): the JSON report's numbers, the
// affected handshakes per day, escaping of everything a log or a directory holds, and nothing
// loaded from elsewhere.
#include "metrics/report/render_page.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "tests/unit/metrics/report/report_test_log.h"

namespace tlsfloor::report {
namespace {

using namespace test_log;

HandshakeRecord record_on(int day, const std::string& client, const std::string& family = "") {
  HandshakeRecord record;
  record.time = at(day * 86400);
  record.listener = "api";
  record.client = *config::parse_address(client);
  record.highest_offered = kTls1_0;
  record.ja4 = kJa4A;
  record.family = family;
  record.owner = "payments";
  return record;
}

TEST(HandshakeReportDays, AffectedHandshakesAreCountedPerUtcDay) {
  HandshakeReport report(HandshakeReport::Settings{});
  report.add(record_on(0, "192.0.2.1"));
  report.add(record_on(0, "192.0.2.2"));
  report.add(record_on(2, "192.0.2.1"));
  HandshakeRecord modern = record_on(1, "192.0.2.3");
  modern.highest_offered = kTls1_3;
  report.add(modern);  // not affected: no day of its own
  const auto document = nlohmann::json::parse(render_json(report, {}));
  EXPECT_EQ(document["affected_by_day"], nlohmann::json::parse(R"([
      {"day": "2026-11-22", "handshakes": 2}, {"day": "2026-11-24", "handshakes": 1}])"));
}

// A log longer than kReportDays keeps its latest days, each exact, whatever the order of the
// lines and however they were split and merged.
TEST(HandshakeReportDays, TheLatestDaysAreKeptExactly) {
  const int days = static_cast<int>(kReportDays) + 50;
  HandshakeReport sequential(HandshakeReport::Settings{});
  HandshakeReport first(HandshakeReport::Settings{});
  HandshakeReport second(HandshakeReport::Settings{});
  for (int day = days - 1; day >= 0; --day) {  // newest first: the oldest are dropped as they come
    for (int n = 0; n <= day % 3; ++n) {
      sequential.add(record_on(day, "192.0.2.1"));
      (day % 2 == 0 ? first : second).add(record_on(day, "192.0.2.1"));
    }
  }
  first.merge(std::move(second));
  for (const HandshakeReport* report : {&sequential, &first}) {
    const auto& counted = report->totals().affected_by_day;
    ASSERT_EQ(counted.size(), kReportDays);
    const std::int64_t day0 =
        std::chrono::floor<std::chrono::days>(at(0)).time_since_epoch().count();
    EXPECT_EQ(counted.begin()->first, day0 + 50) << "the oldest 50 days went first";
    for (const auto& [day, handshakes] : counted) {
      EXPECT_EQ(handshakes, static_cast<std::uint64_t>((day - day0) % 3 + 1)) << day;
    }
  }
}

HandshakeReport owner_report(const std::string& hostile) {
  HandshakeReport::Settings settings;
  settings.owner = "payments";
  HandshakeReport report(settings);
  HandshakeRecord record = record_on(0, "192.0.2.1", "schannel-win7");
  record.server_name = hostile;
  report.add(record);
  report.add(record_on(1, "192.0.2.1", "schannel-win7"));
  report.add(record_on(1, "192.0.2.2", "java-7"));
  HandshakeRecord other = record_on(1, "192.0.2.9");
  other.owner = "pos-terminals";
  report.add(other);  // left out by --owner
  return report;
}

RenderOptions described() {
  RenderOptions options;
  options.describe_family = [](std::string_view id) -> std::optional<FamilyDescription> {
    if (id == "schannel-win7") {
      return FamilyDescription{"Windows 7 SChannel", "Enable TLS 1.2 <KB3140245>",
                               "https://support.microsoft.com/kb/3140245"};
    }
    if (id == "java-7") return FamilyDescription{"Java 7", "Upgrade", "javascript:alert(1)"};
    return std::nullopt;
  };
  options.describe_owner = [](std::string_view) -> std::optional<OwnerDescription> {
    return OwnerDescription{"pay@example.com", "https://tickets.example.com/PAY"};
  };
  return options;
}

TEST(RenderPage, TheHtmlPageShowsTheJsonReportsNumbersAndEscapesEverything) {
  const HandshakeReport report = owner_report("<script>alert(1)</script>");
  std::ostringstream page;
  render_html(report, described(), page);
  const std::string html = page.str();
  const auto document = nlohmann::json::parse(render_json(report, described()));
  EXPECT_NE(html.find("<title>Legacy TLS clients of payments</title>"), std::string::npos);
  EXPECT_NE(html.find("<span id=\"affected\">" + document["totals"]["affected"].dump() + "</span>"),
            std::string::npos);
  EXPECT_NE(html.find("<span id=\"clients\">2</span>"), std::string::npos);
  EXPECT_NE(html.find("data-day=\"2026-11-23\" data-handshakes=\"2\""), std::string::npos);
  EXPECT_NE(html.find("Windows 7 SChannel"), std::string::npos);
  EXPECT_NE(html.find("pay@example.com"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"https://support.microsoft.com/kb/3140245\">"), std::string::npos);
  // Nothing from the log or the tables reaches the page raw, and only http(s) links link.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("Enable TLS 1.2 &lt;KB3140245&gt;"), std::string::npos);
  EXPECT_EQ(html.find("href=\"javascript:"), std::string::npos);
  // It loads nothing: no source or stylesheet from elsewhere, and a policy that forbids it.
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("pos-terminals"), std::string::npos) << "another owner's client";
}

TEST(RenderPage, TheMarkdownPageHasTheSameFacts) {
  const HandshakeReport report = owner_report("a|b");
  std::ostringstream page;
  render_markdown(report, described(), page);
  const std::string markdown = page.str();
  EXPECT_EQ(markdown.rfind("# Legacy TLS clients of payments\n", 0), 0u);
  EXPECT_NE(markdown.find("| 2026-11-22 | 1 |"), std::string::npos);
  EXPECT_NE(markdown.find("| 2026-11-23 | 2 |"), std::string::npos);
  EXPECT_NE(markdown.find("| 192.0.2.1 | Windows 7 SChannel | 2 |"), std::string::npos);
  EXPECT_NE(markdown.find("a\\|b"), std::string::npos) << "a '|' cannot end a cell";
  EXPECT_NE(markdown.find("| Windows 7 SChannel | 1 | 2 | Enable TLS 1.2"), std::string::npos);
}

}  // namespace
}  // namespace tlsfloor::report
