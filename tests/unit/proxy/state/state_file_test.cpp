#include "proxy/state/state_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace tlsfloor::state {
namespace {

using namespace std::chrono;
namespace fs = std::filesystem;
const config::Timestamp kStateNow = sys_days{year{2026} / 11 / 22} + 12h;

class StateFileTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tlsfloor-state-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

const ExceptionUsages kUsages{{{"api", "payroll"}, {kStateNow - days(3), kStateNow - hours(2)}},
                              {{"api", "scanner"}, {kStateNow - days(1), std::nullopt}}};

TEST_F(StateFileTest, RoundTrips) {
  const std::string path = (dir_ / "state.json").string();
  ASSERT_TRUE(save_state_file(path, kUsages));
  EXPECT_EQ(load_state_file(path), kUsages);
  // The temporary file is renamed into place: nothing else is left in the directory.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}), 1);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::others_all, fs::perms::none);
}

TEST_F(StateFileTest, APlantedSymlinkIsNeverWrittenThrough) {
  // The old temporary name was predictable: a symlink planted there sent the write elsewhere.
  const std::string path = (dir_ / "state.json").string();
  const std::string victim = (dir_ / "victim").string();
  std::ofstream(victim) << "precious";
  fs::create_symlink(victim, path + ".tmp");
  ASSERT_TRUE(save_state_file(path, kUsages));
  std::ifstream in(victim);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "precious");
  EXPECT_EQ(load_state_file(path), kUsages);
}

TEST_F(StateFileTest, TheFileIsGroupReadableWhateverTheUmask) {
  const std::string path = (dir_ / "state.json").string();
  const mode_t old = ::umask(077);  // as under the systemd unit's UMask=0077
  const bool saved = save_state_file(path, kUsages);
  ::umask(old);
  ASSERT_TRUE(saved);
  EXPECT_EQ(fs::status(path).permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST_F(StateFileTest, AMissingOrCorruptFileIsAFreshStart) {
  EXPECT_TRUE(load_state_file((dir_ / "none.json").string()).empty());
  const std::string path = (dir_ / "corrupt.json").string();
  std::ofstream(path) << "{\"version\": 1, \"exceptions\": [{\"listener\": 3}";
  EXPECT_TRUE(load_state_file(path).empty());
  std::ofstream(path) << R"({"version": 2, "exceptions": []})";
  EXPECT_TRUE(load_state_file(path).empty()) << "an unknown version is not guessed at";
  std::string error;
  EXPECT_FALSE(
      state_from_json(
          R"({"version":1,"exceptions":[{"listener":"a","exception":"b","first_loaded":"x"}]})",
          &error)
          .has_value());
  EXPECT_EQ(error, "bad first_loaded time");
  // A number beyond a double is refused, not thrown; a year a timestamp cannot hold (found by
  // the fuzzer) used to overflow.
  EXPECT_FALSE(state_from_json(R"({"version": 1e999999, "exceptions": []})", &error).has_value());
  EXPECT_EQ(error, "not JSON");
  EXPECT_FALSE(state_from_json(R"({"version": [], "exceptions": []})", &error).has_value());
  EXPECT_EQ(error, "not a version 1 state file");
  EXPECT_FALSE(
      state_from_json(
          R"({"version":1,"exceptions":[{"listener":"a","exception":"b","first_loaded":"1013-11-19T12:00:00.000Z"}]})",
          &error)
          .has_value());
}

TEST_F(StateFileTest, TimesFinerThanAMillisecondAreReadAsWrittenBack) {
  // Found by the fuzzer: a hand-edited ".000001Z" was kept to the microsecond, and the next save
  // (which writes milliseconds) silently changed it.
  std::string error;
  const auto usages = state_from_json(
      R"({"version":1,"exceptions":[{"listener":"api","exception":"payroll",)"
      R"("first_loaded":"2026-11-19T12:00:00.000999Z","last_used":"2026-11-20T12:00:00.5Z"}]})",
      &error);
  ASSERT_TRUE(usages.has_value()) << error;
  const ExceptionUsage& usage = usages->at({"api", "payroll"});
  EXPECT_EQ(usage.first_loaded, sys_days{year{2026} / 11 / 19} + 12h);
  EXPECT_EQ(usage.last_used, sys_days{year{2026} / 11 / 20} + 12h + 500ms);
  EXPECT_EQ(state_from_json(state_to_json(*usages), &error), usages);
}

TEST_F(StateFileTest, AFailedSaveLeavesTheOldFile) {
  const std::string path = (dir_ / "state.json").string();
  ASSERT_TRUE(save_state_file(path, kUsages));
  EXPECT_FALSE(save_state_file((dir_ / "missing-dir" / "state.json").string(), {}));
  EXPECT_EQ(load_state_file(path), kUsages);
}

}  // namespace
}  // namespace tlsfloor::state
