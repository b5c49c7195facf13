#pragma once
// Relay buffers are borrowed only while bytes are in flight and given back as soon as a
// direction would block, so an idle connection holds none. One pool per worker thread: no
// locks, no allocation on the steady-state path once the pool has warmed up.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace tlsfloor::net {

/// Plaintext moved per step: a full-size SSL_read, or exactly one full record per SSL_write.
inline constexpr std::size_t kRelayChunkSize = 16 * 1024;
/// Room for one whole TLS record as it arrives (16 KiB of plaintext plus header, padding and
/// tag), so read-ahead takes a full-size record in one recv().
inline constexpr std::size_t kRelayBufferSize = 17 * 1024;
using RelayBuffer = std::array<std::uint8_t, kRelayBufferSize>;

class BufferPool;

/// A borrowed buffer; returns itself to the pool when destroyed.
class BufferLease {
 public:
  BufferLease(BufferPool& pool, std::unique_ptr<RelayBuffer> buffer)
      : pool_(&pool), buffer_(std::move(buffer)) {}
  BufferLease(BufferLease&&) noexcept = default;
  BufferLease& operator=(BufferLease&&) = delete;
  ~BufferLease();
  std::uint8_t* data() { return buffer_->data(); }
  static constexpr std::size_t size() { return kRelayBufferSize; }
  /// From now on the buffer goes back to `pool` (a connection moving to another worker keeps
  /// the bytes it holds). Touches neither pool.
  void return_to(BufferPool& pool) { pool_ = &pool; }

 private:
  BufferPool* pool_;
  std::unique_ptr<RelayBuffer> buffer_;
};

/// Not thread-safe by design: each worker owns one and uses it from its own thread only.
class BufferPool {
 public:
  /// Keeps at most `max_idle` free buffers; more are freed on return.
  explicit BufferPool(std::size_t max_idle = 256) : max_idle_(max_idle) {}
  BufferLease take();
  std::size_t idle() const { return free_.size(); }

 private:
  friend class BufferLease;
  void give_back(std::unique_ptr<RelayBuffer> buffer);
  std::size_t max_idle_;
  std::vector<std::unique_ptr<RelayBuffer>> free_;
};

}  // namespace tlsfloor::net
