#pragma once
// tlsfloor's side of the key server: one connection per thread that runs handshakes, driven by
// that thread's io_context, so a handshake's request is written and its answer read on the
// thread that resumes the handshake (no hop through another thread). Requests are pipelined
// and matched to answers by id.
//
// When the key server goes away (a crash, a restart by systemd), the requests in flight on the
// connection fail (`disconnected`: their handshakes fail, counted) and the client reconnects
// with backoff; a request made meanwhile waits for the new connection, within
// keyserver.timeout, then fails (`unavailable`). A request sent and not answered in that time
// fails too (`timeout`). Nothing here knows TLS: it moves bytes for the connection's
// private-key method.
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "metrics/keyserver_metrics.h"
#include "proxy/keyserver_protocol/frame.h"

namespace tlsfloor::keyserver_client {

namespace protocol = keyserver_protocol;

/// Which key a request is for, and the labels its metrics carry.
struct KeyRef {
  protocol::KeyId id{};
  std::string_view subject;
  std::string_view key_type;  // "RSA2048", "EC256"
};

/// How a request ended (the metric's `outcome`). `timeout` is the last: the server makes every
/// series from `made` to it at 0.
enum class Outcome {
  made,
  unknown_key,
  bad_algorithm,
  denied,
  failed,
  disconnected,
  unavailable,
  timeout
};
std::string_view to_string(Outcome outcome);

struct Settings {
  std::string socket;
  /// From the request to its answer, waiting for a connection included.
  std::chrono::milliseconds timeout{2000};
  /// Requests waiting or in flight on this connection; more fail at once (`unavailable`).
  std::size_t max_pending = 10000;
};

class KeyServerClient : public std::enable_shared_from_this<KeyServerClient> {
 public:
  using Executor = boost::asio::io_context::executor_type;
  using Clock = std::chrono::steady_clock;
  /// Called on the client's thread, once per request: the output when made, else empty.
  using Done = std::function<void(Outcome outcome, std::vector<std::uint8_t> output)>;

  /// Nothing happens until start().
  KeyServerClient(boost::asio::io_context& context, Settings settings,
                  metrics::KeyServerMetrics& metrics);
  ~KeyServerClient();
  KeyServerClient(const KeyServerClient&) = delete;
  KeyServerClient& operator=(const KeyServerClient&) = delete;

  /// Connects (and keeps reconnecting). Any thread.
  void start();
  /// Closes the connection and fails every request; no reconnecting after. Any thread.
  void stop();
  /// Asks for `operation` with `key`. The client's thread only; `done` is always called later,
  /// from the event loop, never from within submit().
  void submit(const KeyRef& key, protocol::Operation operation, std::uint16_t algorithm,
              std::span<const std::uint8_t> input, Done done);
  /// Whether the connection is up now. The client's thread only.
  bool connected() const { return connected_; }

 private:
  using Socket = boost::asio::basic_stream_socket<boost::asio::local::stream_protocol, Executor>;
  using Timer = boost::asio::basic_waitable_timer<Clock, boost::asio::wait_traits<Clock>, Executor>;

  // The labels and handles of one key, looked up once per client.
  struct KeyMetrics {
    std::string subject;
    std::string key_type;
    std::array<prometheus::Counter*, 2 * 8> operations{};  // [operation][outcome]
    std::array<prometheus::Histogram*, 2> latency{};
  };
  struct Pending {
    Done done;
    KeyMetrics* metrics = nullptr;
    protocol::Operation operation = protocol::Operation::sign;
    Clock::time_point started;
    Clock::time_point deadline;
    bool sent = false;
    std::vector<std::uint8_t> frame;  // kept until sent
  };

  void connect();
  void on_connected();
  void disconnect(const char* why);
  void schedule_reconnect();
  void send(std::uint64_t id, Pending& pending);
  void flush();
  void read();
  void on_read(std::size_t bytes);
  void arm_deadline();
  void expire();
  void finish(std::uint64_t id, Outcome outcome, std::vector<std::uint8_t> output);
  KeyMetrics& metrics_for(const KeyRef& key);

  boost::asio::io_context& context_;
  const Settings settings_;
  metrics::KeyServerMetrics& metrics_;
  Socket socket_;
  Timer reconnect_timer_;
  Timer deadline_timer_;
  bool started_ = false;
  bool stopped_ = false;
  bool connecting_ = false;
  bool connected_ = false;
  bool writing_ = false;
  bool said_down_ = false;  // the outage is logged once, not at every attempt
  // Bumped at every disconnect: handlers of the old socket's operations see it and stop.
  std::uint64_t generation_ = 0;
  std::chrono::milliseconds backoff_{0};
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, Pending> pending_;
  // Ids in the order they were submitted, which is their deadlines' order (one timeout for all).
  std::deque<std::pair<Clock::time_point, std::uint64_t>> deadlines_;
  Clock::time_point armed_for_ = Clock::time_point::max();
  std::vector<std::uint8_t> outgoing_;     // frames not yet handed to the socket
  std::vector<std::uint8_t> writing_now_;  // what an asynchronous write is sending
  std::vector<std::uint8_t> incoming_;
  std::size_t incoming_bytes_ = 0;
  std::map<protocol::KeyId, std::unique_ptr<KeyMetrics>> keys_;
};

}  // namespace tlsfloor::keyserver_client
