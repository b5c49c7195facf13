#include "proxy/tls/client_auth.h"

#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

#include "proxy/tls/ssl_error.h"

namespace tlsfloor::tls {
namespace {

using config::ClientCertificateResult;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A PEM file's objects of one kind, in file order; false when the file is broken (anything but
// a clean end after the last object).
template <typename T, typename Read>
bool read_pem(const std::string& text, Read read, std::vector<bssl::UniquePtr<T>>& out) {
  bssl::UniquePtr<BIO> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  while (T* object = read(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(object);
  const uint32_t last = ERR_peek_last_error();
  const bool clean_end = last == 0 || (ERR_GET_LIB(last) == ERR_LIB_PEM &&
                                       ERR_GET_REASON(last) == PEM_R_NO_START_LINE);
  ERR_clear_error();
  return clean_end;
}

std::string hex_digest(std::string_view bytes) {
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), digest);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const std::uint8_t byte : digest) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xF];
  }
  return out;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// What a verification error says about the certificate, in the metric's words.
ClientCertificateResult result_of(int error) {
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:  // the library's alert is certificate_expired too
      return ClientCertificateResult::expired;
    case X509_V_ERR_CERT_REVOKED:
      return ClientCertificateResult::revoked;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
      return ClientCertificateResult::untrusted;
    default:
      return ClientCertificateResult::invalid;
  }
}

}  // namespace

const char* alert_name(std::uint8_t alert) {
  switch (alert) {
    case SSL_AD_HANDSHAKE_FAILURE:
      return "handshake_failure";
    case SSL_AD_BAD_CERTIFICATE:
      return "bad_certificate";
    case SSL_AD_UNSUPPORTED_CERTIFICATE:
      return "unsupported_certificate";
    case SSL_AD_CERTIFICATE_REVOKED:
      return "certificate_revoked";
    case SSL_AD_CERTIFICATE_EXPIRED:
      return "certificate_expired";
    case SSL_AD_CERTIFICATE_UNKNOWN:
      return "certificate_unknown";
    case SSL_AD_UNKNOWN_CA:
      return "unknown_ca";
    case SSL_AD_ACCESS_DENIED:
      return "access_denied";
    case SSL_AD_CERTIFICATE_REQUIRED:
      return "certificate_required";
    case SSL_AD_INTERNAL_ERROR:
      return "internal_error";
    default:
      return "other";
  }
}

std::shared_ptr<const ClientAuthority> ClientAuthority::load(
    const config::ClientAuthConfig& config, std::vector<config::ConfigError>& errors) {
  auto authority = std::make_shared<ClientAuthority>();
  authority->config_ = config;
  const auto ca_text = read_file(config.ca_file);
  if (!ca_text) {
    errors.push_back({config.ca_file_where, "cannot read client_auth ca_file " + config.ca_file});
    return nullptr;
  }
  std::vector<bssl::UniquePtr<X509>> cas;
  if (!read_pem<X509>(*ca_text, PEM_read_bio_X509, cas)) {
    errors.push_back({config.ca_file_where, "cannot parse client_auth ca_file " + config.ca_file});
    return nullptr;
  }
  if (cas.empty()) {
    errors.push_back(
        {config.ca_file_where, "no PEM certificate in client_auth ca_file " + config.ca_file});
    return nullptr;
  }
  authority->store_.reset(X509_STORE_new());
  for (const auto& ca : cas) {
    X509_STORE_add_cert(authority->store_.get(), ca.get());
    std::uint8_t* der = nullptr;
    const int length = i2d_X509_NAME(X509_get_subject_name(ca.get()), &der);
    if (length > 0) {
      bssl::UniquePtr<std::uint8_t> owned(der);
      authority->ca_names_.emplace_back(
          CRYPTO_BUFFER_new(der, static_cast<std::size_t>(length), nullptr));
    }
  }
  ERR_clear_error();  // a CA listed twice is added once
  if (!config.crl_file.empty()) {
    const auto crl_text = read_file(config.crl_file);
    std::vector<bssl::UniquePtr<X509_CRL>> crls;
    if (!crl_text) {
      errors.push_back(
          {config.crl_file_where, "cannot read client_auth crl_file " + config.crl_file});
      return nullptr;
    }
    if (!read_pem<X509_CRL>(*crl_text, PEM_read_bio_X509_CRL, crls) || crls.empty()) {
      errors.push_back({config.crl_file_where,
                        "no PEM CRL (or a broken one) in client_auth crl_file " + config.crl_file});
      return nullptr;
    }
    for (auto& crl : crls) {
      // Signed by a CA of the bundle, or it could revoke (or, stale, fail) anyone.
      const auto issuer = std::find_if(cas.begin(), cas.end(), [&](const auto& ca) {
        if (X509_NAME_cmp(X509_get_subject_name(ca.get()), X509_CRL_get_issuer(crl.get())) != 0) {
          return false;
        }
        bssl::UniquePtr<EVP_PKEY> key(X509_get_pubkey(ca.get()));
        return key && X509_CRL_verify(crl.get(), key.get()) == 1;
      });
      ERR_clear_error();
      if (issuer == cas.end()) {
        errors.push_back({config.crl_file_where, "a CRL in client_auth crl_file " +
                                                     config.crl_file +
                                                     " is not signed by a CA of ca_file"});
        return nullptr;
      }
      X509_STORE_add_crl(authority->store_.get(), crl.get());
      authority->crls_.push_back(std::move(crl));
    }
    X509_STORE_set_flags(authority->store_.get(), X509_V_FLAG_CRL_CHECK);
  }
  std::string identity = std::string(to_string(config.mode)) + "\n" + hex_digest(*ca_text) + "\n" +
                         std::to_string(config.verify_depth) + "\n";
  for (const std::string& subject : config.subjects) identity += "s:" + subject + "\n";
  for (const std::string& san : config.sans) identity += "n:" + san + "\n";
  for (const auto& pin : config.spki_sha256) {
    identity += "p:" + hex_digest({reinterpret_cast<const char*>(pin.data()), pin.size()}) + "\n";
  }
  authority->identity_ = hex_digest(identity);
  return authority;
}

