#include "proxy/keyserver_client/keyserver_client.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cstring>

namespace tlsfloor::keyserver_client {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// A key server restarted by systemd is back within a few hundred milliseconds: try soon, then
// less and less often, never slower than this.
constexpr std::chrono::milliseconds kFirstBackoff{20};
constexpr std::chrono::milliseconds kMaxBackoff{500};
constexpr std::size_t kReadChunk = 16 * 1024;
static_assert(kReadChunk >= protocol::kMaxResponseFrame);

Outcome outcome_of(protocol::Status status) {
  switch (status) {
    case protocol::Status::ok:
      return Outcome::made;
    case protocol::Status::unknown_key:
      return Outcome::unknown_key;
    case protocol::Status::bad_algorithm:
      return Outcome::bad_algorithm;
    case protocol::Status::denied:
      return Outcome::denied;
    case protocol::Status::failed:
      break;
  }
  return Outcome::failed;
}

std::size_t operation_index(protocol::Operation operation) {
  return operation == protocol::Operation::decrypt ? 1 : 0;
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::made:
      return "made";
    case Outcome::unknown_key:
      return "unknown_key";
    case Outcome::bad_algorithm:
      return "bad_algorithm";
    case Outcome::denied:
      return "denied";
    case Outcome::failed:
      return "failed";
    case Outcome::disconnected:
      return "disconnected";
    case Outcome::unavailable:
      return "unavailable";
    case Outcome::timeout:
      return "timeout";
  }
  return "failed";
}

KeyServerClient::KeyServerClient(asio::io_context& context, Settings settings,
                                 metrics::KeyServerMetrics& metrics)
    : context_(context),
      settings_(std::move(settings)),
      metrics_(metrics),
      socket_(context.get_executor()),
      reconnect_timer_(context.get_executor()),
      deadline_timer_(context.get_executor()),
      incoming_(kReadChunk) {}

KeyServerClient::~KeyServerClient() = default;

void KeyServerClient::start() {
  asio::post(context_, [self = shared_from_this()] {
    if (self->started_ || self->stopped_) return;
    self->started_ = true;
    self->metrics_.connections_wanted().Increment();
    self->connect();
  });
}

void KeyServerClient::stop() {
  asio::post(context_, [self = shared_from_this()] {
    if (self->stopped_) return;
    self->stopped_ = true;
    if (self->started_) self->metrics_.connections_wanted().Decrement();
    self->disconnect(nullptr);
    self->reconnect_timer_.cancel();
    self->deadline_timer_.cancel();
    // Whatever still waits for a connection will not get one.
    std::vector<std::uint64_t> left;
    for (const auto& [id, pending] : self->pending_) left.push_back(id);
    for (const std::uint64_t id : left) self->finish(id, Outcome::unavailable, {});
  });
}

void KeyServerClient::connect() {
  if (stopped_ || connected_ || connecting_) return;
  connecting_ = true;
  error_code ec;
  socket_.close(ec);  // async_connect opens it anew
  socket_.async_connect(asio::local::stream_protocol::endpoint(settings_.socket),
                        [self = shared_from_this(), generation = generation_](error_code ec) {
                          self->connecting_ = false;
                          if (self->stopped_ || generation != self->generation_) return;
                          if (ec) {
                            self->metrics_.connects(false).Increment();
                            if (!self->said_down_) {
                              spdlog::warn("key server {}: cannot connect: {}; retrying",
                                           self->settings_.socket, ec.message());
                              self->said_down_ = true;
                            }
                            self->schedule_reconnect();
                            return;
                          }
                          self->on_connected();
                        });
}

void KeyServerClient::on_connected() {
  connected_ = true;
  backoff_ = std::chrono::milliseconds(0);
  metrics_.connects(true).Increment();
  metrics_.connections_open().Increment();
  if (said_down_) spdlog::info("key server {}: connected", settings_.socket);
  said_down_ = false;
  error_code ec;
  socket_.non_blocking(true, ec);
  // What waited for the connection goes first, in the order it was asked.
  for (const auto& [deadline, id] : deadlines_) {
    const auto found = pending_.find(id);
    if (found != pending_.end() && !found->second.sent) send(id, found->second);
  }
  flush();
  read();
}

