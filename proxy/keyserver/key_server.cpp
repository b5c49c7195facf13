#include "proxy/keyserver/key_server.h"

#include <poll.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <system_error>

namespace tlsfloor::keyserver {
namespace {

// A peer that stops reading its answers must not hold a signing thread for ever.
constexpr timeval kSendTimeout{5, 0};
// What one read() takes: many pipelined requests at once, and always a whole largest frame.
constexpr std::size_t kReadChunk = 16 * 1024;
static_assert(kReadChunk >= protocol::kMaxRequestFrame);

unsigned usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

bool write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<std::size_t>(sent);
  }
  return true;
}

}  // namespace

struct KeyServer::Peer {
  explicit Peer(int descriptor) : fd(descriptor) {}
  ~Peer() { ::close(fd); }
  const int fd;
  ucred credentials{};
  std::mutex write_mutex;  // one answer at a time on the socket
  std::mutex mutex;
  std::condition_variable answered;
  unsigned in_flight = 0;  // guarded by mutex
};

KeyServer::KeyServer(const KeyServerConfig& config, const KeyStore& keys)
    : config_(config), keys_(keys) {
  for (std::size_t i = 0; i < keys_.keys().size(); ++i) {
    counters_.push_back(std::make_unique<KeyCounters>());
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, config_.socket.c_str(), config_.socket.size() + 1);
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) fail("socket");
  // A socket file left by a key server that was killed (nobody accepts on it) is replaced; a
  // live one is another key server's, and anything else is not ours.
  struct stat existing {};
  if (::lstat(config_.socket.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) {
      errno = EEXIST;
      fail(config_.socket + " exists and is not a socket");
    }
    if (::connect(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      errno = EADDRINUSE;
      fail("another key server is listening on " + config_.socket);
    }
    ::close(listen_fd_);
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) fail("socket");
    ::unlink(config_.socket.c_str());
  }
  // Made with no permission at all, then opened to exactly the configured mode: no moment in
  // which another user could connect.
  const mode_t old_mask = ::umask(0777);
  const int bound = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::umask(old_mask);
  if (bound != 0) fail("cannot bind " + config_.socket);
  if (config_.socket_group &&
      ::chown(config_.socket.c_str(), static_cast<uid_t>(-1), *config_.socket_group) != 0) {
    fail("cannot give " + config_.socket + " to group " + std::to_string(*config_.socket_group));
  }
  if (::chmod(config_.socket.c_str(), config_.socket_mode) != 0) {
    fail("cannot set the mode of " + config_.socket);
  }
  struct stat made {};
  if (::stat(config_.socket.c_str(), &made) == 0) {
    socket_device_ = made.st_dev;
    socket_inode_ = made.st_ino;
  }
  if (::listen(listen_fd_, 128) != 0) fail("cannot listen on " + config_.socket);
  const unsigned threads = config_.threads != 0 ? config_.threads : usable_cores();
  for (unsigned i = 0; i < threads; ++i) {
    workers_.emplace_back([this] { work(); });
    ::pthread_setname_np(workers_.back().native_handle(), "keyserver-sign");
  }
}

KeyServer::~KeyServer() {
  stop();
  // Only the socket file this process made: a new key server may already have replaced it.
  struct stat now {};
  if (::lstat(config_.socket.c_str(), &now) == 0 && now.st_dev == socket_device_ &&
      now.st_ino == socket_inode_) {
    ::unlink(config_.socket.c_str());
  }
}

