#include "proxy/net/buffer_pool.h"

namespace tlsfloor::net {

BufferLease::~BufferLease() {
  if (buffer_) pool_->give_back(std::move(buffer_));
}

BufferLease BufferPool::take() {
  if (free_.empty()) {
    // Uninitialised on purpose: the bytes are always written before they are read.
    return BufferLease(*this, std::unique_ptr<RelayBuffer>(new RelayBuffer));
  }
  auto buffer = std::move(free_.back());
  free_.pop_back();
  return BufferLease(*this, std::move(buffer));
}

void BufferPool::give_back(std::unique_ptr<RelayBuffer> buffer) {
  if (free_.size() < max_idle_) free_.push_back(std::move(buffer));
}

}  // namespace tlsfloor::net
