// `tlsfloor report --config`: each route's mode and next step, and the day each client that
// would break starts being refused, from the configuration's enforcement schedules.
#include "metrics/report/deadlines.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "config/config_parser.h"
#include "metrics/report/handshake_report_command.h"
#include "metrics/report/render.h"
#include "tests/support/test_pki.h"
#include "tests/unit/metrics/report/report_test_log.h"

namespace tlsfloor::report {
namespace {

using namespace test_log;  // the shared log, its helpers and their using-declarations

const config::Timestamp kJan1 = sys_days{year{2027} / 1 / 1};
const config::Timestamp kJan5 = sys_days{year{2027} / 1 / 5};
const config::Timestamp kJan15 = sys_days{year{2027} / 1 / 15};

// Listener api: its own keys enforce; route legacy observes, browns out from Jan 1 and is
// enforced on Jan 15; route pos observes with no date yet.
const std::string kConfig =
    "listeners:\n"
    "  - name: api\n"
    "    listen: 127.0.0.1:0\n"
    "    upstream: {address: 127.0.0.1:1}\n"
    "    certificates: [{cert: a.crt, key: a.key}]\n"
    "    routes:\n"
    "      - name: legacy\n"
    "        server_names: [legacy.example]\n"
    "        enforcement:\n"
    "          mode: observe\n"
    "          schedule:\n"
    "            - {at: 2027-01-01T00:00:00Z, mode: brownout, brownout: {every: {period: 1h, "
    "duration: 10m}}}\n"
    "            - {at: 2027-01-15T00:00:00Z, mode: enforce}\n"
    "      - {name: pos, server_names: [pos.example], enforcement: {mode: observe}}\n";

config::Config parsed_config() {
  config::ParseResult parsed = config::parse_config(kConfig, "tlsfloor.yaml");
  EXPECT_TRUE(parsed.config.has_value())
      << (parsed.errors.empty() ? "" : parsed.errors[0].to_string());
  return parsed.config.value_or(config::Config{});
}

// 192.0.2.10 is let in on route legacy (and refused on the default route); 192.0.2.20 is let
// in on route pos only; 192.0.2.77 is refused on the default route; a route the configuration
// no longer has was read too.
const std::vector<std::string> kScheduledLog = {
    log_line("192.0.2.10", kTls1_0, 0, kJa4A, "legacy.example", "api", "legacy", kLetIn),
    log_line("192.0.2.10", kTls1_0, 5, kJa4A, "", "api", "default"),
    log_line("192.0.2.20", kTls1_1, 10, kJa4B, "pos.example", "api", "pos", kLetIn),
    log_line("192.0.2.77", kTls1_1, 20, kJa4B, "", "api", "default"),
    log_line("192.0.2.30", kTls1_0, 30, kJa4C, "", "api", "gone", kLetIn),
};

HandshakeReport scheduled_report(config::Timestamp now) {
  HandshakeReport::Settings settings;
  settings.deadlines = deadlines_of(parsed_config(), now, config::StagedFloor::version);
  return report_of(kScheduledLog, settings);
}

// The line of `text` that starts with `start`.
std::string line_starting(const std::string& text, const std::string& start) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(start)) return line;
  }
  return "";
}

TEST(ReportDeadlinesTest, EachRouteSaysItsModeItsNextStepAndWhenItBreaksClients) {
  const Deadlines before =
      deadlines_of(parsed_config(), kJan1 - days(1), config::StagedFloor::version);
  EXPECT_EQ(before.source, "tlsfloor.yaml");
  const RouteDeadline* legacy = before.find("api", "legacy");
  ASSERT_NE(legacy, nullptr);
  EXPECT_EQ(legacy->mode, config::EnforcementMode::observe);
  EXPECT_EQ(legacy->next, (ScheduledChange{kJan1, config::EnforcementMode::brownout}));
  EXPECT_EQ(legacy->breaks, (ScheduledChange{kJan1, config::EnforcementMode::brownout}))
      << "a brownout already refuses some of them";

  const Deadlines during = deadlines_of(parsed_config(), kJan5, config::StagedFloor::version);
  legacy = during.find("api", "legacy");
  ASSERT_NE(legacy, nullptr);
  EXPECT_EQ(legacy->mode, config::EnforcementMode::brownout);
  EXPECT_EQ(legacy->breaks, (ScheduledChange{kJan15, config::EnforcementMode::enforce}));
  const RouteDeadline* pos = during.find("api", "pos");
  ASSERT_NE(pos, nullptr);
  EXPECT_EQ(pos->mode, config::EnforcementMode::observe);
  EXPECT_EQ(pos->next, std::nullopt) << "no date set";
  EXPECT_EQ(during.find("api", "default")->mode, config::EnforcementMode::enforce);
  EXPECT_EQ(during.find("api", "gone"), nullptr);
  EXPECT_EQ(during.find("web", "default"), nullptr);

  const Deadlines after = deadlines_of(parsed_config(), kJan15, config::StagedFloor::version);
  EXPECT_EQ(after.find("api", "legacy")->mode, config::EnforcementMode::enforce);
  EXPECT_EQ(after.find("api", "legacy")->next, std::nullopt);
  EXPECT_EQ(after.find("api", "legacy")->breaks, std::nullopt);
}

