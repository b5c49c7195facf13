#pragma once
// The keys that encrypt and decrypt session tickets, for every listener of the process. Either
// the operator's (session_tickets.keys_file, shared by replicas, rotated by editing the file) or
// tlsfloor's own, made at random and replaced every `rotation`. One ring outlives reloads, so
// a reload never turns returning clients into full handshakes.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "config/config.h"
#include "config/ticket_keys.h"
#include "proxy/tls/boringssl.h"

namespace tlsfloor::tls {

class TicketKeyRing {
 public:
  using Clock = std::chrono::steady_clock;

  /// The operator's keys, in file order: the first encrypts, all decrypt.
  explicit TicketKeyRing(std::vector<config::TicketKey> keys);
  /// Keys of tlsfloor's own: a new one encrypts every `rotation`, the one before it still
  /// decrypts, so a ticket is accepted for between one and two rotations.
  explicit TicketKeyRing(std::chrono::milliseconds rotation);
  TicketKeyRing(const TicketKeyRing&) = delete;
  TicketKeyRing& operator=(const TicketKeyRing&) = delete;

  /// Makes `context` encrypt and decrypt its tickets with this ring, which must outlive it.
  void install(SSL_CTX* context) const;
  /// For a reload: whether this ring already holds what `config` asks for.
  bool serves(const config::SessionTicketsConfig& config) const;

  /// BoringSSL's ticket key callback: for `encrypt`, fills `name` and `iv` with the current
  /// key's; otherwise finds the key `name` names. Returns 1 (done), 2 (decrypted with an older
  /// key: issue a new ticket), 0 (no such key: a full handshake) or -1 (failure).
  int use(std::uint8_t* name, std::uint8_t* iv, EVP_CIPHER_CTX* cipher, HMAC_CTX* hmac,
          bool encrypt) const;

 private:
  void rotate_if_due(Clock::time_point now) const;  // mutex_ held

  const bool generated_;
  const std::chrono::milliseconds rotation_{};
  mutable std::mutex mutex_;
  mutable std::vector<config::TicketKey> keys_;  // [0] encrypts
  mutable Clock::time_point made_at_{};          // of keys_[0], when generated
};

}  // namespace tlsfloor::tls
