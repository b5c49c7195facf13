#pragma once
// The JSON-lines handshake log, written by its own thread: workers hand events over through a
// queue bounded in lines and in bytes, and never wait for the disk. When the queue is full the
// event is dropped and counted, because a slow or stuck disk (or a flood of handshakes) must
// cost log lines, never handshakes or memory. Memory: at most kDefaultQueueBytes of queued
// events, plus one write chunk, plus what the writer keeps between batches; buffers grown by a
// spike are released after it.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "metrics/handshake_log/handshake_event.h"
#include "metrics/metrics.h"

namespace tlsfloor::handshake_log {

class HandshakeLog {
 public:
  /// Lines buffered at most: a few seconds of a busy listener's handshakes.
  static constexpr std::size_t kDefaultCapacity = 16384;
  /// Bytes of queued events at most (as approximate_bytes() counts them). A typical event is
  /// about 0.5 KiB, the largest a client can cause about 3 KiB (bounded facts, see
  /// hello::HelloFacts): 8 MiB holds 16384 typical ones and never less than 2,700.
  static constexpr std::size_t kDefaultQueueBytes = 8 << 20;
  /// The writer formats and writes at most this much at a time.
  static constexpr std::size_t kWriteChunk = 256 << 10;
  /// How long a line may wait in the queue before the writer takes it.
  static constexpr std::chrono::milliseconds kFlushInterval{100};
  /// A batch this large wakes the writer at once.
  static constexpr std::size_t kWakeAt = 512;

  struct Options {
    std::size_t capacity = kDefaultCapacity;       // lines queued at most
    std::size_t queue_bytes = kDefaultQueueBytes;  // bytes of queued events at most
    /// Write through a symbolic link at `path`. Off by default: a link planted where the log
    /// goes would otherwise send tlsfloor's writes (as its user) to any file.
    bool follow_symlinks = false;
    /// The field names its lines are written with (access_log.schema).
    config::LogSchema schema = config::LogSchema::tlsfloor;
  };

  /// Opens `path` for appending and starts the writer thread. A new file is created with mode
  /// 0640 whatever the umask; an existing one keeps its mode. Throws std::system_error naming
  /// the path when it cannot be opened (or is a symbolic link and options.follow_symlinks is
  /// off).
  HandshakeLog(std::string path, metrics::HandshakeLogCounters counters, Options options);
  HandshakeLog(std::string path, metrics::HandshakeLogCounters counters)
      : HandshakeLog(std::move(path), counters, Options{}) {}
  /// Writes what is queued, then stops the writer.
  ~HandshakeLog();
  HandshakeLog(const HandshakeLog&) = delete;
  HandshakeLog& operator=(const HandshakeLog&) = delete;

  /// Queues one line; never blocks on I/O. Drops (and counts) it when the queue is full.
  void submit(HandshakeEvent event);
  /// Closes and reopens the file before the next write (logrotate's SIGUSR1 convention: the
  /// old file has been renamed). If reopening fails the old file is kept and the error logged.
  void reopen();
  /// Blocks until every event submitted before the call has been written or dropped.
  void flush();

  const std::string& path() const { return path_; }

  /// The heap and inline bytes an event holds while queued: what the byte bound counts.
  static std::size_t approximate_bytes(const HandshakeEvent& event);
  /// The field names its lines are written with.
  config::LogSchema schema() const { return options_.schema; }

 private:
  void run();
  // Writes a batch; returns false (and logs) on an I/O error.
  bool write_batch(const std::vector<HandshakeEvent>& batch, std::string& buffer);
  void reopen_now();

  const std::string path_;
  // This machine's host name, written into every line (`host`) so that replicas' logs can be
  // told apart once merged; read once, at start.
  const std::string host_;
  metrics::HandshakeLogCounters counters_;
  const Options options_;
  int fd_ = -1;  // writer thread only, after construction

  std::mutex mutex_;
  std::condition_variable wake_writer_;
  std::condition_variable batch_done_;
  std::vector<HandshakeEvent> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t submitted_ = 0;  // events accepted into the queue or dropped
  std::uint64_t finished_ = 0;   // of those, written or dropped
  bool reopen_requested_ = false;
  bool flush_requested_ = false;
  bool stopping_ = false;
  std::thread writer_;  // last: started once everything above exists
};

/// What opening `path` as a handshake log would say, without creating or changing anything (for
/// `tlsfloor --check`): nullopt when it could be opened, else the error HandshakeLog would give.
std::optional<std::string> check_writable(const std::string& path, bool follow_symlinks);

}  // namespace tlsfloor::handshake_log
