#pragma once
// The key server's keys, with OpenSSL 3: loaded once at start from PEM files or a PKCS#11 token
// (OpenSSL's pkcs11 engine), each known by the SHA-256 of its SubjectPublicKeyInfo, the id
// tlsfloor computes from the certificate it serves. Signs and decrypts exactly what BoringSSL's
// private-key method hands over: the unhashed input with a TLS signature scheme, or an RSA
// ciphertext to decrypt without padding.
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "proxy/keyserver/keyserver_config.h"
#include "proxy/keyserver_protocol/frame.h"
#include "proxy/keyserver_protocol/scheme.h"

#ifdef OPENSSL_IS_BORINGSSL
#error "the key server is built against OpenSSL 3, never BoringSSL"
#endif

typedef struct evp_pkey_st EVP_PKEY;
typedef struct engine_st ENGINE;

namespace tlsfloor::keyserver {

namespace protocol = keyserver_protocol;

struct HeldKey {
  KeyConfig config;
  protocol::KeyId id{};
  protocol::KeyKind kind = protocol::KeyKind::rsa;
  /// "RSA2048", "EC256": for logs.
  std::string description;
  EVP_PKEY* key = nullptr;  // owned by the KeyStore
};

class KeyStore {
 public:
  /// Loads every key of `config`; problems (a file that cannot be read, a token that does not
  /// answer, a key type other than RSA and EC, two entries with the same key) are appended to
  /// `errors` at the key's position, and the store is then null.
  static std::unique_ptr<KeyStore> load(const KeyServerConfig& config,
                                        std::vector<config::ConfigError>& errors);
  ~KeyStore();
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  /// The key with this id, or null.
  const HeldKey* find(const protocol::KeyId& id) const;
  const std::vector<HeldKey>& keys() const { return keys_; }

 private:
  KeyStore() = default;
  std::vector<HeldKey> keys_;
  ENGINE* engine_ = nullptr;  // the pkcs11 engine, when a key came through it
};

/// Does what `request` asks of `key` (null: unknown key) and returns the status; a success's
/// signature or plaintext is written to `output`. Safe from any thread.
protocol::Status perform(const HeldKey* key, const protocol::Request& request,
                         std::vector<std::uint8_t>& output);

/// The id as lower-case hex (logs, --check).
std::string to_hex(const protocol::KeyId& id);

}  // namespace tlsfloor::keyserver
