// `tlsfloor report` end to end, as an operator runs it: the real binary on handshake logs
// written by the proxy's own line writer, from files and from standard input, with the exit
// codes scripts depend on.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/handshake_log/handshake_event.h"
#include "tests/integration/binaries.h"
#include "tests/support/child_process.h"
#include "tests/support/test_pki.h"

namespace tlsfloor::test {
namespace {

const std::string kLegacyJa4 = "t10d1310h1_a8d2b5cbd1b5_0aa7a8b4ac2b";
const std::string kModernJa4 = "t13d1516h2_8daaf6152771_e5627efa2ab1";

// One line as the proxy logs it; `minute` past 2026-11-22T10:00Z.
std::string log_line(const std::string& client, std::uint16_t highest_offered, int minute,
                     const std::string& server_name = "legacy.example.com",
                     const std::string& host = "") {
  using namespace std::chrono;
  handshake_log::HandshakeEvent event;
  event.time = sys_days{year{2026} / 11 / 22} + hours{10} + minutes{minute};
  event.host = host;
  event.listener = "api";
  event.client_address = client;
  event.client_port = 50000;
  event.offered_versions = {highest_offered};
  event.highest_offered = highest_offered;
  event.server_name = server_name;
  event.ja3 = "0123456789abcdef0123456789abcdef";
  event.ja4 = highest_offered == 0x0304 ? kModernJa4 : kLegacyJa4;
  event.outcome = highest_offered == 0x0304 ? "accepted" : "rejected";
  event.legacy = highest_offered != 0x0304;
  event.decision = event.legacy ? "rejected" : "allowed";
  event.reason = "test";
  return handshake_log::to_json_line(event);
}

// Monday's log: one TLS 1.0 client twice, one TLS 1.1 client, one modern client.
std::string older_log() {
  return log_line("192.0.2.10", 0x0301, 0) + log_line("192.0.2.10", 0x0301, 1) +
         log_line("2001:db8::5", 0x0302, 2, "api.example.com") +
         log_line("198.51.100.1", 0x0304, 3, "api.example.com");
}

// Tuesday's log: the TLS 1.0 client again, and more modern traffic.
std::string newer_log() {
  return log_line("192.0.2.10", 0x0301, 60) + log_line("198.51.100.1", 0x0304, 61) +
         log_line("198.51.100.2", 0x0304, 62);
}

class ReportCommandTest : public testing::Test {
 protected:
  // `text` gzip-compressed, as logrotate's `compress` leaves a rotated log.
  std::string write_gzip(const std::string& name, const std::string& text) {
    const std::string path = (dir_.path() / name).string();
    const gzFile file = gzopen(path.c_str(), "wb");
    EXPECT_NE(file, nullptr);
    gzwrite(file, text.data(), static_cast<unsigned>(text.size()));
    EXPECT_EQ(gzclose(file), Z_OK);
    return path;
  }

