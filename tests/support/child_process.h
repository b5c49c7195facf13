#pragma once
// Runs another program (the tlsfloor binary, openssl s_client) for end-to-end tests: stdin as a
// pipe, stdout and stderr merged into one, optional file-descriptor limit.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tlsfloor::test {

class ChildProcess {
 public:
  /// Starts argv[0] (searched in PATH). `max_open_files` sets RLIMIT_NOFILE in the child.
  explicit ChildProcess(const std::vector<std::string>& argv,
                        std::optional<unsigned> max_open_files = std::nullopt);
  ~ChildProcess();  // kills the child if it is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Reads output until a line containing `needle` arrives (30 s at most); returns that line,
  /// or "" if the output ended or the time ran out first.
  std::string wait_for_line(const std::string& needle);
  void write_stdin(const std::string& data);
  void close_stdin();
  void signal(int signal_number);
  /// Waits for the exit (30 s at most, then kills) and returns the exit code, or 128 + signal.
  int wait_exit();
  /// The same, with its own limit (external tools on a slow, loaded machine need more).
  int wait_exit(std::chrono::seconds patience);
  /// Whether wait_exit() ran out of patience and killed the child.
  bool timed_out() const { return timed_out_; }
  /// Everything the child printed so far (reads what is pending first).
  std::string output();
  pid_t pid() const { return pid_; }
  /// The child's resident memory now (VmRSS), in KiB; 0 when it cannot be read.
  std::size_t resident_kib() const;

 private:
  bool read_some(int timeout_ms);
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int output_fd_ = -1;
  std::string output_;
  std::size_t scanned_ = 0;  // output before this offset was already searched by lines
  std::optional<int> exit_code_;
  bool timed_out_ = false;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

/// Runs a command to completion with empty stdin, killing it after `patience`; the output then
/// starts with a line naming the command and how long it ran.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::seconds patience = std::chrono::seconds(30));

}  // namespace tlsfloor::test
