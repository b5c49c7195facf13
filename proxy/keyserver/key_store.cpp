// The ENGINE API is deprecated in OpenSSL 3 but is how Debian's libengine-pkcs11-openssl is
// reached (Debian 12 ships no pkcs11 provider); only this file uses it.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "proxy/keyserver/key_store.h"

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace tlsfloor::keyserver {
namespace {

struct Free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
  void operator()(std::FILE* file) const { std::fclose(file); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no reason given";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

const EVP_MD* digest_of(protocol::Digest digest) {
  switch (digest) {
    case protocol::Digest::md5_sha1:
      return EVP_md5_sha1();
    case protocol::Digest::sha1:
      return EVP_sha1();
    case protocol::Digest::sha256:
      return EVP_sha256();
    case protocol::Digest::sha384:
      return EVP_sha384();
    case protocol::Digest::sha512:
      return EVP_sha512();
  }
  return nullptr;
}

EVP_PKEY* read_pem(const std::string& path, std::string& error) {
  Owned<std::FILE> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    error = "cannot read key file " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  EVP_PKEY* key = PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) error = "no usable PEM private key in " + path + " (" + openssl_error() + ")";
  return key;
}

ENGINE* start_pkcs11(const std::string& module, std::string& error) {
  ENGINE* engine = ENGINE_by_id("pkcs11");  // loads engines-3/pkcs11.so (libp11)
  if (engine == nullptr) {
    error = "cannot load OpenSSL's pkcs11 engine (package libengine-pkcs11-openssl): " +
            openssl_error();
    return nullptr;
  }
  if (!module.empty() && ENGINE_ctrl_cmd_string(engine, "MODULE_PATH", module.c_str(), 0) != 1) {
    error = "the pkcs11 engine refuses module " + module + ": " + openssl_error();
    ENGINE_free(engine);
    return nullptr;
  }
  if (ENGINE_init(engine) != 1) {
    error = "cannot start the pkcs11 engine" + (module.empty() ? "" : " with " + module) + ": " +
            openssl_error();
    ENGINE_free(engine);
    return nullptr;
  }
  ENGINE_free(engine);  // the functional reference from ENGINE_init keeps it
  return engine;
}

bool key_id_of(EVP_PKEY* key, protocol::KeyId& id) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  if (length <= 0) return false;
  unsigned int size = 0;
  const bool ok = EVP_Digest(der, static_cast<std::size_t>(length), id.data(), &size, EVP_sha256(),
                             nullptr) == 1 &&
                  size == id.size();
  OPENSSL_free(der);
  return ok;
}

// Runs `operation`, an OpenSSL call that writes at most the key's size and says how much, into
// `output`; empty when it fails.
template <typename Operation>
protocol::Status written(const HeldKey& key, std::vector<std::uint8_t>& output,
                         Operation operation) {
  std::size_t length = static_cast<std::size_t>(EVP_PKEY_get_size(key.key));
  output.resize(length);
  if (operation(output.data(), &length) != 1) {
    ERR_clear_error();
    output.clear();
    return protocol::Status::failed;
  }
  output.resize(length);
  return protocol::Status::ok;
}

protocol::Status sign(const HeldKey& key, std::uint16_t algorithm,
                      std::span<const std::uint8_t> input, std::vector<std::uint8_t>& output) {
  const protocol::Scheme* scheme = protocol::find_scheme(algorithm);
  if (scheme == nullptr || scheme->key != key.kind) return protocol::Status::bad_algorithm;
  Owned<EVP_MD_CTX> context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;  // owned by `context`
  if (!context || EVP_DigestSignInit(context.get(), &key_context, digest_of(scheme->digest),
                                     nullptr, key.key) != 1) {
    ERR_clear_error();
    return protocol::Status::failed;
  }
  if (scheme->padding == protocol::Padding::pss &&
      (EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    ERR_clear_error();
    return protocol::Status::failed;
  }
  return written(key, output, [&](std::uint8_t* out, std::size_t* length) {
    return EVP_DigestSign(context.get(), out, length, input.data(), input.size());
  });
}

protocol::Status decrypt(const HeldKey& key, std::span<const std::uint8_t> input,
                         std::vector<std::uint8_t>& output) {
  if (!key.config.decrypt) return protocol::Status::denied;
  if (key.kind != protocol::KeyKind::rsa) return protocol::Status::bad_algorithm;
  Owned<EVP_PKEY_CTX> context(EVP_PKEY_CTX_new(key.key, nullptr));
  // No padding: BoringSSL checks the PKCS#1 padding of the result itself, in constant time,
  // so that a bad ciphertext and a good one look alike to the client (Bleichenbacher).
  if (!context || EVP_PKEY_decrypt_init(context.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_NO_PADDING) != 1) {
    ERR_clear_error();
    return protocol::Status::failed;
  }
  return written(key, output, [&](std::uint8_t* out, std::size_t* length) {
    return EVP_PKEY_decrypt(context.get(), out, length, input.data(), input.size());
  });
}

}  // namespace

std::unique_ptr<KeyStore> KeyStore::load(const KeyServerConfig& config,
                                         std::vector<config::ConfigError>& errors) {
  std::unique_ptr<KeyStore> store(new KeyStore());
  bool ok = true;
  for (const KeyConfig& entry : config.keys) {
    std::string error;
    EVP_PKEY* key = nullptr;
    if (!entry.file.empty()) {
      key = read_pem(entry.file, error);
    } else {
      if (store->engine_ == nullptr) store->engine_ = start_pkcs11(config.pkcs11_module, error);
      if (store->engine_ != nullptr) {
        key = ENGINE_load_private_key(store->engine_, entry.pkcs11_uri.c_str(), nullptr, nullptr);
        if (key == nullptr) {
          error = "the pkcs11 engine found no private key at " + entry.pkcs11_uri + " (" +
                  openssl_error() + ")";
        }
      }
    }
    HeldKey held;
    held.config = entry;
    held.key = key;
    if (key != nullptr) {
      const int type = EVP_PKEY_get_base_id(key);
      if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
        error = "key " + entry.name + " is neither RSA nor EC";
      } else if (!key_id_of(key, held.id)) {
        error = "cannot read the public half of key " + entry.name + ": " + openssl_error();
      } else {
        held.kind = type == EVP_PKEY_RSA ? protocol::KeyKind::rsa : protocol::KeyKind::ec;
        held.description = std::string(type == EVP_PKEY_RSA ? "RSA" : "EC") +
                           std::to_string(EVP_PKEY_get_bits(key));
        const auto same = std::find_if(store->keys_.begin(), store->keys_.end(),
                                       [&](const HeldKey& other) { return other.id == held.id; });
        if (same != store->keys_.end()) {
          error = "key " + entry.name + " is the same key as " + same->config.name;
        }
      }
    }
    if (!error.empty()) {
      errors.push_back({entry.where, error});
      ok = false;
      EVP_PKEY_free(key);
      continue;
    }
    store->keys_.push_back(std::move(held));
  }
  if (!ok) return nullptr;
  return store;
}

KeyStore::~KeyStore() {
  for (HeldKey& key : keys_) EVP_PKEY_free(key.key);
  if (engine_ != nullptr) ENGINE_finish(engine_);
}

const HeldKey* KeyStore::find(const protocol::KeyId& id) const {
  for (const HeldKey& key : keys_) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

protocol::Status perform(const HeldKey* key, const protocol::Request& request,
                         std::vector<std::uint8_t>& output) {
  output.clear();
  if (key == nullptr) return protocol::Status::unknown_key;
  switch (request.operation) {
    case protocol::Operation::sign:
      return sign(*key, request.algorithm, request.input, output);
    case protocol::Operation::decrypt:
      return decrypt(*key, request.input, output);
    case protocol::Operation::probe:
      return protocol::Status::ok;
  }
  return protocol::Status::failed;
}

std::string to_hex(const protocol::KeyId& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (const std::uint8_t byte : id) {
    text += kDigits[byte >> 4];
    text += kDigits[byte & 15];
  }
  return text;
}

}  // namespace tlsfloor::keyserver
