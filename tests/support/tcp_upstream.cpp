#include "tests/support/tcp_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <stdexcept>

namespace tlsfloor::test {
namespace {

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<std::size_t>(sent);
  }
  return true;
}

}  // namespace

TcpUpstream::TcpUpstream(UpstreamMode mode, std::string greeting)
    : mode_(mode), greeting_(std::move(greeting)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listen_fd_, 512) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("test upstream: cannot listen");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpUpstream::~TcpUpstream() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  acceptor_.join();
  for (auto& thread : threads_) thread.join();
  ::close(listen_fd_);
}

int TcpUpstream::accepted() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

std::vector<std::string> TcpUpstream::wait_for_finished(std::size_t count) {
  std::unique_lock lock(mutex_);
  finished_changed_.wait_for(lock, std::chrono::seconds(30),
                             [&] { return finished_.size() >= count; });
  return finished_;
}

void TcpUpstream::accept_loop() {
  for (;;) {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    std::lock_guard lock(mutex_);
    if (stopping_) {
      if (fd >= 0) ::close(fd);
      return;
    }
    if (fd < 0) continue;
    ++accepted_;
    open_fds_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void TcpUpstream::serve(int fd) {
  std::string received;
  if (mode_ == UpstreamMode::greet_then_collect) {
    send_all(fd, greeting_.data(), greeting_.size());
    ::shutdown(fd, SHUT_WR);
  }
  char buffer[64 * 1024];
  bool reset = false;
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      reset = n < 0 && errno == ECONNRESET;
      break;
    }
    received.append(buffer, static_cast<std::size_t>(n));
    if (mode_ == UpstreamMode::echo && !send_all(fd, buffer, static_cast<std::size_t>(n))) break;
  }
  if (mode_ == UpstreamMode::echo) ::shutdown(fd, SHUT_WR);
  if (mode_ == UpstreamMode::reply_after_eof) send_all(fd, received.data(), received.size());
  std::lock_guard lock(mutex_);
  open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
  ::close(fd);
  finished_.push_back(std::move(received));
  resets_.push_back(reset);
  finished_changed_.notify_all();
}

std::vector<bool> TcpUpstream::resets() const {
  std::lock_guard lock(mutex_);
  return resets_;
}

std::uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace tlsfloor::test
