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

namespace tlsfloor::test {

struct TestCa::State {
  const TempDir* dir = nullptr;
  std::string name;
  bssl::UniquePtr<EVP_PKEY> key;
  bssl::UniquePtr<X509> cert;
  std::string cert_path;
  std::string chain_pem;  // this CA's certificate when it is an intermediate, else empty
  long next_serial = 2;
};

namespace {

std::string cert_to_pem(X509* cert) {
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  require(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM encoding");
  const uint8_t* data = nullptr;
  size_t length = 0;
  BIO_mem_contents(bio.get(), &data, &length);
  return std::string(reinterpret_cast<const char*>(data), length);
}

std::string key_to_pem(EVP_PKEY* key) {
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  require(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM key encoding");
  const uint8_t* data = nullptr;
  size_t length = 0;
  BIO_mem_contents(bio.get(), &data, &length);
  return std::string(reinterpret_cast<const char*>(data), length);
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  bssl::UniquePtr<X509_EXTENSION> extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
  require(extension && X509_add_ext(cert, extension.get(), -1) == 1, "extension");
}

bssl::UniquePtr<X509> make_certificate(EVP_PKEY* subject_key, const std::string& common_name,
                                       const std::string& organization, long serial,
                                       std::chrono::seconds valid_from,
                                       std::chrono::seconds valid_for) {
  bssl::UniquePtr<X509> cert(X509_new());
  require(X509_set_version(cert.get(), X509_VERSION_3) == 1, "version");
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(valid_from.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  static_cast<long>((valid_from + valid_for).count()));
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!organization.empty()) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const uint8_t*>(organization.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const uint8_t*>(common_name.c_str()), -1, -1, 0);
  require(X509_set_pubkey(cert.get(), subject_key) == 1, "public key");
  return cert;
}

}  // namespace

TestCa::TestCa(const TempDir& dir, const std::string& name, KeyType key_type)
    : state_(std::make_shared<State>()) {
  state_->dir = &dir;
  state_->name = name;
  state_->key = make_key(key_type);
  state_->cert = make_certificate(state_->key.get(), name, "tlsfloor tests", 1,
                                  -std::chrono::hours(2), std::chrono::hours(24 * 30));
  X509_set_issuer_name(state_->cert.get(), X509_get_subject_name(state_->cert.get()));
  add_extension(state_->cert.get(), state_->cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(state_->cert.get(), state_->cert.get(), NID_key_usage,
                "critical,keyCertSign,cRLSign");
  add_extension(state_->cert.get(), state_->cert.get(), NID_subject_key_identifier, "hash");
  require(X509_sign(state_->cert.get(), state_->key.get(), EVP_sha256()) > 0, "signing a CA");
  state_->cert_path = dir.write(name + ".crt", cert_to_pem(state_->cert.get()));
}

const std::string& TestCa::cert_path() const { return state_->cert_path; }

std::string TestCa::cert_pem() const { return cert_to_pem(state_->cert.get()); }

TestCa TestCa::intermediate(const std::string& name) const {
  auto state = std::make_shared<State>();
  state->dir = state_->dir;
  state->name = name;
  state->key = make_key(KeyType::ec_p256);
  state->cert = make_certificate(state->key.get(), name, "tlsfloor tests", state_->next_serial++,
                                 -std::chrono::hours(2), std::chrono::hours(24 * 30));
  X509_set_issuer_name(state->cert.get(), X509_get_subject_name(state_->cert.get()));
  add_extension(state->cert.get(), state_->cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(state->cert.get(), state_->cert.get(), NID_key_usage,
                "critical,keyCertSign,cRLSign");
  add_extension(state->cert.get(), state_->cert.get(), NID_subject_key_identifier, "hash");
  add_extension(state->cert.get(), state_->cert.get(), NID_authority_key_identifier,
                "keyid:always");
  require(X509_sign(state->cert.get(), state_->key.get(), EVP_sha256()) > 0, "signing");
  state->chain_pem = cert_to_pem(state->cert.get()) + state_->chain_pem;
  state->cert_path = state->dir->write(name + ".crt", cert_to_pem(state->cert.get()));
  return TestCa(std::move(state));
}

PemFiles TestCa::issue(const std::string& stem, const std::string& common_name,
                       const IssueOptions& options, long* serial) const {
  auto key = make_key(options.key_type);
  const long number = state_->next_serial++;
  if (serial != nullptr) *serial = number;
  auto cert = make_certificate(key.get(), common_name, options.organization, number,
                               options.valid_from, options.valid_for);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(state_->cert.get()));
  add_extension(cert.get(), state_->cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), state_->cert.get(), NID_ext_key_usage,
                options.client_usage ? "clientAuth" : "serverAuth");
  add_extension(cert.get(), state_->cert.get(), NID_authority_key_identifier, "keyid:always");
  if (!options.dns_names.empty()) {
    std::string san;
    for (const auto& dns : options.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
    add_extension(cert.get(), state_->cert.get(), NID_subject_alt_name, san.c_str());
  }
  require(X509_sign(cert.get(), state_->key.get(), EVP_sha256()) > 0, "signing a leaf");
  PemFiles files;
  files.cert_path = state_->dir->write(stem + ".crt", cert_to_pem(cert.get()) + state_->chain_pem);
  files.key_path = state_->dir->write(stem + ".key", key_to_pem(key.get()));
  ::chmod(files.key_path.c_str(), 0600);
  return files;
}

std::string TestCa::write_crl(const std::string& name, const std::vector<long>& serials,
                              std::chrono::seconds next_update) const {
  bssl::UniquePtr<X509_CRL> crl(X509_CRL_new());
  require(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1, "CRL version");
  require(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(state_->cert.get())) == 1,
          "CRL issuer");
  bssl::UniquePtr<ASN1_TIME> last(X509_gmtime_adj(nullptr, -3600));
  bssl::UniquePtr<ASN1_TIME> next(X509_gmtime_adj(nullptr, static_cast<long>(next_update.count())));
  require(X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1, "CRL lastUpdate");
  require(X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1, "CRL nextUpdate");
  for (const long serial : serials) {
    X509_REVOKED* revoked = X509_REVOKED_new();
    bssl::UniquePtr<ASN1_INTEGER> number(ASN1_INTEGER_new());
    ASN1_INTEGER_set(number.get(), serial);
    X509_REVOKED_set_serialNumber(revoked, number.get());
    X509_REVOKED_set_revocationDate(revoked, last.get());
    require(X509_CRL_add0_revoked(crl.get(), revoked) == 1, "CRL entry");
  }
  X509_CRL_sort(crl.get());
  require(X509_CRL_sign(crl.get(), state_->key.get(), EVP_sha256()) > 0, "signing a CRL");
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  require(PEM_write_bio_X509_CRL(bio.get(), crl.get()) == 1, "CRL PEM");
  const uint8_t* data = nullptr;
  size_t length = 0;
  BIO_mem_contents(bio.get(), &data, &length);
  return state_->dir->write(name, std::string(reinterpret_cast<const char*>(data), length));
}

std::string pem_to_der(const std::string& pem) {
  bssl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  bssl::UniquePtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  require(cert != nullptr, "PEM to DER");
  uint8_t* der = nullptr;
  const int length = i2d_X509(cert.get(), &der);
  require(length > 0, "DER encoding");
  bssl::UniquePtr<uint8_t> owned(der);
  return std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
}

}  // namespace tlsfloor::test