  TempDir dir_;
};

TEST_F(ReportCommandTest, JsonReportOfOneLog) {
  const std::string log = dir_.write("handshakes.log", older_log());
  const auto result = run_command({kBinary, "report", "--log", log, "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::ordered_json::parse(result.output);  // nothing else was printed
  EXPECT_EQ(json["floor"], "TLS1.2");
  EXPECT_EQ(json["totals"]["files"], 1);
  EXPECT_EQ(json["totals"]["handshakes"], 4);
  EXPECT_EQ(json["totals"]["affected"], 3);
  EXPECT_DOUBLE_EQ(json["totals"]["share"].get<double>(), 0.75);
  EXPECT_EQ(json["totals"]["malformed_lines"], 0);
  EXPECT_EQ(json["totals"]["first_seen"], "2026-11-22T10:00:00.000Z");
  EXPECT_EQ(json["totals"]["last_seen"], "2026-11-22T10:03:00.000Z");
  ASSERT_EQ(json["clients"]["rows"].size(), 2u);
  const auto& heaviest = json["clients"]["rows"][0];
  EXPECT_EQ(heaviest["client"], "192.0.2.10");
  EXPECT_EQ(heaviest["affected"], 2);
  EXPECT_DOUBLE_EQ(heaviest["share"].get<double>(), 0.5);
  EXPECT_EQ(heaviest["by_version"]["TLS1.0"], 2);
  EXPECT_EQ(heaviest["sni"]["values"], nlohmann::ordered_json::parse(R"(["legacy.example.com"])"));
  EXPECT_EQ(json["clients"]["rows"][1]["client"], "2001:db8::5");
  EXPECT_EQ(json["clients"]["rows"][1]["by_version"]["TLS1.1"], 1);
  ASSERT_EQ(json["fingerprints"]["rows"].size(), 1u);
  EXPECT_EQ(json["fingerprints"]["rows"][0]["ja4"], kLegacyJa4);
  EXPECT_EQ(json["fingerprints"]["rows"][0]["clients"], 2);
}

TEST_F(ReportCommandTest, RotatedLogsMakeOneReport) {
  const std::string older = dir_.write("handshakes.log.1", older_log());
  const std::string newer = dir_.write("handshakes.log", newer_log());
  const auto result = run_command({kBinary, "report", "--log", older, "--log", newer, "--format",
                                   "json", "--floor", "TLS1.3", "--top", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::ordered_json::parse(result.output);
  EXPECT_EQ(json["floor"], "TLS1.3");
  EXPECT_EQ(json["totals"]["files"], 2);
  EXPECT_EQ(json["totals"]["handshakes"], 7);
  EXPECT_EQ(json["totals"]["affected"], 4);  // TLS 1.3 offers are the only ones not affected
  EXPECT_EQ(json["totals"]["last_seen"], "2026-11-22T11:02:00.000Z");
  EXPECT_EQ(json["clients"]["total"], 2);
  EXPECT_EQ(json["clients"]["omitted"], 1);
  ASSERT_EQ(json["clients"]["rows"].size(), 1u);
  EXPECT_EQ(json["clients"]["rows"][0]["client"], "192.0.2.10");
  EXPECT_EQ(json["clients"]["rows"][0]["affected"], 3);  // two on Monday, one on Tuesday
  EXPECT_EQ(json["clients"]["rows"][0]["last_seen"], "2026-11-22T11:00:00.000Z");
}

TEST_F(ReportCommandTest, TextReportFromStandardInput) {
  ChildProcess report({kBinary, "report", "--log", "-", "--ipv4-prefix", "24"});
  report.write_stdin(older_log() + "\n" + newer_log());  // the blank line is ignored
  report.close_stdin();
  EXPECT_EQ(report.wait_exit(), 0) << report.output();
  const std::string output = report.output();
  EXPECT_NE(output.find("Who would break at a floor of TLS1.2\n"), std::string::npos) << output;
  EXPECT_NE(output.find("  handshakes       7\n"), std::string::npos) << output;
  EXPECT_NE(output.find("  affected         4 (57.14%)\n"), std::string::npos) << output;
  EXPECT_NE(output.find("  clients grouped  IPv4 /24, IPv6 /128\n"), std::string::npos) << output;
  // Refused already: they fail today, whatever the floor.
  EXPECT_NE(output.find("Clients already failing today: 2 affected, heaviest first\n"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("\n192.0.2.0/24         3  42.86%            0        3       0       0  "
                        "       0        3       0       3       0        0  "
                        "2026-11-22T10:00:00.000Z  2026-11-22T11:00:00.000Z  api        "
                        "default  legacy.example.com  " +
                        kLegacyJa4 + "  unknown   -       -\n"),
            std::string::npos)
      << output;
}

TEST_F(ReportCommandTest, MalformedLinesAreNamedSkippedAndCounted) {
  const std::string log =
      dir_.write("handshakes.log", log_line("192.0.2.10", 0x0301, 0) + "this is not json\n" +
                                       R"({"time":"2026-11-22T10:00:00Z"})" + "\n");
  const auto result = run_command({kBinary, "report", "--log", log});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find(log + ":2: not JSON (syntax error at byte 2)\n"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find(log + ":3: no \"listener\" key\n"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("tlsfloor report: 2 malformed lines skipped\n"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("  malformed lines  2 (skipped)\n"), std::string::npos)
      << result.output;
}

TEST_F(ReportCommandTest, ALogWithoutAnyHandshakeIsExitCode3) {
  const std::string log = dir_.write("access.log", "GET / HTTP/1.1\n");
  const auto result = run_command({kBinary, "report", "--log", log, "--format", "json"});
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_NE(result.output.find("\"handshakes\": 0"), std::string::npos) << result.output;
}

TEST_F(ReportCommandTest, AnUnopenableLogIsExitCode1AndNoReport) {
  const std::string good = dir_.write("handshakes.log", older_log());
  const std::string missing = (dir_.path() / "handshakes.log.2").string();
  const auto result = run_command({kBinary, "report", "--log", good, "--log", missing});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(result.output,
            "tlsfloor report: cannot open " + missing + ": No such file or directory\n");
}

// A fleet's rotated logs as they lie on disk: several files, one compressed, found through a
// directory or a quoted glob, on one or two threads: one report, the same every way.
TEST_F(ReportCommandTest, ReadsAFleetsLogsFromFilesDirectoriesGlobsGzipAndStdin) {
  std::filesystem::create_directory(dir_.path() / "logs");
  const std::string plain = dir_.write("logs/handshakes.log", newer_log());
  const std::string rotated = write_gzip("logs/handshakes.log.1.gz", older_log());
  dir_.write("logs/README", "not a log\n");
  const auto report = [&](std::vector<std::string> logs, const std::string& threads) {
    std::vector<std::string> argv = {kBinary, "report", "--format", "json", "--threads", threads};
    for (const std::string& log : logs) argv.insert(argv.end(), {"--log", log});
    return run_command(argv);
  };
  const auto files = report({plain, rotated}, "1");
  ASSERT_EQ(files.exit_code, 0) << files.output;
  const auto json = nlohmann::ordered_json::parse(files.output);
  EXPECT_EQ(json["totals"]["files"], 2);
  EXPECT_EQ(json["totals"]["handshakes"], 7);
  EXPECT_EQ(json["totals"]["affected"], 4);
  EXPECT_EQ(report({plain, rotated}, "2").output, files.output);
  EXPECT_EQ(report({(dir_.path() / "logs").string()}, "2").output, files.output);
  EXPECT_EQ(report({(dir_.path() / "logs" / "handshakes.log*").string()}, "0").output,
            files.output);
  // Standard input, compressed, beside a file.
  ChildProcess piped({kBinary, "report", "--format", "json", "--log", plain, "--log", "-"});
  std::ifstream in(rotated, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  piped.write_stdin(bytes.str());
  piped.close_stdin();
  EXPECT_EQ(piped.wait_exit(), 0) << piped.output();
  EXPECT_EQ(piped.output(), files.output);
}

TEST_F(ReportCommandTest, NamesEachReplicaAndWarnsAboutAGap) {
  const std::string edge1 =
      dir_.write("edge-1.log", log_line("192.0.2.10", 0x0301, 0, "a", "edge-1") +
                                   log_line("192.0.2.10", 0x0301, 30, "a", "edge-1") +
                                   log_line("192.0.2.10", 0x0301, 60, "a", "edge-1"));
  const std::string edge2 =
      dir_.write("edge-2.log", log_line("192.0.2.11", 0x0301, 0, "b", "edge-2") +
                                   log_line("192.0.2.11", 0x0301, 200, "b", "edge-2"));
  const auto result = run_command({kBinary, "report", "--log", edge1, "--log", edge2});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("tlsfloor report: replica edge-2: no line for 3h20m "
                               "(2026-11-22T10:00:00.000Z to 2026-11-22T13:20:00.000Z), the "
                               "longest of 1 gap over 1h00m"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("\nReplicas: 2 read, by host\n"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("\nedge-1      3  2026-11-22T10:00:00.000Z"), std::string::npos)
      << result.output;
  // A longer threshold: no warning; a threshold that is not a duration: a usage error.
  const auto quiet = run_command({kBinary, "report", "--log", edge2, "--gap", "4h"});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.output.find("no line for"), std::string::npos) << quiet.output;
  EXPECT_EQ(run_command({kBinary, "report", "--log", edge2, "--gap", "soon"}).exit_code, 2);
}

TEST_F(ReportCommandTest, AnUnreadableGlobDirectoryOrGzipIsExitCode1) {
  EXPECT_EQ(
      run_command({kBinary, "report", "--log", (dir_.path() / "none*.log").string()}).exit_code, 1);
  EXPECT_EQ(run_command({kBinary, "report", "--log", dir_.path().string()}).exit_code, 1);
  const std::string cut = write_gzip("handshakes.log.2.gz", older_log() + newer_log());
  std::filesystem::resize_file(cut, std::filesystem::file_size(cut) - 12);
  const auto result = run_command({kBinary, "report", "--log", cut});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("tlsfloor report: cannot read " + cut), std::string::npos)
      << result.output;
}

TEST_F(ReportCommandTest, NeedsALogButNoConfiguration) {
  const auto result = run_command({kBinary, "report"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("--log is required"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("--config"), std::string::npos) << result.output;
}

// --ledger reads a client ledger instead of logs: given with logs or with what only a log
// report has, it is refused (exit 2); --since belongs to it.
TEST_F(ReportCommandTest, TheLedgerIsReadInsteadOfLogs) {
  const std::string ledger = dir_.write("clients.json", "{\"version\": 1, \"clients\": []}\n");
  const std::string log = dir_.write("h.log", "");
  for (const std::vector<std::string>& refused :
       {std::vector<std::string>{"--ledger", ledger, "--log", log},
        {"--ledger", ledger, "--inventory"},
        {"--ledger", ledger, "--pq"},
        {"--ledger", ledger, "--format", "html"},
        {"--ledger", ledger, "--since", "90"},
        {"--log", log, "--since", "90d"}}) {
    std::vector<std::string> argv = {kBinary, "report"};
    argv.insert(argv.end(), refused.begin(), refused.end());
    const auto result = run_command(argv);
    EXPECT_EQ(result.exit_code, 2) << result.output;
  }
  const auto empty = run_command({kBinary, "report", "--ledger", ledger, "--since", "90d"});
  EXPECT_EQ(empty.exit_code, 0) << empty.output;
  EXPECT_NE(empty.output.find("0 clients below TLS1.2 (0 handshakes) of 0 remembered, seen since"),
            std::string::npos)
      << empty.output;
  EXPECT_EQ(run_command({kBinary, "report", "--ledger", log}).exit_code, 1) << "not a ledger";
}

// With the configuration, the report says when: the route's mode now, its next step, and the
// day the clients it lets in break. (The log's clients were let in by an observing route.)
TEST_F(ReportCommandTest, TheConfigurationsScheduleSaysWhenClientsBreak) {
  std::string log = older_log();
  const auto replace_all = [&log](const std::string& from, const std::string& to) {
    for (std::size_t at = log.find(from); at != std::string::npos; at = log.find(from, at)) {
      log.replace(at, from.size(), to);
    }
  };
  replace_all("\"outcome\":\"rejected\"", "\"outcome\":\"accepted\"");
  replace_all("\"decision\":\"rejected\"", "\"decision\":\"would_reject\"");
  const std::string config =
      dir_.write("tlsfloor.yaml",
                 "listeners:\n"
                 "  - name: api\n"
                 "    listen: 127.0.0.1:0\n"
                 "    upstream: {address: 127.0.0.1:1}\n"
                 "    certificates: [{cert: a.crt, key: a.key}]\n"
                 "    enforcement:\n"
                 "      mode: observe\n"
                 "      schedule: [{at: 2099-01-15T00:00:00Z, mode: enforce}]\n");
  const auto result = run_command({kBinary, "report", "--log", dir_.write("handshakes.log", log),
                                   "--config", config, "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::ordered_json::parse(result.output);
  EXPECT_EQ(json["config"], config);
  ASSERT_EQ(json["routes"].size(), 1u);
  EXPECT_EQ(json["routes"][0]["mode"], "observe");
  EXPECT_EQ(json["routes"][0]["next_change"]["at"], "2099-01-15T00:00:00.000Z");
  EXPECT_EQ(json["clients"]["rows"][0]["breaks_on"]["at"], "2099-01-15T00:00:00.000Z");
  EXPECT_EQ(json["clients"]["rows"][0]["breaks_on"]["mode"], "enforce");
}

}  // namespace
}  // namespace tlsfloor::test
