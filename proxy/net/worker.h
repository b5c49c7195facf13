#pragma once
// One worker thread: its io_context, its relay buffers and the connections it runs. Everything
// here is touched from the worker's own thread only, except active_connections() and post().
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstddef>
#include <unordered_set>

#include "proxy/net/buffer_pool.h"
#include "proxy/tls/signing_pool.h"

namespace tlsfloor::net {

class Connection;

class Worker {
 public:
  /// `signing_pool`: where this worker's connections send their RSA signatures; null: they sign
  /// on this thread.
  Worker(unsigned index, tls::SigningPool* signing_pool)
      : index_(index), signing_pool_(signing_pool) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  unsigned index() const { return index_; }
  boost::asio::io_context& context() { return context_; }
  BufferPool& buffers() { return buffers_; }
  tls::SigningPool* signing_pool() const { return signing_pool_; }

  void track(Connection& connection);
  void untrack(Connection& connection);
  /// Closes every connection of this worker now (after the drain timeout). Worker thread only.
  void abort_connections();
  /// Safe from any thread.
  std::size_t active_connections() const { return active_.load(std::memory_order_relaxed); }

 private:
  unsigned index_;
  tls::SigningPool* signing_pool_;  // outlives the worker's connections (Server owns it)
  BufferPool buffers_;
  std::unordered_set<Connection*> connections_;
  std::atomic<std::size_t> active_{0};
  // Declared last, so destroyed first: destroying pending coroutines runs Connection
  // destructors, which still use the registry and the buffer pool above.
  // Hint 1: one thread runs this context, so Asio can skip most of its internal locking.
  boost::asio::io_context context_{1};
};

}  // namespace tlsfloor::net
