#pragma once
// The JSON-lines handshake log, written by its own thread: workers hand events over through a
// bounded queue and never wait for the disk. When the queue is full the event is dropped and
// counted, because a slow or stuck disk must cost log lines, never handshakes.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/handshake_log/handshake_event.h"
#include "metrics/metrics.h"

namespace tlsfloor::handshake_log {

class HandshakeLog {
 public:
  /// Lines buffered at most: at ~400 bytes a line, 16384 lines are ~6.5 MiB in the worst case,
  /// and a few seconds of a busy listener's handshakes.
  static constexpr std::size_t kDefaultCapacity = 16384;
  /// How long a line may wait in the queue before the writer takes it.
  static constexpr std::chrono::milliseconds kFlushInterval{100};
  /// A batch this large wakes the writer at once.
  static constexpr std::size_t kWakeAt = 512;

  /// Opens `path` for appending (creating it, mode 0640) and starts the writer thread. Throws
  /// std::system_error naming the path when it cannot be opened.
  HandshakeLog(std::string path, metrics::HandshakeLogCounters counters,
               std::size_t capacity = kDefaultCapacity);
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

 private:
  void run();
  // Writes a batch; returns false (and logs) on an I/O error.
  bool write_batch(const std::vector<HandshakeEvent>& batch, std::string& buffer);
  void reopen_now();

  const std::string path_;
  metrics::HandshakeLogCounters counters_;
  const std::size_t capacity_;
  int fd_ = -1;  // writer thread only, after construction

  std::mutex mutex_;
  std::condition_variable wake_writer_;
  std::condition_variable batch_done_;
  std::vector<HandshakeEvent> queue_;
  std::uint64_t submitted_ = 0;  // events accepted into the queue or dropped
  std::uint64_t finished_ = 0;   // of those, written or dropped
  bool reopen_requested_ = false;
  bool flush_requested_ = false;
  bool stopping_ = false;
  std::thread writer_;  // last: started once everything above exists
};

}  // namespace tlsfloor::handshake_log
