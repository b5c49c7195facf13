#include "proxy/server/watched_files.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_pki.h"

namespace tlsfloor::server {
namespace {

TEST(WatchedFilesTest, NamesWhatChangedAppearedOrWentAway) {
  test::TempDir dir;
  const std::string a = dir.write("a.pem", "one");
  const std::string b = dir.write("b.pem", "two");
  const std::string missing = (dir.path() / "missing.pem").string();
  const WatchedFiles before = WatchedFiles::read({a, b, missing});
  EXPECT_TRUE(WatchedFiles::read({a, b, missing}).changed_since(before).empty());
  dir.write("a.pem", "ONE");  // same size, new contents: mtime-free detection
  dir.write("missing.pem", "now here");
  std::filesystem::remove(b);
  EXPECT_EQ(WatchedFiles::read({a, b, missing}).changed_since(before),
            (std::vector<std::string>{a, b, missing}));
  EXPECT_EQ(WatchedFiles::read({a}).changed_since(WatchedFiles::read({a, b})),
            (std::vector<std::string>{b}));  // no longer named by the configuration
}

}  // namespace
}  // namespace tlsfloor::server
