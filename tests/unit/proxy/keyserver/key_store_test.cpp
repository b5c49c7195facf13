// The key server's keys with OpenSSL 3 (this test links OpenSSL 3, like the key server, never
// BoringSSL): signatures verified by OpenSSL as a TLS client would check them.
#include "proxy/keyserver/key_store.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace tlsfloor::keyserver {
namespace {

struct Free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};

class KeyStoreTest : public testing::Test {
 protected:
  KeyStoreTest() {
    char pattern[] = "/tmp/keystore-test-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    rsa_.reset(EVP_RSA_gen(2048));
    ec_.reset(EVP_EC_gen("P-256"));
    write(rsa_.get(), dir_ + "/rsa.key");
    write(ec_.get(), dir_ + "/ec.key");
  }
  ~KeyStoreTest() override { std::filesystem::remove_all(dir_); }

  static void write(EVP_PKEY* key, const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(file);
  }

  std::unique_ptr<KeyStore> load(bool decrypt) {
    KeyServerConfig config;
    config.keys.push_back({"rsa", dir_ + "/rsa.key", "", decrypt, {"k.yaml", 3, 5}});
    config.keys.push_back({"ec", dir_ + "/ec.key", "", false, {"k.yaml", 4, 5}});
    std::vector<config::ConfigError> errors;
    auto store = KeyStore::load(config, errors);
    EXPECT_TRUE(errors.empty()) << errors.front().to_string();
    return store;
  }

  static protocol::KeyId id_of(EVP_PKEY* key) {
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(key, &der);
    protocol::KeyId id{};
    unsigned int size = 0;
    EVP_Digest(der, static_cast<std::size_t>(length), id.data(), &size, EVP_sha256(), nullptr);
    OPENSSL_free(der);
    return id;
  }

  // Checks `signature` over `input` as a TLS peer would for `algorithm`.
  static bool verifies(EVP_PKEY* key, const EVP_MD* digest, bool pss,
                       const std::vector<std::uint8_t>& input,
                       const std::vector<std::uint8_t>& signature) {
    std::unique_ptr<EVP_MD_CTX, Free> context(EVP_MD_CTX_new());
    EVP_PKEY_CTX* key_context = nullptr;
    if (EVP_DigestVerifyInit(context.get(), &key_context, digest, nullptr, key) != 1) return false;
    if (pss && (EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) != 1 ||
                EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) != 1)) {
      return false;
    }
    return EVP_DigestVerify(context.get(), signature.data(), signature.size(), input.data(),
                            input.size()) == 1;
  }

  protocol::Status run(const KeyStore& store, protocol::Operation operation,
                       std::uint16_t algorithm, const protocol::KeyId& id,
                       const std::vector<std::uint8_t>& input, std::vector<std::uint8_t>& out) {
    protocol::Request request;
    request.operation = operation;
    request.algorithm = algorithm;
    request.key_id = id;
    request.input = input;
    return perform(store.find(id), request, out);
  }

  std::string dir_;
  std::unique_ptr<EVP_PKEY, Free> rsa_;
  std::unique_ptr<EVP_PKEY, Free> ec_;
};

TEST_F(KeyStoreTest, KeysAreKnownByTheHashOfTheirPublicKey) {
  const auto store = load(false);
  ASSERT_TRUE(store);
  ASSERT_EQ(store->keys().size(), 2u);
  EXPECT_EQ(store->find(id_of(rsa_.get()))->config.name, "rsa");
  EXPECT_EQ(store->find(id_of(rsa_.get()))->description, "RSA2048");
  EXPECT_EQ(store->find(id_of(ec_.get()))->description, "EC256");
  protocol::KeyId other = id_of(rsa_.get());
  other[31] ^= 1;
  EXPECT_EQ(store->find(other), nullptr);
}

