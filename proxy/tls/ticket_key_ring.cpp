#include "proxy/tls/ticket_key_ring.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

namespace tlsfloor::tls {
namespace {

int ring_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int dispatch(SSL* ssl, uint8_t* name, uint8_t* iv, EVP_CIPHER_CTX* cipher, HMAC_CTX* hmac,
             int encrypt) {
  const auto* ring =
      static_cast<const TicketKeyRing*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ring_index()));
  if (ring == nullptr) return -1;
  return ring->use(name, iv, cipher, hmac, encrypt != 0);
}

config::TicketKey random_key() {
  config::TicketKey key;
  key.hmac_key.resize(32);
  key.aes_key.resize(32);
  RAND_bytes(key.name.data(), key.name.size());
  RAND_bytes(key.hmac_key.data(), key.hmac_key.size());
  RAND_bytes(key.aes_key.data(), key.aes_key.size());
  return key;
}

const EVP_CIPHER* cipher_of(const config::TicketKey& key) {
  return key.aes_key.size() == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
}

}  // namespace

TicketKeyRing::TicketKeyRing(std::vector<config::TicketKey> keys)
    : generated_(false), keys_(std::move(keys)) {}

TicketKeyRing::TicketKeyRing(std::chrono::milliseconds rotation)
    : generated_(true), rotation_(rotation), keys_{random_key()}, made_at_(Clock::now()) {}

void TicketKeyRing::install(SSL_CTX* context) const {
  SSL_CTX_set_ex_data(context, ring_index(), const_cast<TicketKeyRing*>(this));
  SSL_CTX_set_tlsext_ticket_key_cb(context, dispatch);
}

bool TicketKeyRing::serves(const config::SessionTicketsConfig& config) const {
  if (config.keys.empty()) return generated_ && rotation_ == config.rotation;
  std::lock_guard lock(mutex_);
  return !generated_ && keys_ == config.keys;
}

void TicketKeyRing::rotate_if_due(Clock::time_point now) const {
  if (!generated_ || now - made_at_ < rotation_) return;
  keys_.insert(keys_.begin(), random_key());
  keys_.resize(2);  // the new key, and the one before it for tickets it issued
  made_at_ = now;
}

int TicketKeyRing::use(std::uint8_t* name, std::uint8_t* iv, EVP_CIPHER_CTX* cipher, HMAC_CTX* hmac,
                       bool encrypt) const {
  std::lock_guard lock(mutex_);
  rotate_if_due(Clock::now());
  if (keys_.empty()) return -1;
  std::size_t index = 0;
  if (encrypt) {
    std::memcpy(name, keys_[0].name.data(), keys_[0].name.size());
    if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1) return -1;
  } else {
    const auto found = std::find_if(keys_.begin(), keys_.end(), [name](const auto& key) {
      return std::memcmp(key.name.data(), name, key.name.size()) == 0;
    });
    if (found == keys_.end()) return 0;
    index = static_cast<std::size_t>(found - keys_.begin());
  }
  const config::TicketKey& key = keys_[index];
  if (HMAC_Init_ex(hmac, key.hmac_key.data(), key.hmac_key.size(), EVP_sha256(), nullptr) != 1) {
    return -1;
  }
  const int ready =
      encrypt ? EVP_EncryptInit_ex(cipher, cipher_of(key), nullptr, key.aes_key.data(), iv)
              : EVP_DecryptInit_ex(cipher, cipher_of(key), nullptr, key.aes_key.data(), iv);
  if (ready != 1) return -1;
  return index == 0 ? 1 : 2;
}

}  // namespace tlsfloor::tls
