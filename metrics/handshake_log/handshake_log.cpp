#include "metrics/handshake_log/handshake_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "config/file_io.h"

namespace tlsfloor::handshake_log {
namespace {

int open_for_append(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

}  // namespace

HandshakeLog::HandshakeLog(std::string path, metrics::HandshakeLogCounters counters,
                           std::size_t capacity)
    : path_(std::move(path)), counters_(counters), capacity_(capacity) {
  fd_ = open_for_append(path_);
  if (fd_ < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot open access log " + path_);
  }
  queue_.reserve(std::min<std::size_t>(capacity_, 1024));
  writer_ = std::thread([this] { run(); });
}

HandshakeLog::~HandshakeLog() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_writer_.notify_one();
  writer_.join();
  ::close(fd_);
}

void HandshakeLog::submit(HandshakeEvent event) {
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    ++submitted_;
    if (queue_.size() >= capacity_) {
      ++finished_;
      counters_.dropped_queue_full.Increment();
      return;
    }
    queue_.push_back(std::move(event));
    // Waking the writer per line costs a futex call and a context switch per handshake, taken
    // from the workers (measured: about a fifth of the handshake rate on two cores). It wakes
    // itself every kFlushInterval instead, and is woken early only when a batch is large.
    wake = queue_.size() == kWakeAt;
  }
  if (wake) wake_writer_.notify_one();
}

void HandshakeLog::reopen() {
  {
    const std::lock_guard lock(mutex_);
    reopen_requested_ = true;
  }
  wake_writer_.notify_one();
}

void HandshakeLog::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = submitted_;
  flush_requested_ = true;
  wake_writer_.notify_one();
  batch_done_.wait(lock, [&] { return finished_ >= target; });
}

void HandshakeLog::run() {
  std::vector<HandshakeEvent> batch;
  std::string buffer;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_writer_.wait_for(lock, kFlushInterval, [&] {
      return queue_.size() >= kWakeAt || flush_requested_ || reopen_requested_ || stopping_;
    });
    flush_requested_ = false;
    if (reopen_requested_) {
      reopen_requested_ = false;
      lock.unlock();
      reopen_now();
      lock.lock();
    }
    if (queue_.empty()) {
      if (stopping_) return;
      continue;
    }
    batch.swap(queue_);  // both keep their capacity: no allocation in steady state
    lock.unlock();
    const bool ok = write_batch(batch, buffer);
    (ok ? counters_.written : counters_.dropped_write_error)
        .Increment(static_cast<double>(batch.size()));
    const std::size_t done = batch.size();
    batch.clear();
    lock.lock();
    finished_ += done;
    batch_done_.notify_all();
  }
}

bool HandshakeLog::write_batch(const std::vector<HandshakeEvent>& batch, std::string& buffer) {
  buffer.clear();
  for (const HandshakeEvent& event : batch) buffer += to_json_line(event);
  if (config::write_all(fd_, buffer)) return true;
  // Once per batch at most: a full disk must not also flood the error log.
  spdlog::error("access log {}: write failed: {}; {} line(s) lost", path_, std::strerror(errno),
                batch.size());
  return false;
}

void HandshakeLog::reopen_now() {
  const int fd = open_for_append(path_);
  if (fd < 0) {
    spdlog::error("access log {}: cannot reopen ({}); still writing to the old file", path_,
                  std::strerror(errno));
    return;
  }
  ::close(fd_);
  fd_ = fd;
  spdlog::info("access log {}: reopened", path_);
}

}  // namespace tlsfloor::handshake_log