TEST(ReportDeadlinesTest, AClientBreaksOnTheDayARouteThatServesItStartsRefusing) {
  const HandshakeReport report = scheduled_report(kJan5);
  std::map<std::string, std::optional<ScheduledChange>> breaks;
  for (const ClientRow* client : report.clients()) breaks[client->client_text] = client->breaks;
  EXPECT_EQ(breaks.at("192.0.2.10"), (ScheduledChange{kJan15, config::EnforcementMode::enforce}))
      << "let in on legacy; its refusal on the default route says nothing of a date";
  EXPECT_EQ(breaks.at("192.0.2.20"), std::nullopt) << "pos has no date";
  EXPECT_EQ(breaks.at("192.0.2.77"), std::nullopt) << "refused already";
  EXPECT_EQ(breaks.at("192.0.2.30"), std::nullopt) << "its route is not configured";
}

TEST(ReportDeadlinesTest, TheTextShowsModesNextChangesAndWhenClientsBreak) {
  std::ostringstream out;
  render_text(scheduled_report(kJan5), RenderOptions{}, out);
  const std::string text = out.str();
  EXPECT_EQ(line_starting(text, "  schedules"),
            "  schedules        tlsfloor.yaml as of 2027-01-05T00:00:00.000Z");
  EXPECT_TRUE(line_starting(text, "LISTENER")
                  .ends_with("LAST SEEN                 MODE      "
                             "NEXT CHANGE"))
      << text;
  EXPECT_TRUE(line_starting(text, "api       legacy")
                  .ends_with("brownout  2027-01-15T00:00:00.000Z enforce"))
      << text;
  EXPECT_TRUE(line_starting(text, "api       pos").ends_with("observe   -")) << text;
  EXPECT_TRUE(line_starting(text, "api       gone").ends_with("-         -")) << text;
  // Only the table of clients the floor would break says when.
  EXPECT_TRUE(line_starting(text, "CLIENT").ends_with("  BREAKS ON")) << text;
  EXPECT_TRUE(line_starting(text, "192.0.2.10").ends_with("2027-01-15 (enforce)")) << text;
  EXPECT_TRUE(line_starting(text, "192.0.2.20").ends_with("  -")) << text;
  const std::string failing = text.substr(text.find("Clients already failing today"));
  EXPECT_TRUE(line_starting(failing, "CLIENT").ends_with("FAILURES")) << failing;
}

TEST(ReportDeadlinesTest, TheJsonCarriesTheSameDates) {
  const ordered_json json = ordered_json::parse(render_json(scheduled_report(kJan5), {}));
  EXPECT_EQ(json["config"], "tlsfloor.yaml");
  EXPECT_EQ(json["schedules_as_of"], "2027-01-05T00:00:00.000Z");
  for (const auto& route : json["routes"]) {
    if (route["route"] == "legacy") {
      EXPECT_EQ(route["mode"], "brownout");
      EXPECT_EQ(route["next_change"],
                ordered_json::parse(R"({"at": "2027-01-15T00:00:00.000Z", "mode": "enforce"})"));
    } else if (route["route"] == "gone") {
      EXPECT_EQ(route["mode"], nullptr);
      EXPECT_EQ(route["next_change"], nullptr);
    }
  }
  for (const auto& client : json["clients"]["rows"]) {
    if (client["client"] == "192.0.2.10") {
      EXPECT_EQ(client["breaks_on"]["at"], "2027-01-15T00:00:00.000Z");
      EXPECT_EQ(client["breaks_on"]["mode"], "enforce");
    } else {
      EXPECT_EQ(client["breaks_on"], nullptr) << client.dump();
    }
  }
  // Without --config the document has none of these keys.
  const ordered_json plain = ordered_json::parse(render_json(report_of(kScheduledLog), {}));
  EXPECT_FALSE(plain.contains("config"));
  EXPECT_FALSE(plain["routes"][0].contains("mode"));
  EXPECT_FALSE(plain["clients"]["rows"][0].contains("breaks_on"));
}

TEST(ReportDeadlinesTest, ADateAtMidnightIsShownAsADay) {
  EXPECT_EQ(change_date({kJan15, config::EnforcementMode::enforce}), "2027-01-15");
  EXPECT_EQ(change_date({kJan15 + hours(14), config::EnforcementMode::enforce}),
            "2027-01-15T14:00:00.000Z");
}

TEST(ReportDeadlinesTest, TheCommandReadsTheConfigurationOrSaysWhyNot) {
  test::TempDir dir;
  ReportOptions options;
  options.log_paths = {dir.write("handshakes.log", [] {
    std::string text;
    for (const std::string& line : kScheduledLog) text += line;
    return text;
  }())};
  options.config_path = dir.write("tlsfloor.yaml", kConfig);
  options.now = kJan5;
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run_report(options, out, err), kReportWritten) << err.str();
  EXPECT_TRUE(line_starting(out.str(), "192.0.2.10").ends_with("2027-01-15 (enforce)"))
      << out.str();

  // A schedule read wrong would put a wrong date in front of people: errors, no report.
  std::string bad = kConfig;
  const std::string last_step = "            - {at: 2027-01-15T00:00:00Z, mode: enforce}\n";
  bad.insert(bad.find(last_step) + last_step.size(),
             "            - {at: 2026-01-15T00:00:00Z, mode: enforce}\n");
  options.config_path = dir.write("bad.yaml", bad);
  std::ostringstream none;
  std::ostringstream why;
  EXPECT_EQ(run_report(options, none, why), kReportUnreadable);
  EXPECT_EQ(none.str(), "");
  EXPECT_NE(why.str().find(*options.config_path + ":14:20: schedule step at"), std::string::npos)
      << why.str();
  EXPECT_NE(why.str().find("configuration error"), std::string::npos) << why.str();
}

}  // namespace
}  // namespace tlsfloor::report
