#include "tests/support/test_pki.h"

#include <sys/stat.h>

#include <openssl/base.h>
#if !defined(OPENSSL_IS_BORINGSSL)
#error "tests are built against BoringSSL"
#endif
#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <fstream>
#include <stdexcept>

namespace tlsfloor::test {
namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

bssl::UniquePtr<EVP_PKEY> make_key(KeyType type) {
  bssl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new());
  if (type == KeyType::ec_p256) {
    bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
    require(ec && EC_KEY_generate_key(ec.get()) == 1, "EC key generation");
    require(EVP_PKEY_assign_EC_KEY(key.get(), ec.release()) == 1, "EC key assign");
  } else {
    bssl::UniquePtr<RSA> rsa(RSA_new());
    bssl::UniquePtr<BIGNUM> exponent(BN_new());
    require(BN_set_word(exponent.get(), RSA_F4) == 1, "RSA exponent");
    require(RSA_generate_key_ex(rsa.get(), 2048, exponent.get(), nullptr) == 1, "RSA keygen");
    require(EVP_PKEY_assign_RSA(key.get(), rsa.release()) == 1, "RSA key assign");
  }
  return key;
}

std::string to_pem(int (*write)(BIO*, void*), void* object) {
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  require(write(bio.get(), object) == 1, "PEM encoding");
  const uint8_t* data = nullptr;
  size_t length = 0;
  BIO_mem_contents(bio.get(), &data, &length);
  return std::string(reinterpret_cast<const char*>(data), length);
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tlsfloor-test-XXXXXX").string();
  require(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& contents) const {
  const auto file = path_ / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << contents;
  require(static_cast<bool>(out), "writing a file");
  return file.string();
}

PemFiles make_self_signed(const TempDir& dir, const std::string& stem,
                          const std::vector<std::string>& dns_names, KeyType key_type,
                          std::chrono::seconds valid_from) {
  require(!dns_names.empty(), "a certificate needs a name");
  auto key = make_key(key_type);
  bssl::UniquePtr<X509> cert(X509_new());
  require(X509_set_version(cert.get(), X509_VERSION_3) == 1, "version");
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(valid_from.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const uint8_t*>(dns_names.front().c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  std::string san;
  for (const auto& dns : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
  bssl::UniquePtr<X509_EXTENSION> extension(
      X509V3_EXT_nconf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str()));
  require(extension && X509_add_ext(cert.get(), extension.get(), -1) == 1, "subjectAltName");
  require(X509_set_pubkey(cert.get(), key.get()) == 1, "public key");
  require(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing");

  PemFiles files;
  files.cert_path = dir.write(
      stem + ".crt",
      to_pem([](BIO* bio, void* x) { return PEM_write_bio_X509(bio, static_cast<X509*>(x)); },
             cert.get()));
  files.key_path = dir.write(stem + ".key", to_pem(
                                                [](BIO* bio, void* k) {
                                                  return PEM_write_bio_PrivateKey(
                                                      bio, static_cast<EVP_PKEY*>(k), nullptr,
                                                      nullptr, 0, nullptr, nullptr);
                                                },
                                                key.get()));
  // As a private key should be: tlsfloor warns about one any user may read.
  ::chmod(files.key_path.c_str(), 0600);
  return files;
}

}  // namespace tlsfloor::test