STACK_OF(CRYPTO_BUFFER) * ClientAuthority::ca_names() const {
  STACK_OF(CRYPTO_BUFFER)* names = sk_CRYPTO_BUFFER_new_null();
  if (names == nullptr) return nullptr;
  for (const auto& name : ca_names_) {
    CRYPTO_BUFFER_up_ref(name.get());
    if (sk_CRYPTO_BUFFER_push(names, name.get()) == 0) {
      CRYPTO_BUFFER_free(name.get());
      sk_CRYPTO_BUFFER_pop_free(names, CRYPTO_BUFFER_free);
      return nullptr;
    }
  }
  return names;
}

ClientVerification ClientAuthority::refuse(ClientCertificateResult result, std::uint8_t alert,
                                           std::string detail,
                                           std::optional<ClientCertificateFacts> facts) const {
  ClientVerification verification;
  verification.result = result;
  verification.alert = alert;
  verification.detail = std::move(detail);
  verification.facts = std::move(facts);
  return verification;
}

bool ClientAuthority::allowed(const ClientCertificateFacts& facts) const {
  if (config_.subjects.empty() && config_.sans.empty() && config_.spki_sha256.empty()) return true;
  if (std::find(config_.subjects.begin(), config_.subjects.end(), facts.subject) !=
      config_.subjects.end()) {
    return true;
  }
  for (const std::string& san : facts.subject_alt_names) {
    for (const std::string& wanted : config_.sans) {
      // DNS names and e-mail domains are case-insensitive; URIs compare alike here for once.
      if (equal_ignoring_case(san, wanted)) return true;
    }
  }
  return std::find(config_.spki_sha256.begin(), config_.spki_sha256.end(), facts.spki_sha256) !=
         config_.spki_sha256.end();
}

std::optional<ClientVerification> ClientAuthority::revocation(X509* leaf, std::time_t now) const {
  if (crls_.empty()) return std::nullopt;
  bool found = false;
  for (const auto& crl : crls_) {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_issuer_name(leaf)) != 0) continue;
    found = true;
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get());
    if (next != nullptr && X509_cmp_time(next, &now) < 0) {
      return refuse(
          ClientCertificateResult::untrusted,
          static_cast<std::uint8_t>(SSL_alert_from_verify_result(X509_V_ERR_CRL_HAS_EXPIRED)),
          "the CRL of the certificate's issuer is past its nextUpdate");
    }
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_serial(crl.get(), &entry, X509_get_serialNumber(leaf)) == 1) {
      return refuse(ClientCertificateResult::revoked, SSL_AD_CERTIFICATE_REVOKED,
                    "certificate revoked");
    }
  }
  ERR_clear_error();
  if (!found) {
    return refuse(ClientCertificateResult::untrusted, SSL_AD_UNKNOWN_CA,
                  "no CRL of the certificate's issuer in crl_file");
  }
  return std::nullopt;
}

