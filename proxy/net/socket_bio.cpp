#include "proxy/net/socket_bio.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tlsfloor::net {
namespace {

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

}  // namespace

bssl::UniquePtr<BIO> SocketBio::make_bio() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tlsfloor socket");
    BIO_meth_set_read(m, &SocketBio::read);
    BIO_meth_set_write(m, &SocketBio::write);
    BIO_meth_set_ctrl(m, &SocketBio::control);
    return m;
  }();
  bssl::UniquePtr<BIO> bio(BIO_new(method));
  if (bio) {
    BIO_set_data(bio.get(), this);
    BIO_set_init(bio.get(), 1);
  }
  return bio;
}

int SocketBio::read(BIO* bio, char* out, int length) {
  auto* self = static_cast<SocketBio*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (length <= 0) return 0;
  if (self->buffered() == 0) {
    if (!self->buffer_) self->buffer_.emplace(self->pool_->take());
    const ssize_t received = ::recv(self->fd_, self->buffer_->data(), self->buffer_->size(), 0);
    if (received <= 0) {
      const int error = errno;
      self->buffer_.reset();
      if (received == 0) return 0;  // EOF
      if (would_block(error)) BIO_set_retry_read(bio);
      errno = error;
      return -1;
    }
    self->begin_ = 0;
    self->end_ = static_cast<std::size_t>(received);
  }
  const std::size_t taken = std::min(self->buffered(), static_cast<std::size_t>(length));
  std::memcpy(out, self->buffer_->data() + self->begin_, taken);
  self->begin_ += taken;
  self->release_if_empty();
  return static_cast<int>(taken);
}

void SocketBio::preload(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  if (!buffer_) buffer_.emplace(pool_->take());
  // Called before the SSL has read anything, with at most a PROXY header's read (kMaxHeader
  // bytes), which a relay buffer always holds.
  size = std::min(size, buffer_->size() - end_);
  std::memcpy(buffer_->data() + end_, data, size);
  end_ += size;
}

void SocketBio::release_if_empty() {
  if (buffered() != 0) return;
  buffer_.reset();
  begin_ = end_ = 0;
}

int SocketBio::write(BIO* bio, const char* in, int length) {
  auto* self = static_cast<SocketBio*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  const ssize_t sent = ::send(self->fd_, in, static_cast<std::size_t>(length), MSG_NOSIGNAL);
  if (sent < 0 && would_block(errno)) BIO_set_retry_write(bio);
  if (sent > 0) {
    self->written_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(
        std::uint64_t{self->written_} + static_cast<std::uint64_t>(sent), UINT32_MAX));
  }
  return static_cast<int>(sent);
}

long SocketBio::control(BIO* bio, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;  // nothing is held back on the write side
    case BIO_CTRL_PENDING:
      return static_cast<long>(static_cast<SocketBio*>(BIO_get_data(bio))->buffered());
    default:
      return 0;
  }
}

}  // namespace tlsfloor::net