void KeyServerClient::disconnect(const char* why) {
  if (connected_) {
    connected_ = false;
    metrics_.connections_open().Decrement();
    metrics_.disconnects().Increment();
    if (why != nullptr) spdlog::warn("key server {}: connection lost: {}", settings_.socket, why);
    said_down_ = why != nullptr;
  }
  ++generation_;
  connecting_ = false;
  writing_ = false;
  outgoing_.clear();
  writing_now_.clear();
  incoming_bytes_ = 0;
  error_code ec;
  socket_.close(ec);
  // Sent and unanswered: the key server that had them is gone. Their handshakes fail now
  // rather than at their deadline; requests not yet sent wait for the next connection.
  std::vector<std::uint64_t> lost;
  for (const auto& [id, pending] : pending_) {
    if (pending.sent) lost.push_back(id);
  }
  for (const std::uint64_t id : lost) finish(id, Outcome::disconnected, {});
  if (!stopped_) schedule_reconnect();
}

void KeyServerClient::schedule_reconnect() {
  backoff_ = std::clamp(backoff_ * 2, kFirstBackoff, kMaxBackoff);
  reconnect_timer_.expires_after(backoff_);
  reconnect_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->connect();
  });
}

void KeyServerClient::submit(const KeyRef& key, protocol::Operation operation,
                             std::uint16_t algorithm, std::span<const std::uint8_t> input,
                             Done done) {
  const std::uint64_t id = next_id_++;
  Pending pending;
  pending.done = std::move(done);
  pending.metrics = &metrics_for(key);
  pending.operation = operation;
  pending.started = Clock::now();
  pending.deadline = pending.started + settings_.timeout;
  auto [slot, inserted] = pending_.emplace(id, std::move(pending));
  metrics_.operations_pending().Increment();
  if (stopped_ || pending_.size() > settings_.max_pending || input.size() > protocol::kMaxInput) {
    // Answered from the event loop like every other outcome, never from within this call.
    asio::post(context_,
               [self = shared_from_this(), id] { self->finish(id, Outcome::unavailable, {}); });
    return;
  }
  protocol::Request request;
  request.operation = operation;
  request.algorithm = algorithm;
  request.id = id;
  request.key_id = key.id;
  request.input = input;
  protocol::append_request(slot->second.frame, request);
  deadlines_.emplace_back(slot->second.deadline, id);
  arm_deadline();
  if (connected_) {
    send(id, slot->second);
    flush();
  }
}

void KeyServerClient::send(std::uint64_t, Pending& pending) {
  pending.sent = true;
  outgoing_.insert(outgoing_.end(), pending.frame.begin(), pending.frame.end());
  pending.frame = {};
}

void KeyServerClient::flush() {
  if (!connected_ || writing_ || outgoing_.empty()) return;
  // Straight to the socket: a Unix socket's buffer takes a few hundred requests, so this is
  // nearly always the whole of it, with no wait and no other thread involved.
  error_code ec;
  const std::size_t written = socket_.write_some(asio::buffer(outgoing_), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    disconnect(ec.message().c_str());
    return;
  }
  outgoing_.erase(outgoing_.begin(), outgoing_.begin() + static_cast<std::ptrdiff_t>(written));
  if (outgoing_.empty()) return;
  writing_ = true;
  writing_now_.swap(outgoing_);
  asio::async_write(
      socket_, asio::buffer(writing_now_),
      [self = shared_from_this(), generation = generation_](error_code ec, std::size_t) {
        if (generation != self->generation_) return;
        self->writing_ = false;
        self->writing_now_.clear();
        if (ec) {
          self->disconnect(ec.message().c_str());
          return;
        }
        self->flush();
      });
}

