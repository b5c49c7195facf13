#include "config/file_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

namespace tlsfloor::config {
namespace {

TEST(WriteAllTest, WritesEverythingThroughAPipeThatTakesItInPieces) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  // More than a pipe buffer holds: write(2) returns short and write_all must go on.
  const std::string data(1 << 20, 'z');
  std::string received;
  std::thread reader([&] {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
      if (n <= 0) break;
      received.append(buffer, static_cast<std::size_t>(n));
    }
  });
  EXPECT_TRUE(write_all(fds[1], data));
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  EXPECT_EQ(received.size(), data.size());
  EXPECT_EQ(received, data);
}

TEST(WriteAllTest, ReportsAFailedWriteWithErrno) {
  errno = 0;
  EXPECT_FALSE(write_all(-1, "x"));
  EXPECT_EQ(errno, EBADF);
  EXPECT_TRUE(write_all(-1, "")) << "nothing to write is not an error";
}

}  // namespace
}  // namespace tlsfloor::config
