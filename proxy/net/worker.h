#pragma once
// One worker thread: its io_context, its relay buffers and the connections it runs. Everything
// here is touched from the worker's own thread only, except where a member says otherwise.
//
// A worker either runs its connections from accept to close, or (a handshake thread, see
// Config::handshake_threads) runs them up to the relay and then hands each to one of its relay
// workers, which runs the rest. Which of them accepts new connections is the server's choice
// (Server::follow_handshake_storm).
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "proxy/keyserver_client/keyserver_client.h"
#include "proxy/net/buffer_pool.h"
#include "proxy/tls/signing_pool.h"

namespace tlsfloor::net {

class Connection;

class Worker {
 public:
  /// `signing_pool`: where this worker's connections send their RSA signatures; null: they sign
  /// on this thread. `relay_workers`: where established connections go; empty: they stay here.
  Worker(unsigned index, tls::SigningPool* signing_pool, std::vector<Worker*> relay_workers = {})
      : index_(index), signing_pool_(signing_pool), relay_workers_(std::move(relay_workers)) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  unsigned index() const { return index_; }
  boost::asio::io_context& context() { return context_; }
  BufferPool& buffers() { return buffers_; }
  tls::SigningPool* signing_pool() const { return signing_pool_; }
  /// This worker's connection to the key server (on this worker's event loop); null without a
  /// top-level `keyserver` or on a worker that runs no handshakes.
  keyserver_client::KeyServerClient* key_server() const { return key_server_.get(); }
  /// Set once, before the worker's thread starts.
  void set_key_server(std::shared_ptr<keyserver_client::KeyServerClient> client) {
    key_server_ = std::move(client);
  }

  /// Where an established connection of this worker is to run its relays: the relay worker with
  /// the fewest connections, or null when this worker relays its own.
  Worker* relay_worker();

  void track(Connection& connection);
  void untrack(Connection& connection);
  /// A connection leaves another worker's thread for this one (see Connection): counted in
  /// active_connections() from now on, so a drain never finds it in neither. Any thread.
  void expect_arrival() { arriving_.fetch_add(1, std::memory_order_relaxed); }
  /// It has arrived: tracked here. False when this worker was told to abort its connections
  /// meanwhile (the connection is to be aborted too).
  bool arrived(Connection& connection);
  /// Closes every connection of this worker now (after the drain timeout), and every one that
  /// arrives later. Worker thread only.
  void abort_connections();
  /// A connection of this worker completed a full (not resumed) handshake.
  void count_full_handshake() {
    full_handshakes_.store(full_handshakes_.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
  }
  /// How many so far. Safe from any thread.
  std::uint64_t full_handshakes() const { return full_handshakes_.load(std::memory_order_relaxed); }
  /// Safe from any thread.
  std::size_t active_connections() const {
    return active_.load(std::memory_order_relaxed) + arriving_.load(std::memory_order_relaxed);
  }

 private:
  unsigned index_;
  tls::SigningPool* signing_pool_;  // outlives the worker's connections (Server owns it)
  const std::vector<Worker*> relay_workers_;
  std::size_t next_relay_ = 0;  // where the search for the least busy relay worker starts
  BufferPool buffers_;
  std::unordered_set<Connection*> connections_;
  std::atomic<std::size_t> active_{0};
  std::atomic<std::size_t> arriving_{0};
  // Written by this worker's thread only (no read-modify-write needed), read by the server's.
  std::atomic<std::uint64_t> full_handshakes_{0};
  bool aborting_ = false;
  // Declared last, so destroyed first: destroying pending coroutines runs Connection
  // destructors, which still use the registry and the buffer pool above.
  // Hint 1: one thread runs this context, so Asio can skip most of its internal locking.
  boost::asio::io_context context_{1};
  // After the context, so destroyed before it (its socket belongs to the context). Stopped by
  // the server's drain, so that the event loop can run out of work and end.
  std::shared_ptr<keyserver_client::KeyServerClient> key_server_;
};

}  // namespace tlsfloor::net
