#include "proxy/tls/certificate_set.h"

#include "proxy/tls/cipher_suites.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/obj.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "proxy/tls/cipher_suites.h"
#include "proxy/tls/client_auth.h"
#include "proxy/tls/ssl_error.h"
#include "proxy/tls/upstream_tls.h"

namespace tlsfloor::tls {
namespace {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_for_reading(const std::string& path, std::string& error) {
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) error = std::strerror(errno);
  return file;
}

bssl::UniquePtr<CRYPTO_BUFFER> to_buffer(X509* certificate) {
  uint8_t* der = nullptr;
  const int length = i2d_X509(certificate, &der);
  if (length <= 0) return nullptr;
  bssl::UniquePtr<uint8_t> owned(der);
  return bssl::UniquePtr<CRYPTO_BUFFER>(
      CRYPTO_BUFFER_new(der, static_cast<size_t>(length), nullptr));
}

// Reads every certificate of a PEM file, leaf first.
bool load_chain(const config::CertificateConfig& entry, CertifiedKey& out, std::string& error) {
  File file = open_for_reading(entry.cert_path, error);
  if (!file) {
    error = "cannot read certificate file " + entry.cert_path + ": " + error;
    return false;
  }
  while (X509* certificate = PEM_read_X509(file.get(), nullptr, nullptr, nullptr)) {
    bssl::UniquePtr<X509> owned(certificate);
    auto buffer = to_buffer(certificate);
    if (!buffer) break;
    out.chain.push_back(std::move(buffer));
    if (!out.leaf) out.leaf = std::move(owned);
  }
  // PEM_read_X509 ends on "no start line" at end of file; any other error is a broken file.
  const uint32_t last = ERR_peek_last_error();
  const bool clean_end =
      ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (last != 0 && !clean_end) {
    error = "cannot parse certificate file " + entry.cert_path + ": " + take_ssl_error();
    return false;
  }
  ERR_clear_error();
  if (out.chain.empty()) {
    error = "no PEM certificate in " + entry.cert_path;
    return false;
  }
  return true;
}

// Every client would refuse it: a renewal dropped in early (or a clock far behind) must not
// replace the certificate in service.
bool check_not_before(const config::CertificateConfig& entry, const CertifiedKey& out,
                      std::string& error) {
  if (X509_cmp_current_time(X509_get0_notBefore(out.leaf.get())) > 0) {
    error = "certificate " + entry.cert_path + " is not valid yet (notBefore is in the future)";
    return false;
  }
  return true;
}

bool load_key(const config::CertificateConfig& entry, CertifiedKey& out, std::string& error) {
  // The key server's key is never opened here, so never in this process's memory.
  if (entry.keyserver) return check_not_before(entry, out, error);
  File file = open_for_reading(entry.key_path, error);
  if (!file) {
    error = "cannot read key file " + entry.key_path + ": " + error;
    return false;
  }
  out.key.reset(PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr));
  if (!out.key) {
    error = "no usable PEM private key in " + entry.key_path + " (" + take_ssl_error() + ")";
    return false;
  }
  if (X509_check_private_key(out.leaf.get(), out.key.get()) != 1) {
    ERR_clear_error();
    error = "key " + entry.key_path + " does not match certificate " + entry.cert_path;
    return false;
  }
  return check_not_before(entry, out, error);
}

// The name a person would call the certificate by: its CN, else its first DNS name.
std::string subject_of(X509* leaf) {
  char common_name[256] = {};
  const int length = X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName,
                                               common_name, sizeof common_name);
  if (length > 0) return std::string(common_name, static_cast<std::size_t>(length));
  bssl::UniquePtr<GENERAL_NAMES> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr)));
  for (std::size_t i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_DNS) continue;
    const ASN1_STRING* dns = name->d.dNSName;
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                       static_cast<std::size_t>(ASN1_STRING_length(dns)));
  }
  return "";
}

std::string serial_of(X509* leaf) {
  bssl::UniquePtr<BIGNUM> number(ASN1_INTEGER_to_BN(X509_get_serialNumber(leaf), nullptr));
  if (!number) return "";
  bssl::UniquePtr<char> hex(BN_bn2hex(number.get()));
  return hex ? std::string(hex.get()) : std::string();
}

void set_ecdsa_facts(EVP_PKEY* public_key, CertifiedKey& key) {
  const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(public_key);
  switch (ec != nullptr ? EC_GROUP_get_curve_name(EC_KEY_get0_group(ec)) : NID_undef) {
    case NID_X9_62_prime256v1:
      key.ecdsa_group = 23;
      key.ecdsa_scheme = 0x0403;
      break;
    case NID_secp384r1:
      key.ecdsa_group = 24;
      key.ecdsa_scheme = 0x0503;
      break;
    case NID_secp521r1:
      key.ecdsa_group = 25;
      key.ecdsa_scheme = 0x0603;
      break;
    default:
      break;  // a curve TLS does not use: treated like a key of another type
  }
}

