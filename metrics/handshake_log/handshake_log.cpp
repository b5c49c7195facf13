#include "metrics/handshake_log/handshake_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "config/file_io.h"

namespace tlsfloor::handshake_log {
namespace {

// The log's mode: the group may read it (a log shipper), others not; set explicitly, because a
// service's umask (systemd's UMask=0077) would otherwise narrow it.
constexpr mode_t kLogMode = 0640;

int open_for_append(const std::string& path, bool follow_symlinks) {
  const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (follow_symlinks ? 0 : O_NOFOLLOW);
  const int created = ::open(path.c_str(), flags | O_CREAT | O_EXCL, kLogMode);
  if (created >= 0) {
    ::fchmod(created, kLogMode);
    return created;
  }
  if (errno != EEXIST) return -1;
  // There already: a file (appended to, its mode kept), or a link (refused with ELOOP unless
  // followed; a dangling one then creates its target).
  return ::open(path.c_str(), flags | O_CREAT, kLogMode);
}

// gethostname() at start: a host renamed while tlsfloor runs keeps its old name in the log until
// a restart, as its other start-time facts do.
std::string local_host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

std::string open_error(const std::string& path) {
  if (errno == ELOOP) {
    return "access log " + path +
           " is a symbolic link (set follow_symlinks: true in access_log to write through it)";
  }
  return "cannot open access log " + path;
}

}  // namespace

std::optional<std::string> check_writable(const std::string& path, bool follow_symlinks) {
  const auto failure = [&](int error) -> std::optional<std::string> {
    errno = error;
    return std::system_error(error, std::generic_category(), open_error(path)).what();
  };
  struct stat status {};
  if (::lstat(path.c_str(), &status) == 0) {
    if (S_ISLNK(status.st_mode) && !follow_symlinks) return failure(ELOOP);
    if (S_ISDIR(status.st_mode)) return failure(EISDIR);
    if (::access(path.c_str(), W_OK) != 0) return failure(errno);
    return std::nullopt;
  }
  if (errno != ENOENT) return failure(errno);
  // Not there yet: it can be created if its directory can be written.
  std::string directory = path.substr(0, path.find_last_of('/') + 1);
  if (directory.empty()) directory = ".";
  if (::access(directory.c_str(), W_OK | X_OK) != 0) return failure(errno);
  return std::nullopt;
}

HandshakeLog::HandshakeLog(std::string path, metrics::HandshakeLogCounters counters,
                           Options options)
    : path_(std::move(path)), host_(local_host_name()), counters_(counters), options_(options) {
  fd_ = open_for_append(path_, options_.follow_symlinks);
  if (fd_ < 0) {
    throw std::system_error(errno, std::generic_category(), open_error(path_));
  }
  queue_.reserve(std::min<std::size_t>(options_.capacity, 1024));
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

std::size_t HandshakeLog::approximate_bytes(const HandshakeEvent& event) {
  std::size_t bytes =
      sizeof event + event.listener.capacity() + event.route.capacity() +
      event.client_address.capacity() + event.balancer.capacity() + event.vpce_id.capacity() +
      event.offered_versions.capacity() * sizeof(std::uint16_t) + event.cipher.capacity() +
      event.server_name.capacity() + event.alpn.capacity() * sizeof(std::string) +
      event.ja3.capacity() + event.ja4.capacity() + event.outcome.capacity() +
      event.decision.capacity() + event.reason.capacity();
  for (const std::string& name : event.alpn) bytes += name.capacity();
  return bytes;
}

void HandshakeLog::submit(HandshakeEvent event) {
  const std::size_t bytes = approximate_bytes(event);
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    ++submitted_;
    if (queue_.size() >= options_.capacity || queued_bytes_ + bytes > options_.queue_bytes) {
      ++finished_;
      counters_.dropped_queue_full.Increment();
      return;
    }
    queued_bytes_ += bytes;
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
    queued_bytes_ = 0;
    lock.unlock();
    // Here, on the writer's thread, rather than by the workers that build the events.
    for (HandshakeEvent& event : batch) {
      if (event.host.empty()) event.host = host_;
    }
    const bool ok = write_batch(batch, buffer);
    (ok ? counters_.written : counters_.dropped_write_error)
        .Increment(static_cast<double>(batch.size()));
    const std::size_t done = batch.size();
    batch.clear();
    // After a spike, give the memory back: steady state needs a few hundred events at most.
    if (batch.capacity() > kWakeAt * 2) std::vector<HandshakeEvent>().swap(batch);
    if (buffer.capacity() > kWriteChunk * 2) std::string().swap(buffer);
    lock.lock();
    finished_ += done;
    batch_done_.notify_all();
  }
}

bool HandshakeLog::write_batch(const std::vector<HandshakeEvent>& batch, std::string& buffer) {
  // In chunks: a batch of large lines is never formatted into one buffer whole.
  buffer.clear();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    buffer += to_json_line(batch[i], options_.schema);
    if (buffer.size() < kWriteChunk && i + 1 < batch.size()) continue;
    if (!config::write_all(fd_, buffer)) {
      // Once per batch at most: a full disk must not also flood the error log.
      spdlog::error("access log {}: write failed: {}; {} line(s) lost", path_, std::strerror(errno),
                    batch.size());
      return false;
    }
    buffer.clear();
  }
  return true;
}

void HandshakeLog::reopen_now() {
  const int fd = open_for_append(path_, options_.follow_symlinks);
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
