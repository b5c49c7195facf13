#include "metrics/handshake_log/handshake_log.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace tlsfloor::handshake_log {
namespace {

namespace fs = std::filesystem;

class HandshakeLogTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("tlsfloor-log-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  metrics::HandshakeLogCounters counters() {
    auto& family = prometheus::BuildCounter().Name("c").Register(registry_);
    return {family.Add({{"k", "written"}}), family.Add({{"k", "full"}}),
            family.Add({{"k", "error"}})};
  }

  static HandshakeEvent event(int n) {
    HandshakeEvent event;
    event.listener = "api";
    event.client_address = "192.0.2." + std::to_string(n);
    event.client_port = static_cast<std::uint16_t>(40000 + n);
    event.outcome = "accepted";
    event.decision = "allowed";
    return event;
  }

  static std::vector<nlohmann::json> read_lines(const fs::path& path) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }

  fs::path dir_;
  prometheus::Registry registry_;
};

TEST_F(HandshakeLogTest, WritesOneLinePerEventInOrder) {
  const fs::path path = dir_ / "h.log";
  auto c = counters();
  {
    HandshakeLog log(path.string(), c);
    for (int i = 1; i <= 100; ++i) log.submit(event(i));
    log.flush();
    EXPECT_EQ(c.written.Value(), 100.0);
  }
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 100u);
  for (int i = 1; i <= 100; ++i) {
    EXPECT_EQ(lines[i - 1]["client"], "192.0.2." + std::to_string(i));
    EXPECT_EQ(lines[i - 1]["client_port"], 40000 + i);
  }
  // Every line names the machine that wrote it, so a fleet's logs can be merged into one report.
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(lines[0]["host"], std::string(host));
  EXPECT_EQ(c.dropped_queue_full.Value(), 0.0);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::others_all, fs::perms::none);
}

TEST_F(HandshakeLogTest, AppendsToAnExistingFile) {
  const fs::path path = dir_ / "h.log";
  std::ofstream(path) << R"({"earlier":true})"
                      << "\n";
  {
    HandshakeLog log(path.string(), counters());
    log.submit(event(1));
  }  // the destructor writes what is queued
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["earlier"], true);
  EXPECT_EQ(lines[1]["client"], "192.0.2.1");
}

TEST_F(HandshakeLogTest, ReopenFollowsARotatedFile) {
  const fs::path path = dir_ / "h.log";
  HandshakeLog log(path.string(), counters());
  log.submit(event(1));
  log.flush();
  fs::rename(path, dir_ / "h.log.1");  // what logrotate does before sending SIGUSR1
  log.submit(event(2));
  log.flush();  // still the old file: nobody asked to reopen yet
  log.reopen();
  log.submit(event(3));
  log.flush();
  const auto rotated = read_lines(dir_ / "h.log.1");
  ASSERT_EQ(rotated.size(), 2u);
  EXPECT_EQ(rotated[1]["client"], "192.0.2.2");
  const auto fresh = read_lines(path);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0]["client"], "192.0.2.3");
}

TEST_F(HandshakeLogTest, AFullQueueDropsAndCountsInsteadOfWaiting) {
  // A FIFO nobody reads stands in for a stuck disk: the writer blocks in write() once the pipe
  // buffer is full, and the queue behind it fills up.
  const fs::path path = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);  // lets the writer open it
  ASSERT_GE(reader, 0);
  auto c = counters();
  std::thread drain;
  {
    HandshakeLog log(path.string(), c, {.capacity = 8});
    HandshakeEvent big = event(1);
    big.reason.assign(70000, 'x');  // more than a pipe buffer: the first batch blocks
    for (int i = 0; i < 2000; ++i) log.submit(big);  // returns although nothing drains
    EXPECT_GT(c.dropped_queue_full.Value(), 0.0);
    // Now drain the FIFO (until the log closes its end) so that the writer can finish.
    drain = std::thread([reader] {
      char buffer[65536];
      for (;;) {
        const ssize_t n = ::read(reader, buffer, sizeof buffer);
        if (n == 0) return;
        if (n < 0 && errno != EAGAIN && errno != EINTR) return;
        if (n < 0) ::usleep(1000);
      }
    });
    log.flush();
    EXPECT_EQ(c.written.Value() + c.dropped_queue_full.Value(), 2000.0);
    EXPECT_GT(c.written.Value(), 0.0);
  }
  drain.join();
  ::close(reader);
}

TEST_F(HandshakeLogTest, TheQueueIsBoundedInBytesAsWellAsLines) {
  const fs::path path = dir_ / "h.log";
  auto c = counters();
  HandshakeEvent big = event(1);
  big.server_name = std::string(255, 's');
  big.alpn.assign(8, std::string(255, 'a'));
  const std::size_t each = HandshakeLog::approximate_bytes(big);
  EXPECT_GT(each, 8 * 255u + 255u) << "every copied byte is counted";
  {
    // Room for three such events, while the line bound would allow a thousand.
    HandshakeLog log(path.string(), c, {.capacity = 1000, .queue_bytes = 3 * each});
    for (int i = 0; i < 10; ++i) log.submit(big);  // faster than the writer's 100 ms tick
    log.flush();
    EXPECT_EQ(c.written.Value() + c.dropped_queue_full.Value(), 10.0);
    EXPECT_GE(c.dropped_queue_full.Value(), 7.0);
    EXPECT_LE(c.written.Value(), 3.0);
  }
  EXPECT_EQ(read_lines(path).size(), static_cast<std::size_t>(c.written.Value()));
}

TEST_F(HandshakeLogTest, ABatchLargerThanAWriteChunkIsWrittenWhole) {
  const fs::path path = dir_ / "h.log";
  auto c = counters();
  {
    HandshakeLog log(path.string(), c);
    HandshakeEvent big = event(1);
    big.alpn.assign(8, std::string(200, 'a'));
    // ~1.9 KiB a line: 400 lines are three chunks of 256 KiB.
    for (int i = 0; i < 400; ++i) log.submit(big);
    log.flush();
  }
  const auto lines = read_lines(path);
  EXPECT_EQ(lines.size(), 400u);
  EXPECT_EQ(c.written.Value(), 400.0);
}

TEST_F(HandshakeLogTest, ASymlinkIsRefusedUnlessFollowingIsAskedFor) {
  const fs::path target = dir_ / "real.log";
  const fs::path link = dir_ / "h.log";
  fs::create_symlink(target, link);
  try {
    HandshakeLog log(link.string(), counters());
    FAIL() << "a symlink was followed";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("is a symbolic link"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(target)) << "nothing was created through the link";
  {
    HandshakeLog log(link.string(), counters(), {.follow_symlinks = true});
    log.submit(event(1));
    log.flush();
  }
  EXPECT_EQ(read_lines(target).size(), 1u);
}

TEST_F(HandshakeLogTest, ANewLogIsGroupReadableWhateverTheUmask) {
  const fs::path path = dir_ / "h.log";
  const mode_t old = ::umask(077);  // as under the systemd unit's UMask=0077
  { HandshakeLog log(path.string(), counters()); }
  ::umask(old);
  EXPECT_EQ(fs::status(path).permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  // An existing file keeps the mode its owner gave it.
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  { HandshakeLog log(path.string(), counters()); }
  EXPECT_EQ(fs::status(path).permissions(), fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(HandshakeLogTest, AnUnopenablePathIsAnErrorNamingIt) {
  const std::string path = (dir_ / "missing" / "h.log").string();
  try {
    HandshakeLog log(path, counters());
    FAIL() << "expected an exception";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tlsfloor::handshake_log
