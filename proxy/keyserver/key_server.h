#pragma once
// The key server's socket side: a Unix stream socket, peers checked by the kernel's word on who
// they are (SO_PEERCRED) before a byte is read, one reader thread per connection (bounded),
// and a pool of signing threads that answer requests as they finish, by id (pipelining: a
// connection has many requests in flight, answered out of order). A read that brings a lone
// request while the pool is idle is answered by its reader thread: no wake-up of another
// thread for one signature. Everything is bounded:
// connections, requests in flight per connection (beyond, the connection is not read), frame
// sizes (a frame that breaks a rule closes its connection, and only that one).
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "proxy/keyserver/key_store.h"
#include "proxy/keyserver/keyserver_config.h"

namespace tlsfloor::keyserver {

class KeyServer {
 public:
  /// Binds and listens on config.socket (a stale socket file there is replaced; any other file
  /// is left alone and is an error), with its mode and group; starts the signing threads.
  /// Throws std::system_error naming the path.
  KeyServer(const KeyServerConfig& config, const KeyStore& keys);
  /// Stops (if run() has not) and removes the socket file.
  ~KeyServer();
  KeyServer(const KeyServer&) = delete;
  KeyServer& operator=(const KeyServer&) = delete;

  /// Accepts and serves until SIGTERM or SIGINT arrives on `signal_fd` (a signalfd; SIGUSR1 on
  /// it logs the counters). Then stops accepting, answers what is in flight and returns.
  void run(int signal_fd);
  /// Every key's counters and the connection counters, as log lines.
  void log_counters() const;
  /// The signing threads (for the log line at start).
  unsigned threads() const { return static_cast<unsigned>(workers_.size()); }

  struct Peer;  // one accepted connection (key_server.cpp)

 private:
  // One request, copied out of the connection's buffer, waiting for a signing thread.
  struct Job {
    std::shared_ptr<Peer> peer;
    protocol::Operation operation = protocol::Operation::sign;
    std::uint16_t algorithm = 0;
    std::uint64_t id = 0;
    protocol::KeyId key_id{};
    std::vector<std::uint8_t> input;
  };
  struct KeyCounters {
    std::atomic<std::uint64_t> signatures{0};
    std::atomic<std::uint64_t> decryptions{0};
    std::atomic<std::uint64_t> errors{0};
    std::atomic<std::uint64_t> busy_microseconds{0};  // time spent in successful operations
  };

  void accept_one();
  bool allowed(uid_t uid, gid_t gid) const;
  void read_requests(std::shared_ptr<Peer> peer);
  // Answers a read's lone request on the reader thread when the signing threads are idle,
  // else queues the read's requests for them.
  void dispatch(std::vector<Job>& read_now, std::vector<std::uint8_t>& output,
                std::vector<std::uint8_t>& frame);
  void work();
  void answer(Job& job, std::vector<std::uint8_t>& output, std::vector<std::uint8_t>& frame);
  void stop();

  const KeyServerConfig& config_;
  const KeyStore& keys_;
  int listen_fd_ = -1;
  dev_t socket_device_ = 0;  // the socket file we made, so that only it is removed at exit
  ino_t socket_inode_ = 0;
  std::vector<std::unique_ptr<KeyCounters>> counters_;  // keys_.keys() order
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> refused_peers_{0};
  std::atomic<std::uint64_t> refused_over_limit_{0};
  std::atomic<std::uint64_t> invalid_frames_{0};
  std::atomic<std::uint64_t> unknown_keys_{0};

  mutable std::mutex mutex_;
  std::condition_variable readers_done_;
  std::vector<std::weak_ptr<Peer>> peers_;  // guarded by mutex_
  unsigned readers_ = 0;                    // guarded by mutex_
  bool stopping_ = false;                   // guarded by mutex_

  std::mutex jobs_mutex_;
  std::condition_variable jobs_ready_;
  std::deque<Job> jobs_;       // guarded by jobs_mutex_
  bool jobs_closing_ = false;  // guarded by jobs_mutex_
  std::vector<std::thread> workers_;
};

}  // namespace tlsfloor::keyserver
