#pragma once
// The transport under a connection's SSL: its non-blocking socket, with read-ahead.
//
// BoringSSL reads a TLS record with two exact reads, the 5-byte header and then the body, so
// every record costs two recv() calls. SocketBio reads ahead instead: one recv() fetches the
// header, the body and often the next records, into a buffer borrowed from the worker's pool
// only while it holds bytes (an idle connection holds none). Writes use send(MSG_NOSIGNAL).
#include <cstddef>
#include <cstdint>
#include <optional>

#include "proxy/net/buffer_pool.h"
#include "proxy/tls/boringssl.h"

namespace tlsfloor::net {

class SocketBio {
 public:
  SocketBio(int fd, BufferPool& pool) : fd_(fd), pool_(&pool) {}
  SocketBio(const SocketBio&) = delete;
  SocketBio& operator=(const SocketBio&) = delete;

  /// A BIO for SSL_set_bio that reads and writes through this object, which must outlive it.
  bssl::UniquePtr<BIO> make_bio();
  /// Bytes read from the socket that BoringSSL has not taken yet. While this is non-zero,
  /// waiting for the socket to become readable could wait forever for bytes already here.
  std::size_t buffered() const { return end_ - begin_; }
  /// Bytes written to the socket so far (saturating): more than one alert record means the
  /// server's first flight (and so its certificate, in a full handshake) went out.
  std::uint32_t written() const { return written_; }
  /// Bytes read from the socket before this BIO took it over (a PROXY header's reader reads
  /// past the header): they are what the SSL reads first. Takes a buffer from the pool.
  void preload(const std::uint8_t* data, std::size_t size);
  /// The socket is about to be closed: from now on reads and writes fail (EBADF) instead of
  /// reaching whatever descriptor reuses the number.
  void detach() { fd_ = -1; }
  /// The connection moves to another worker: buffers come from, and go back to, `pool` (the
  /// bytes read ahead stay). Touches neither pool, so the old worker's thread may call it.
  void use_pool(BufferPool& pool) {
    pool_ = &pool;
    if (buffer_) buffer_->return_to(pool);
  }

 private:
  static int read(BIO* bio, char* out, int length);
  static int write(BIO* bio, const char* in, int length);
  static long control(BIO* bio, int command, long number, void* pointer);
  void release_if_empty();

  int fd_;
  BufferPool* pool_;
  std::optional<BufferLease> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::uint32_t written_ = 0;
};

}  // namespace tlsfloor::net