// SHA-256 of the SubjectPublicKeyInfo, as the key server computes it from the private key.
bool key_id_of(EVP_PKEY* public_key, std::array<std::uint8_t, 32>& id) {
  std::uint8_t* der = nullptr;
  const int length = i2d_PUBKEY(public_key, &der);
  if (length <= 0) return false;
  bssl::UniquePtr<std::uint8_t> owned(der);
  SHA256(der, static_cast<std::size_t>(length), id.data());
  return true;
}

// ASN1_TIME has no direct conversion here: the difference from the epoch is one.
std::chrono::system_clock::time_point time_of(const ASN1_TIME* time) {
  bssl::UniquePtr<ASN1_TIME> epoch(ASN1_TIME_set(nullptr, 0));
  int days = 0;
  int seconds = 0;
  if (!epoch || ASN1_TIME_diff(&days, &seconds, epoch.get(), time) != 1) return {};
  return std::chrono::system_clock::time_point(std::chrono::seconds(
      static_cast<std::int64_t>(days) * 86400 + static_cast<std::int64_t>(seconds)));
}

// BoringSSL takes the chain as an array of buffer pointers; the key keeps the buffers.
std::vector<CRYPTO_BUFFER*> chain_of(const CertifiedKey& key) {
  std::vector<CRYPTO_BUFFER*> chain;
  chain.reserve(key.chain.size());
  for (const auto& buffer : key.chain) chain.push_back(buffer.get());
  return chain;
}

}  // namespace

void add_certificate_errors(config::ParseResult& parsed) {
  if (parsed.config) return;  // a valid file: the server checks them as it builds
  CertificateSet::load(parsed.certificates, parsed.errors);
  for (const config::UpstreamTlsConfig& tls : parsed.upstream_tls) {
    UpstreamTls::load(tls, parsed.errors);
  }
  for (const config::ClientAuthConfig& auth : parsed.client_auth) {
    ClientAuthority::load(auth, parsed.errors);
  }
  add_cipher_list_errors(parsed.cipher_lists, parsed.errors);
  config::sort_by_position(parsed.errors);
  // A list checked twice (an upstream's ciphers: as a list and by its context) is said once.
  parsed.errors.erase(std::unique(parsed.errors.begin(), parsed.errors.end()), parsed.errors.end());
}

CertificateSet CertificateSet::load(const std::vector<config::CertificateConfig>& certificates,
                                    std::vector<config::ConfigError>& errors) {
  CertificateSet set;
  bool ok = true;
  for (const auto& entry : certificates) {
    CertifiedKey key;
    std::string error;
    if (!load_chain(entry, key, error) || !load_key(entry, key, error)) {
      errors.push_back({entry.where, error});
      ok = false;
      continue;
    }
    key.signature_algorithm = OBJ_nid2sn(X509_get_signature_nid(key.leaf.get()));
    // From the certificate's public key: the same whether tlsfloor or the key server holds
    // the private one.
    const bssl::UniquePtr<EVP_PKEY> public_key(X509_get_pubkey(key.leaf.get()));
    if (!public_key || !key_id_of(public_key.get(), key.key_id)) {
      errors.push_back({entry.where, "cannot read the public key of " + entry.cert_path});
      ok = false;
      continue;
    }
    const int type = EVP_PKEY_id(public_key.get());
    key.key_type = type;
    key.key_algorithm = std::string(type == EVP_PKEY_RSA  ? "RSA"
                                    : type == EVP_PKEY_EC ? "EC"
                                                          : OBJ_nid2sn(type)) +
                        std::to_string(EVP_PKEY_bits(public_key.get()));
    key.subject = subject_of(key.leaf.get());
    key.serial = serial_of(key.leaf.get());
    key.not_after = time_of(X509_get0_notAfter(key.leaf.get()));
    key.loaded_at = std::chrono::system_clock::now();
    SHA256(CRYPTO_BUFFER_data(key.chain.front().get()), CRYPTO_BUFFER_len(key.chain.front().get()),
           key.fingerprint.data());
    if (type == EVP_PKEY_EC) set_ecdsa_facts(public_key.get(), key);
    set.keys_.push_back(std::move(key));
  }
  if (!ok) set.keys_.clear();
  return set;
}

bool CertificateSet::names(const CertifiedKey& key, std::string_view server_name) {
  return X509_check_host(key.leaf.get(), server_name.data(), server_name.size(), 0, nullptr) == 1;
}

bool CertificateSet::install(SSL* ssl, const CertifiedKey& key,
                             const SSL_PRIVATE_KEY_METHOD* key_method) {
  const std::vector<CRYPTO_BUFFER*> chain = chain_of(key);
  // With a key method the key stays out of the SSL: the method signs (BoringSSL reads the key's
  // type and size from the leaf).
  return SSL_set_chain_and_key(ssl, chain.data(), chain.size(),
                               key_method != nullptr ? nullptr : key.key.get(), key_method) == 1;
}

bool CertificateSet::install(SSL_CTX* context, const CertifiedKey& key) {
  const std::vector<CRYPTO_BUFFER*> chain = chain_of(key);
  return SSL_CTX_set_chain_and_key(context, chain.data(), chain.size(), key.key.get(), nullptr) ==
         1;
}

}  // namespace tlsfloor::tls