void KeyServer::run(int signal_fd) {
  for (;;) {
    pollfd waits[2] = {{listen_fd_, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    if (::poll(waits, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("poll: {}", std::strerror(errno));
      break;
    }
    if (waits[1].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signal_fd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGUSR1) {
          log_counters();
        } else {
          spdlog::info("{}: answering what is in flight, then stopping",
                       info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
          break;
        }
      }
    }
    if (waits[0].revents & POLLIN) accept_one();
  }
  stop();
}

bool KeyServer::allowed(uid_t uid, gid_t gid) const {
  if (config_.allowed_uids.empty() && config_.allowed_gids.empty()) return uid == ::geteuid();
  return std::find(config_.allowed_uids.begin(), config_.allowed_uids.end(), uid) !=
             config_.allowed_uids.end() ||
         std::find(config_.allowed_gids.begin(), config_.allowed_gids.end(), gid) !=
             config_.allowed_gids.end();
}

void KeyServer::accept_one() {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
      spdlog::warn("accept: {}", std::strerror(errno));
    }
    return;
  }
  auto peer = std::make_shared<Peer>(fd);
  socklen_t length = sizeof peer->credentials;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer->credentials, &length) != 0 ||
      !allowed(peer->credentials.uid, peer->credentials.gid)) {
    refused_peers_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn(
        "refused a connection from pid {} uid {} gid {}: not in allowed_uids or allowed_gids",
        peer->credentials.pid, peer->credentials.uid, peer->credentials.gid);
    return;  // closed with its last reference
  }
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kSendTimeout, sizeof kSendTimeout);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (readers_ >= config_.max_connections) {
      refused_over_limit_.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("refused a connection from pid {}: {} connections already (max_connections)",
                   peer->credentials.pid, readers_);
      return;
    }
    ++readers_;
    std::erase_if(peers_, [](const std::weak_ptr<Peer>& gone) { return gone.expired(); });
    peers_.push_back(peer);
  }
  accepted_.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("connection from pid {} uid {}", peer->credentials.pid, peer->credentials.uid);
  std::thread reader([this, peer] { read_requests(peer); });
  ::pthread_setname_np(reader.native_handle(), "keyserver-read");
  reader.detach();  // run() waits for readers_ to reach 0 before anything it uses goes away
}

void KeyServer::read_requests(std::shared_ptr<Peer> peer) {
  std::vector<std::uint8_t> buffer(kReadChunk);
  std::size_t buffered = 0;
  std::vector<Job> read_now;  // the requests of one read
  std::vector<std::uint8_t> output;
  std::vector<std::uint8_t> frame;
  const char* why = "closed by the peer";
  for (bool open = true; open;) {
    const ssize_t got = ::read(peer->fd, buffer.data() + buffered, buffer.size() - buffered);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got < 0) why = std::strerror(errno);
      break;
    }
    buffered += static_cast<std::size_t>(got);
    std::size_t start = 0;
    for (;;) {
      const auto parsed = protocol::parse_request({buffer.data() + start, buffered - start});
      if (parsed.status == protocol::ParseStatus::incomplete) break;
      if (parsed.status == protocol::ParseStatus::invalid) {
        invalid_frames_.fetch_add(1, std::memory_order_relaxed);
        why = parsed.error;
        open = false;
        break;
      }
      {
        // Backpressure: this connection is not read while its bound is reached (what this
        // read brought is handed out first, or nothing would lower the count).
        std::unique_lock lock(peer->mutex);
        if (peer->in_flight >= config_.max_in_flight && !read_now.empty()) {
          lock.unlock();
          dispatch(read_now, output, frame);
          lock.lock();
        }
        peer->answered.wait(lock, [&] { return peer->in_flight < config_.max_in_flight; });
        ++peer->in_flight;
      }
      const protocol::Request& request = parsed.frame;
      read_now.push_back({peer, request.operation, request.algorithm, request.id, request.key_id,
                          std::vector<std::uint8_t>(request.input.begin(), request.input.end())});
      start += parsed.consumed;
    }
    dispatch(read_now, output, frame);
    std::memmove(buffer.data(), buffer.data() + start, buffered - start);
    buffered -= start;
  }
  if (std::string_view(why) != "closed by the peer") {
    spdlog::warn("closing the connection from pid {}: {}", peer->credentials.pid, why);
  } else {
    spdlog::info("connection from pid {} closed", peer->credentials.pid);
  }
  // Answers still being made fail to write; the descriptor closes with the last job.
  ::shutdown(peer->fd, SHUT_RDWR);
  peer.reset();
  std::lock_guard lock(mutex_);
  --readers_;
  readers_done_.notify_all();
}

