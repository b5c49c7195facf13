#include "tests/support/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>

namespace tlsfloor::test {
namespace {

constexpr auto kPatience = std::chrono::seconds(30);

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           std::optional<unsigned> max_open_files) {
  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("child process: pipe failed");
  }
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("child process: fork failed");
  if (pid_ == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(out[1], STDERR_FILENO);
    // Sockets of the test process are not close-on-exec: keep them out of the child, where
    // they would hold its ports open and eat into its descriptor limit.
    ::close_range(3, ~0U, 0);
    if (max_open_files) {
      const rlimit limit{*max_open_files, *max_open_files};
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  output_fd_ = out[0];
}

ChildProcess::~ChildProcess() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  ::close(output_fd_);
}

bool ChildProcess::read_some(int timeout_ms) {
  pollfd poll_fd{output_fd_, POLLIN, 0};
  if (::poll(&poll_fd, 1, timeout_ms) <= 0) return false;
  char buffer[4096];
  const ssize_t n = ::read(output_fd_, buffer, sizeof buffer);
  if (n <= 0) return false;
  output_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

std::string ChildProcess::wait_for_line(const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  for (;;) {
    // Search complete lines not searched before.
    for (std::size_t end; (end = output_.find('\n', scanned_)) != std::string::npos;) {
      std::string line = output_.substr(scanned_, end - scanned_);
      scanned_ = end + 1;
      if (line.find(needle) != std::string::npos) return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !read_some(static_cast<int>(left.count()))) return "";
  }
}

void ChildProcess::write_stdin(const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(stdin_fd_, data.data() + done, data.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

void ChildProcess::close_stdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

void ChildProcess::signal(int signal_number) { ::kill(pid_, signal_number); }

int ChildProcess::wait_exit() { return wait_exit(kPatience); }

int ChildProcess::wait_exit(std::chrono::seconds patience) {
  if (exit_code_) return *exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + patience;
  int status = 0;
  for (;;) {
    while (read_some(0)) {
    }
    if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      timed_out_ = true;
      break;
    }
    read_some(20);
  }
  while (read_some(0)) {
  }
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return *exit_code_;
}

std::string ChildProcess::output() {
  while (read_some(0)) {
  }
  return output_;
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::seconds patience) {
  ChildProcess child(argv);
  child.close_stdin();
  CommandResult result;
  const auto started = std::chrono::steady_clock::now();
  result.exit_code = child.wait_exit(patience);
  result.output = child.output();
  if (child.timed_out()) {
    // Say what was slow: a killed tool's exit code alone (137) names nothing.
    std::string command;
    for (const std::string& word : argv) command += (command.empty() ? "" : " ") + word;
    result.output = "killed after " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::steady_clock::now() - started)
                                       .count()) +
                    " s (its limit): " + command + "\n" + result.output;
  }
  return result;
}

std::size_t ChildProcess::resident_kib() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

}  // namespace tlsfloor::test