TEST_F(KeyStoreTest, SignaturesVerifyForEverySchemeOfTheKeysType) {
  const auto store = load(false);
  const std::vector<std::uint8_t> input(130, 0x42);  // unhashed, as BoringSSL hands it over
  std::vector<std::uint8_t> signature;
  const struct {
    std::uint16_t algorithm;
    EVP_PKEY* key;
    const EVP_MD* digest;
    bool pss;
  } cases[] = {
      {protocol::kRsaPkcs1Md5Sha1, rsa_.get(), EVP_md5_sha1(), false},
      {0x0201, rsa_.get(), EVP_sha1(), false},
      {0x0401, rsa_.get(), EVP_sha256(), false},
      {0x0601, rsa_.get(), EVP_sha512(), false},
      {0x0804, rsa_.get(), EVP_sha256(), true},
      {0x0805, rsa_.get(), EVP_sha384(), true},
      {0x0403, ec_.get(), EVP_sha256(), false},
      {0x0503, ec_.get(), EVP_sha384(), false},
  };
  for (const auto& c : cases) {
    ASSERT_EQ(run(*store, protocol::Operation::sign, c.algorithm, id_of(c.key), input, signature),
              protocol::Status::ok)
        << std::hex << c.algorithm;
    EXPECT_TRUE(verifies(c.key, c.digest, c.pss, input, signature)) << std::hex << c.algorithm;
    // Another digest or padding does not verify: the scheme was applied, not a default.
    EXPECT_FALSE(verifies(c.key, c.digest == EVP_sha256() ? EVP_sha384() : EVP_sha256(), c.pss,
                          input, signature))
        << std::hex << c.algorithm;
  }
}

TEST_F(KeyStoreTest, WrongSchemesUnknownKeysAndDeniedDecryptionsAreRefusedByStatus) {
  const auto store = load(false);
  const std::vector<std::uint8_t> input(32, 1);
  std::vector<std::uint8_t> out;
  EXPECT_EQ(run(*store, protocol::Operation::sign, 0x0403, id_of(rsa_.get()), input, out),
            protocol::Status::bad_algorithm);
  EXPECT_EQ(run(*store, protocol::Operation::sign, 0x0804, id_of(ec_.get()), input, out),
            protocol::Status::bad_algorithm);
  EXPECT_EQ(run(*store, protocol::Operation::sign, 0x0807, id_of(ec_.get()), input, out),
            protocol::Status::bad_algorithm);
  protocol::KeyId unknown{};
  EXPECT_EQ(run(*store, protocol::Operation::sign, 0x0804, unknown, input, out),
            protocol::Status::unknown_key);
  const std::vector<std::uint8_t> ciphertext(256, 1);
  EXPECT_EQ(run(*store, protocol::Operation::decrypt, 0, id_of(rsa_.get()), ciphertext, out),
            protocol::Status::denied);
  EXPECT_TRUE(out.empty());
}

TEST_F(KeyStoreTest, AnAllowedDecryptionIsRawRsa) {
  const auto store = load(true);
  // What a static-RSA client sends: the premaster secret, PKCS#1-padded, encrypted.
  std::vector<std::uint8_t> secret(48, 0x33);
  std::unique_ptr<EVP_PKEY_CTX, Free> encrypt(EVP_PKEY_CTX_new(rsa_.get(), nullptr));
  ASSERT_EQ(EVP_PKEY_encrypt_init(encrypt.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(encrypt.get(), RSA_PKCS1_PADDING), 1);
  std::vector<std::uint8_t> ciphertext(256);
  std::size_t length = ciphertext.size();
  ASSERT_EQ(
      EVP_PKEY_encrypt(encrypt.get(), ciphertext.data(), &length, secret.data(), secret.size()), 1);
  std::vector<std::uint8_t> plain;
  ASSERT_EQ(run(*store, protocol::Operation::decrypt, 0, id_of(rsa_.get()), ciphertext, plain),
            protocol::Status::ok);
  // Unpadded: the whole block, the padding left for the TLS stack to check in constant time.
  ASSERT_EQ(plain.size(), 256u);
  EXPECT_EQ(plain[0], 0);
  EXPECT_EQ(plain[1], 2);
  EXPECT_EQ(std::vector<std::uint8_t>(plain.end() - 48, plain.end()), secret);
}

TEST_F(KeyStoreTest, LoadingErrorsPointAtTheKeysEntry) {
  KeyServerConfig config;
  config.keys.push_back({"missing", dir_ + "/none.key", "", false, {"k.yaml", 3, 5}});
  config.keys.push_back({"a", dir_ + "/rsa.key", "", false, {"k.yaml", 4, 5}});
  config.keys.push_back({"b", dir_ + "/rsa.key", "", false, {"k.yaml", 5, 5}});
  std::vector<config::ConfigError> errors;
  EXPECT_EQ(KeyStore::load(config, errors), nullptr);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].where.line, 3);
  EXPECT_NE(errors[0].message.find("cannot read key file"), std::string::npos);
  EXPECT_EQ(errors[1].where.line, 5);
  EXPECT_EQ(errors[1].message, "key b is the same key as a");
}

}  // namespace
}  // namespace tlsfloor::keyserver