void KeyServerClient::read() {
  socket_.async_read_some(
      asio::buffer(incoming_.data() + incoming_bytes_, incoming_.size() - incoming_bytes_),
      [self = shared_from_this(), generation = generation_](error_code ec, std::size_t bytes) {
        if (generation != self->generation_) return;
        if (ec) {
          self->disconnect(ec == asio::error::eof ? "closed by the key server"
                                                  : ec.message().c_str());
          return;
        }
        self->on_read(bytes);
      });
}

void KeyServerClient::on_read(std::size_t bytes) {
  incoming_bytes_ += bytes;
  std::size_t start = 0;
  const std::uint64_t generation = generation_;
  for (;;) {
    const auto parsed =
        protocol::parse_response({incoming_.data() + start, incoming_bytes_ - start});
    if (parsed.status == protocol::ParseStatus::incomplete) break;
    if (parsed.status == protocol::ParseStatus::invalid) {
      disconnect(parsed.error);
      return;
    }
    const protocol::Response& response = parsed.frame;
    // An answer to a request that timed out meanwhile is dropped.
    if (const auto found = pending_.find(response.id);
        found != pending_.end() && found->second.sent) {
      finish(response.id, outcome_of(response.status),
             std::vector<std::uint8_t>(response.output.begin(), response.output.end()));
      // A `done` may have stopped the client.
      if (generation != generation_) return;
    }
    start += parsed.consumed;
  }
  std::memmove(incoming_.data(), incoming_.data() + start, incoming_bytes_ - start);
  incoming_bytes_ -= start;
  read();
}

void KeyServerClient::arm_deadline() {
  if (deadlines_.empty() || deadlines_.front().first >= armed_for_) return;
  armed_for_ = deadlines_.front().first;
  deadline_timer_.expires_at(armed_for_);
  deadline_timer_.async_wait([self = shared_from_this()](error_code ec) {
    self->armed_for_ = Clock::time_point::max();
    if (!ec) self->expire();
  });
}

void KeyServerClient::expire() {
  const Clock::time_point now = Clock::now();
  while (!deadlines_.empty() && deadlines_.front().first <= now) {
    const std::uint64_t id = deadlines_.front().second;
    deadlines_.pop_front();
    const auto found = pending_.find(id);
    if (found == pending_.end()) continue;  // answered in time
    finish(id, found->second.sent ? Outcome::timeout : Outcome::unavailable, {});
  }
  // Answered ids are only dropped from the front as their deadlines pass.
  arm_deadline();
}

void KeyServerClient::finish(std::uint64_t id, Outcome outcome, std::vector<std::uint8_t> output) {
  const auto found = pending_.find(id);
  if (found == pending_.end()) return;
  Pending pending = std::move(found->second);
  pending_.erase(found);
  metrics_.operations_pending().Decrement();
  KeyMetrics& key = *pending.metrics;
  const std::size_t operation = operation_index(pending.operation);
  const std::string_view operation_name =
      operation == 1 ? "decrypt" : protocol::to_string(protocol::Operation::sign);
  prometheus::Counter*& counter = key.operations[operation * 8 + static_cast<std::size_t>(outcome)];
  if (counter == nullptr) {
    counter = &metrics_.operations(key.subject, key.key_type, operation_name, to_string(outcome));
  }
  counter->Increment();
  if (outcome == Outcome::made) {
    prometheus::Histogram*& latency = key.latency[operation];
    if (latency == nullptr) {
      latency = &metrics_.latency(key.subject, key.key_type, operation_name);
    }
    latency->Observe(std::chrono::duration<double>(Clock::now() - pending.started).count());
  } else {
    output.clear();
  }
  if (pending.done) pending.done(outcome, std::move(output));
}

KeyServerClient::KeyMetrics& KeyServerClient::metrics_for(const KeyRef& key) {
  auto& slot = keys_[key.id];
  if (!slot) {
    slot = std::make_unique<KeyMetrics>();
    slot->subject = key.subject;
    slot->key_type = key.key_type;
  }
  return *slot;
}

}  // namespace tlsfloor::keyserver_client
