#include "metrics/report/handshake_report_command.h"
#include "metrics/report/log_sources.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
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
                  ReportOptions::Format format = ReportOptions::Format::json, unsigned threads = 0,
                  std::uint64_t piece_bytes = 0, HandshakeReport::Settings settings = {}) {
  ReportOptions options;
  options.log_paths = paths;
  options.format = format;
  options.threads = threads;
  options.piece_bytes = piece_bytes;
  options.settings = settings;
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
  const std::string empty_dir = (dir.path() / "empty").string();
  std::filesystem::create_directory(empty_dir);
  dir.write("empty/notes.txt", "not a log");
  const std::string no_match = (dir.path() / "nothing*.log").string();
  const CommandOutput result = run({good, missing, empty_dir, no_match});
  EXPECT_EQ(result.exit_code, kReportUnreadable);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "tlsfloor report: cannot open " + missing +
                            ": No such file or directory\n"
                            "tlsfloor report: no handshake log (*.log, *.log.N, *.log.N.gz) in " +
                            empty_dir + "\ntlsfloor report: no file matches " + no_match + "\n");
}

// --- reading in parallel, compressed logs, globs and directories -------------------------------

// Writes `text` gzip-compressed, as logrotate's `compress` leaves a rotated log.
std::string write_gzip(const test::TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = (dir.path() / name).string();
  const gzFile file = gzopen(path.c_str(), "wb");
  EXPECT_NE(file, nullptr);
  EXPECT_EQ(gzwrite(file, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  EXPECT_EQ(gzclose(file), Z_OK);
  return path;
}

// A log of `count` lines: the shared lines with their hosts, times and clients varied, a few
// malformed and blank ones among them, and in the first an overlong one.
std::string varied_log(std::uint64_t seed, int count) {
  std::mt19937_64 random(seed);
  std::string text;
  for (int i = 0; i < count; ++i) {
    const int kind = static_cast<int>(random() % 100);
    if (kind == 0) {
      text += "{\"time\":\"broken\"}\n";
    } else if (kind == 1) {
      text += "\n";
    } else if (i == count / 2 && seed == 1) {  // one, in the first log
      text += std::string(kMaxLineLength + 1 + random() % 3, 'x') + "\n";
    } else {
      std::string line = kLog[random() % kLog.size()];
      const std::string host = "\"host\":\"edge-" + std::to_string(random() % 3) + "\"";
      line.replace(line.find("\"host\":null"), 11, host);
      const std::string address = "192.0.2." + std::to_string(random() % 50);
      const std::size_t client = line.find("\"client\":\"") + 10;
      line.replace(client, line.find('"', client) - client, address);
      text += line;
    }
  }
  return text;
}

TEST(HandshakeReportCommand, ReadingInPiecesOnThreadsPrintsWhatOneThreadPrints) {
  test::TempDir dir;
  const std::vector<std::string> logs = {
      dir.write("a.log", varied_log(1, 3000)), dir.write("b.log", varied_log(2, 20)),
      dir.write("c.log", ""), dir.write("d.log", varied_log(3, 2000))};
  for (const auto format : {ReportOptions::Format::text, ReportOptions::Format::json}) {
    const CommandOutput one = run(logs, format, 1);
    EXPECT_EQ(one.exit_code, kReportWritten);
    EXPECT_NE(one.err.find("malformed lines skipped (the first 10 shown)"), std::string::npos);
    // Pieces as small as a few lines, and pieces inside an overlong line (no line of their own).
    for (const std::uint64_t piece : {999u, 4096u, 65536u, 5000000u}) {
      for (const unsigned threads : {1u, 2u, 3u}) {
        const CommandOutput parallel = run(logs, format, threads, piece);
        EXPECT_EQ(parallel.exit_code, one.exit_code);
        EXPECT_EQ(parallel.err, one.err) << piece << " " << threads;
        EXPECT_EQ(parallel.out, one.out) << piece << " " << threads;
      }
    }
  }
}

TEST(HandshakeReportCommand, ReadsGzipLogsAsThePlainOnes) {
  test::TempDir dir;
  const std::string text = varied_log(4, 500);
  const std::string plain = dir.write("handshakes.log.1", text);
  const std::string compressed = write_gzip(dir, "handshakes.log.2.gz", text);
  const CommandOutput from_plain = run({plain});
  const CommandOutput from_gzip = run({compressed});
  EXPECT_EQ(from_gzip.exit_code, kReportWritten);
  EXPECT_EQ(from_gzip.out, from_plain.out);
  // The same malformed lines, named in the compressed file.
  std::string expected_err = from_plain.err;
  for (std::size_t at = expected_err.find(plain + ":"); at != std::string::npos;
       at = expected_err.find(plain + ":", at + 1)) {
    expected_err.replace(at, plain.size(), compressed);
  }
  EXPECT_NE(expected_err, "");
  EXPECT_EQ(from_gzip.err, expected_err);
  // Members written one after the other (cat a.gz b.gz) are one log.
  const std::string first = write_gzip(dir, "first.gz", text.substr(0, 1000));
  const std::string second = write_gzip(dir, "second.gz", text.substr(1000));
  std::ifstream a(first, std::ios::binary);
  std::ifstream b(second, std::ios::binary);
  std::ostringstream both;
  both << a.rdbuf() << b.rdbuf();
  const std::string joined = dir.write("joined.log.gz", both.str());
  EXPECT_EQ(run({joined}).out, run({plain}).out);
}

TEST(HandshakeReportCommand, ACorruptGzipLogIsUnreadable) {
  test::TempDir dir;
  const std::string compressed = write_gzip(dir, "handshakes.log.1.gz", varied_log(5, 2000));
  std::filesystem::resize_file(compressed, std::filesystem::file_size(compressed) / 2);
  const CommandOutput result = run({compressed});
  EXPECT_EQ(result.exit_code, kReportUnreadable);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("tlsfloor report: cannot read " + compressed + " after line "),
            std::string::npos)
      << result.err;
}

TEST(HandshakeReportCommand, DirectoriesAndGlobsStandForTheirLogsSortedByName) {
  test::TempDir dir;
  const std::string text = varied_log(6, 300);
  std::filesystem::create_directory(dir.path() / "logs");
  std::filesystem::create_directory(dir.path() / "logs" / "old.log");  // a directory: left out
  const std::vector<std::string> logs = {
      dir.write("logs/handshakes.log", text.substr(0, 20000)),
      write_gzip(dir, "logs/handshakes.log.1.gz", text.substr(20000, 30000)),
      dir.write("logs/handshakes.log-20261121", text.substr(50000)),
      dir.write("logs/partners.log", kLog[0]),
  };
  dir.write("logs/.hidden.log", "not read\n");
  dir.write("logs/notes.txt", "not read\n");
  dir.write("logs/catalog", "not read\n");
  std::vector<std::string> sorted = logs;
  std::sort(sorted.begin(), sorted.end());
  const CommandOutput listed = run(sorted);
  ASSERT_EQ(listed.exit_code, kReportWritten) << listed.err;
  EXPECT_EQ(ordered_json::parse(listed.out)["totals"]["files"], 4);
  const CommandOutput from_directory = run({(dir.path() / "logs").string()});
  EXPECT_EQ(from_directory.out, listed.out);
  EXPECT_EQ(from_directory.err, listed.err);
  const CommandOutput from_glob = run({(dir.path() / "logs" / "*.log*").string()});
  EXPECT_EQ(from_glob.out, listed.out);
  EXPECT_EQ(is_log_file_name("handshakes.log.10.gz"), true);
  EXPECT_EQ(is_log_file_name("handshakes.logger"), false);
  EXPECT_EQ(is_log_file_name(".handshakes.log"), false);
}

TEST(HandshakeReportCommand, CountsEachReplicasLinesAndWarnsAboutItsGaps) {
  test::TempDir dir;
  const auto line = [](const std::string& host, int minute, const std::string& client) {
    std::string text = log_line(client, kTls1_0, minute * 60, kJa4A);
    const std::string null_host = "\"host\":null";
    if (!host.empty())
      text.replace(text.find(null_host), null_host.size(), "\"host\":\"" + host + "\"");
    return text;
  };
  // edge-1 writes every minute for three hours; edge-2 stops for 90 minutes; an older line
  // without a host.
  std::string one;
  std::string two;
  for (int minute = 0; minute < 180; ++minute) {
    one += line("edge-1", minute, "192.0.2.1");
    if (minute < 30 || minute >= 120) two += line("edge-2", minute, "192.0.2.2");
  }
  const std::string logs[] = {dir.write("edge-1.log", one), dir.write("edge-2.log", two),
                              dir.write("old.log", line("", 5, "192.0.2.3"))};
  const CommandOutput json = run({logs[0], logs[1], logs[2]});
  ASSERT_EQ(json.exit_code, kReportWritten);
  EXPECT_EQ(json.err, "tlsfloor report: replica edge-2: no line for 1h31m (" + at_text(29 * 60) +
                          " to " + at_text(120 * 60) +
                          "), the longest of 1 gap over 1h00m: was it down, or is one of its "
                          "logs missing?\n");
  const ordered_json replicas = ordered_json::parse(json.out)["replicas"];
  EXPECT_EQ(replicas["gap_seconds"], 3600);
  EXPECT_EQ(replicas["total"], 3);
  ASSERT_EQ(replicas["rows"].size(), 3u);
  EXPECT_EQ(replicas["rows"][0]["host"], nullptr);
  EXPECT_EQ(replicas["rows"][0]["lines"], 1);
  EXPECT_EQ(replicas["rows"][1]["host"], "edge-1");
  EXPECT_EQ(replicas["rows"][1]["lines"], 180);
  EXPECT_EQ(replicas["rows"][1]["gaps"], 0);
  EXPECT_EQ(replicas["rows"][1]["longest_gap"], nullptr);
  EXPECT_EQ(replicas["rows"][2]["host"], "edge-2");
  EXPECT_EQ(replicas["rows"][2]["lines"], 90);
  EXPECT_EQ(replicas["rows"][2]["first_seen"], at_text(0));
  EXPECT_EQ(replicas["rows"][2]["last_seen"], at_text(179 * 60));
  EXPECT_EQ(replicas["rows"][2]["gaps"], 1);
  EXPECT_EQ(replicas["rows"][2]["longest_gap"]["seconds"], 91 * 60);
  EXPECT_EQ(replicas["rows"][2]["longest_gap"]["from"], at_text(29 * 60));
  EXPECT_EQ(replicas["rows"][2]["longest_gap"]["to"], at_text(120 * 60));

  const CommandOutput text = run({logs[0], logs[1], logs[2]}, ReportOptions::Format::text);
  EXPECT_NE(text.out.find("\nReplicas: 3 read, by host\n"
                          "HOST    LINES  FIRST SEEN                LAST SEEN                 "
                          "GAPS > 1h00m  LONGEST GAP\n"
                          "-           1  " +
                          at_text(300) + "  " + at_text(300) +
                          "             0  -\n"
                          "edge-1    180  " +
                          at_text(0) + "  " + at_text(179 * 60) +
                          "             0  -\n"
                          "edge-2     90  " +
                          at_text(0) + "  " + at_text(179 * 60) + "             1  1h31m (" +
                          at_text(29 * 60) + " to " + at_text(120 * 60) + ")\n"),
            std::string::npos)
      << text.out;
  // A longer threshold: no gap.
  HandshakeReport::Settings settings;
  settings.gap = std::chrono::hours(2);
  EXPECT_EQ(run({logs[0], logs[1]}, ReportOptions::Format::json, 0, 0, settings).err, "");
}

TEST(HandshakeReportCommand, LogsWithoutHostsHaveNoReplicasTable) {
  test::TempDir dir;
  const std::string log = dir.write("handshakes.log", joined(kLog));
  const CommandOutput text = run({log}, ReportOptions::Format::text);
  EXPECT_EQ(text.out.find("Replicas"), std::string::npos) << text.out;
  EXPECT_FALSE(ordered_json::parse(run({log}).out).contains("replicas"));
}

}  // namespace
}  // namespace tlsfloor::report
