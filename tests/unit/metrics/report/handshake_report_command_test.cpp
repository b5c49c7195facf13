#include "metrics/report/handshake_report_command.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

#include "tests/support/test_pki.h"
#include "tests/unit/metrics/report/report_test_log.h"

namespace tlsfloor::report {
namespace {

using namespace test_log;  // the shared log, its helpers and their using-declarations

struct CommandOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CommandOutput run(const std::vector<std::string>& paths,
                  ReportOptions::Format format = ReportOptions::Format::json) {
  ReportOptions options;
  options.log_paths = paths;
  options.format = format;
  std::ostringstream out;
  std::ostringstream err;
  CommandOutput result;
  result.exit_code = run_report(options, out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line;
  return text;
}

TEST(HandshakeReportCommand, SkipsAndReportsMalformedLinesWithTheirPosition) {
  test::TempDir dir;
  const std::string path =
      dir.write("handshakes.log", kLog[0] + "\n" + "garbage\n" + "  \r\n" + kLog[1] +
                                      R"({"time":"soon"})" + "\n" + kLog[3] +
                                      kLog[4].substr(0, kLog[4].size() - 1));  // no final '\n'
  const CommandOutput result = run({path});
  EXPECT_EQ(result.exit_code, kReportWritten);
  EXPECT_EQ(result.err, path + ":3: not JSON (syntax error at byte 1)\n" + path +
                            ":6: no \"listener\" key\n" +
                            "tlsfloor report: 2 malformed lines skipped\n");
  const ordered_json json = ordered_json::parse(result.out);
  EXPECT_EQ(json["totals"]["files"], 1);
  EXPECT_EQ(json["totals"]["handshakes"], 4);
  EXPECT_EQ(json["totals"]["affected"], 4);
  EXPECT_EQ(json["totals"]["malformed_lines"], 2);
}

TEST(HandshakeReportCommand, ShowsOnlyTheFirstMalformedLines) {
  test::TempDir dir;
  std::string text = kLog[0];
  for (int i = 0; i < 25; ++i) text += "{}\n";
  const std::string path = dir.write("handshakes.log", text);
  const CommandOutput result = run({path}, ReportOptions::Format::text);
  EXPECT_EQ(result.exit_code, kReportWritten);
  EXPECT_NE(result.err.find(path + ":2: no \"time\" key\n"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(path + ":11: no \"time\" key\n"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(path + ":12:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("tlsfloor report: 25 malformed lines skipped (the first 10 shown)\n"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.out.find("  malformed lines  25 (skipped)\n"), std::string::npos) << result.out;
}

TEST(HandshakeReportCommand, ReadsSeveralLogsIntoOneReport) {
  test::TempDir dir;
  // Each client has one handshake in each log.
  const std::string older = dir.write("handshakes.log.1", joined({kLog[0], kLog[3]}));
  const std::string newer = dir.write("handshakes.log", joined({kLog[1], kLog[9], kLog[6]}));
  const CommandOutput result = run({older, newer});
  EXPECT_EQ(result.exit_code, kReportWritten);
  EXPECT_EQ(result.err, "");
  const ordered_json json = ordered_json::parse(result.out);
  EXPECT_EQ(json["totals"]["files"], 2);
  EXPECT_EQ(json["totals"]["handshakes"], 5);
  EXPECT_EQ(json["totals"]["affected"], 4);
  EXPECT_EQ(json["totals"]["last_seen"], at_text(70));
  ASSERT_EQ(json["clients"]["rows"].size(), 2u);
  EXPECT_EQ(json["clients"]["rows"][0]["client"], "192.0.2.10");
  EXPECT_EQ(json["clients"]["rows"][0]["affected"], 2);
  EXPECT_EQ(json["clients"]["rows"][0]["last_seen"], at_text(10));
  EXPECT_EQ(json["clients"]["rows"][1]["client"], "192.0.2.77");
  EXPECT_EQ(json["clients"]["rows"][1]["affected"], 2);
  EXPECT_EQ(json["fingerprints"]["rows"][0]["affected"], 4);
  EXPECT_EQ(json["fingerprints"]["rows"][0]["clients"], 2);
}

TEST(HandshakeReportCommand, AnOverlongLineIsSkippedNotHeld) {
  test::TempDir dir;
  const std::string path =
      dir.write("handshakes.log", kLog[0] + std::string(kMaxLineLength + 1, 'x') + "\n" + kLog[1]);
  const CommandOutput result = run({path});
  EXPECT_EQ(result.exit_code, kReportWritten);
  EXPECT_EQ(result.err, path + ":2: longer than " + std::to_string(kMaxLineLength) + " bytes\n" +
                            "tlsfloor report: 1 malformed line skipped\n");
  EXPECT_EQ(ordered_json::parse(result.out)["totals"]["handshakes"], 2);
}

TEST(HandshakeReportCommand, ALogWithoutHandshakesIsExitCode3) {
  test::TempDir dir;
  const std::string empty = dir.write("empty.log", "");
  const std::string blank = dir.write("blank.log", "\n\n");
  const CommandOutput result = run({empty, blank});
  EXPECT_EQ(result.exit_code, kReportEmpty);
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(ordered_json::parse(result.out)["totals"]["files"], 2);
}

TEST(HandshakeReportCommand, UnopenableLogsAreAllNamedAndNothingIsReported) {
  test::TempDir dir;
  const std::string good = dir.write("handshakes.log", kLog[0]);
  const std::string missing = (dir.path() / "missing.log").string();
  const CommandOutput result = run({good, missing, dir.path().string()});
  EXPECT_EQ(result.exit_code, kReportUnreadable);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "tlsfloor report: cannot open " + missing +
                            ": No such file or directory\n"
                            "tlsfloor report: cannot open " +
                            dir.path().string() + ": Is a directory\n");
}

}  // namespace
}  // namespace tlsfloor::report