ClientVerification ClientAuthority::verify(const STACK_OF(CRYPTO_BUFFER) * chain,
                                           std::time_t now) const {
  const std::size_t count = chain != nullptr ? sk_CRYPTO_BUFFER_num(chain) : 0;
  if (count == 0) {
    return refuse(ClientCertificateResult::absent, SSL_AD_CERTIFICATE_REQUIRED, "no certificate");
  }
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < count; ++i)
    bytes += CRYPTO_BUFFER_len(sk_CRYPTO_BUFFER_value(chain, i));
  CRYPTO_BUFFER* leaf_buffer = sk_CRYPTO_BUFFER_value(chain, 0);
  auto facts =
      client_certificate_facts({CRYPTO_BUFFER_data(leaf_buffer), CRYPTO_BUFFER_len(leaf_buffer)});
  if (count > kMaxPresentedCertificates || bytes > kMaxCertificateMessage) {
    return refuse(ClientCertificateResult::invalid, SSL_AD_BAD_CERTIFICATE,
                  "chain of " + std::to_string(count) + " certificates, " + std::to_string(bytes) +
                      " bytes: over the caps",
                  std::move(facts));
  }
  bssl::UniquePtr<X509> leaf(X509_parse_from_buffer(leaf_buffer));
  bssl::UniquePtr<STACK_OF(X509)> untrusted(sk_X509_new_null());
  for (std::size_t i = 1; leaf && untrusted && i < count; ++i) {
    X509* certificate = X509_parse_from_buffer(sk_CRYPTO_BUFFER_value(chain, i));
    if (certificate == nullptr || sk_X509_push(untrusted.get(), certificate) == 0) {
      X509_free(certificate);
      leaf.reset();
    }
  }
  if (!leaf || !facts) {
    ERR_clear_error();
    return refuse(ClientCertificateResult::invalid, SSL_AD_BAD_CERTIFICATE,
                  "a certificate of the chain does not parse", std::move(facts));
  }
  bssl::UniquePtr<X509_STORE_CTX> context(X509_STORE_CTX_new());
  if (!context ||
      X509_STORE_CTX_init(context.get(), store_.get(), leaf.get(), untrusted.get()) != 1) {
    ERR_clear_error();
    return refuse(ClientCertificateResult::invalid, SSL_AD_INTERNAL_ERROR,
                  "cannot set up verification", std::move(facts));
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
  X509_VERIFY_PARAM_set_time(param, now);
  // The depth is judged below, on the chain built, in config's words; the library only stops
  // a search far beyond it.
  X509_VERIFY_PARAM_set_depth(param, static_cast<int>(kMaxPresentedCertificates));
  X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(context.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(context.get());
    ERR_clear_error();
    return refuse(result_of(error), static_cast<std::uint8_t>(SSL_alert_from_verify_result(error)),
                  X509_verify_cert_error_string(error), std::move(facts));
  }
  const std::size_t built = sk_X509_num(X509_STORE_CTX_get0_chain(context.get()));
  if (built > config_.verify_depth + 2) {
    return refuse(ClientCertificateResult::untrusted, SSL_AD_UNKNOWN_CA,
                  "chain has " + std::to_string(built - 2) + " intermediate CAs, verify_depth " +
                      std::to_string(config_.verify_depth),
                  std::move(facts));
  }
  if (!allowed(*facts)) {
    return refuse(ClientCertificateResult::not_allowed, SSL_AD_ACCESS_DENIED,
                  "not in client_auth's allow list", std::move(facts));
  }
  ClientVerification verification;
  verification.result = ClientCertificateResult::verified;
  verification.facts = std::move(facts);
  return verification;
}

ClientVerification ClientAuthority::recheck(const STACK_OF(CRYPTO_BUFFER) * chain,
                                            std::time_t now) const {
  const std::size_t count = chain != nullptr ? sk_CRYPTO_BUFFER_num(chain) : 0;
  if (count == 0) {
    return refuse(ClientCertificateResult::absent, SSL_AD_CERTIFICATE_REQUIRED, "no certificate");
  }
  CRYPTO_BUFFER* leaf_buffer = sk_CRYPTO_BUFFER_value(chain, 0);
  auto facts =
      client_certificate_facts({CRYPTO_BUFFER_data(leaf_buffer), CRYPTO_BUFFER_len(leaf_buffer)});
  bssl::UniquePtr<X509> leaf(X509_parse_from_buffer(leaf_buffer));
  if (!leaf || !facts) {
    ERR_clear_error();
    return refuse(ClientCertificateResult::invalid, SSL_AD_BAD_CERTIFICATE,
                  "the session's certificate does not parse", std::move(facts));
  }
  if (X509_cmp_time(X509_get0_notAfter(leaf.get()), &now) < 0) {
    ERR_clear_error();
    return refuse(ClientCertificateResult::expired, SSL_AD_CERTIFICATE_EXPIRED,
                  "certificate has expired since the session was issued", std::move(facts));
  }
  if (auto revoked = revocation(leaf.get(), now)) {
    revoked->facts = std::move(facts);
    return std::move(*revoked);
  }
  ClientVerification verification;
  verification.result = ClientCertificateResult::verified;
  verification.facts = std::move(facts);
  return verification;
}

}  // namespace tlsfloor::tls