void KeyServer::dispatch(std::vector<Job>& read_now, std::vector<std::uint8_t>& output,
                         std::vector<std::uint8_t>& frame) {
  if (read_now.empty()) return;
  {
    std::unique_lock lock(jobs_mutex_);
    if (read_now.size() == 1 && jobs_.empty()) {
      // A lone request while no signing thread has a queue (the common case: handshakes one
      // at a time per tlsfloor thread) is answered here. Handing it over would wake a signing
      // thread for it, and each wake-up is CPU the signature does not need; this connection's
      // next request waits in the socket meanwhile, and the other connections have their own
      // reader threads.
      lock.unlock();
      answer(read_now.front(), output, frame);
      read_now.clear();
      return;
    }
    for (Job& job : read_now) jobs_.push_back(std::move(job));
  }
  if (read_now.size() == 1) {
    jobs_ready_.notify_one();
  } else {
    jobs_ready_.notify_all();
  }
  read_now.clear();
}

void KeyServer::work() {
  std::vector<std::uint8_t> output;
  std::vector<std::uint8_t> frame;
  output.reserve(protocol::kMaxOutput);
  frame.reserve(protocol::kMaxResponseFrame);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(jobs_mutex_);
      jobs_ready_.wait(lock, [this] { return jobs_closing_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // closing, and every job is answered
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    answer(job, output, frame);
  }
}

void KeyServer::answer(Job& job, std::vector<std::uint8_t>& output,
                       std::vector<std::uint8_t>& frame) {
  const HeldKey* key = keys_.find(job.key_id);
  protocol::Request request;
  request.operation = job.operation;
  request.algorithm = job.algorithm;
  request.id = job.id;
  request.key_id = job.key_id;
  request.input = job.input;
  const auto started = std::chrono::steady_clock::now();
  const protocol::Status status = perform(key, request, output);
  const auto spent = std::chrono::steady_clock::now() - started;
  if (key == nullptr) {
    unknown_keys_.fetch_add(1, std::memory_order_relaxed);
  } else {
    KeyCounters& counters = *counters_[static_cast<std::size_t>(key - keys_.keys().data())];
    if (status != protocol::Status::ok) {
      counters.errors.fetch_add(1, std::memory_order_relaxed);
    } else if (job.operation != protocol::Operation::probe) {
      (job.operation == protocol::Operation::sign ? counters.signatures : counters.decryptions)
          .fetch_add(1, std::memory_order_relaxed);
      counters.busy_microseconds.fetch_add(
          static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(spent).count()),
          std::memory_order_relaxed);
    }
  }
  frame.clear();
  protocol::append_response(frame, {status, job.id, output});
  Peer& peer = *job.peer;
  {
    std::lock_guard lock(peer.write_mutex);
    if (!write_all(peer.fd, frame.data(), frame.size())) ::shutdown(peer.fd, SHUT_RDWR);
  }
  {
    std::lock_guard lock(peer.mutex);
    --peer.in_flight;
  }
  peer.answered.notify_one();
}

void KeyServer::stop() {
  {
    std::unique_lock lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      // No more requests: readers see the end of their streams; answers can still be written.
      for (const auto& weak : peers_) {
        if (const auto peer = weak.lock()) ::shutdown(peer->fd, SHUT_RD);
      }
    }
    readers_done_.wait(lock, [this] { return readers_ == 0; });
  }
  {
    std::lock_guard lock(jobs_mutex_);
    jobs_closing_ = true;
  }
  jobs_ready_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

void KeyServer::log_counters() const {
  for (std::size_t i = 0; i < keys_.keys().size(); ++i) {
    const KeyCounters& counters = *counters_[i];
    const std::uint64_t made = counters.signatures + counters.decryptions;
    spdlog::info("key {}: {} signatures, {} decryptions, {} errors, {:.1f} us per operation",
                 keys_.keys()[i].config.name, counters.signatures.load(),
                 counters.decryptions.load(), counters.errors.load(),
                 made == 0 ? 0.0 : static_cast<double>(counters.busy_microseconds) / made);
  }
  spdlog::info(
      "connections: {} accepted, {} refused (peer credentials), {} refused (max_connections), "
      "{} closed for invalid frames; {} requests for unknown keys",
      accepted_.load(), refused_peers_.load(), refused_over_limit_.load(), invalid_frames_.load(),
      unknown_keys_.load());
}

}  // namespace tlsfloor::keyserver
