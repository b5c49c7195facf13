#pragma once
// A real plain-TCP upstream for integration tests: blocking sockets, a thread per connection,
// and a record of what each connection received.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tlsfloor::test {

enum class UpstreamMode {
  echo,                // echo every byte at once; half-close back when the client half-closes
  reply_after_eof,     // read until the client half-closes, then send it all back and close
  greet_then_collect,  // send the greeting and half-close at once, then read until EOF
};

class TcpUpstream {
 public:
  explicit TcpUpstream(UpstreamMode mode, std::string greeting = {});
  ~TcpUpstream();
  TcpUpstream(const TcpUpstream&) = delete;
  TcpUpstream& operator=(const TcpUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  /// Connections accepted so far.
  int accepted() const;
  /// Waits (up to 30 s) until `count` connections have ended and returns the bytes each
  /// received, in the order they ended. Fewer entries mean the wait gave up.
  std::vector<std::string> wait_for_finished(std::size_t count);
  /// For each connection that has ended, in the same order: whether it ended with a reset
  /// (ECONNRESET) rather than an orderly FIN.
  std::vector<bool> resets() const;

 private:
  void accept_loop();
  void serve(int fd);

  UpstreamMode mode_;
  std::string greeting_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable finished_changed_;
  std::vector<std::string> finished_;
  std::vector<bool> resets_;
  std::vector<int> open_fds_;
  int accepted_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

/// A loopback port nobody listens on: bound, then released (another test may take it later,
/// so use it at once).
std::uint16_t unused_port();

}  // namespace tlsfloor::test
