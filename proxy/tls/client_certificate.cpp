#include "proxy/tls/client_certificate.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/mem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "config/bounded_text.h"
#include "proxy/tls/boringssl.h"

namespace tlsfloor::tls {
namespace {

std::string name_text(const X509_NAME* name) {
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  // RFC 2253 as nginx's $ssl_client_s_dn writes it, with UTF-8 kept as UTF-8.
  constexpr unsigned long kFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, kFlags) < 0) {
    ERR_clear_error();
    return "";
  }
  const std::uint8_t* data = nullptr;
  std::size_t length = 0;
  BIO_mem_contents(bio.get(), &data, &length);
  return std::string(
      config::utf8_prefix({reinterpret_cast<const char*>(data), length}, kMaxCertificateNameText));
}

std::string common_name_of(const X509_NAME* name) {
  int last = -1;
  for (int at = -1; (at = X509_NAME_get_index_by_NID(name, NID_commonName, at)) >= 0;) last = at;
  if (last < 0) return "";
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
  std::uint8_t* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) {
    ERR_clear_error();
    return "";
  }
  bssl::UniquePtr<std::uint8_t> owned(utf8);
  return std::string(
      config::utf8_prefix({reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length)}));
}

std::string hex(const std::uint8_t* bytes, std::size_t length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (std::size_t i = 0; i < length; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xF];
  }
  return out;
}

std::string serial_of(X509* certificate) {
  bssl::UniquePtr<BIGNUM> number(ASN1_INTEGER_to_BN(X509_get_serialNumber(certificate), nullptr));
  if (!number) {
    ERR_clear_error();
    return "";
  }
  bssl::UniquePtr<char> text(BN_bn2hex(number.get()));
  // RFC 5280 caps serials at 20 bytes; a hostile one is cut rather than kept whole.
  return text ? std::string(config::utf8_prefix(text.get(), 64)) : std::string();
}

std::chrono::system_clock::time_point time_of(const ASN1_TIME* time) {
  bssl::UniquePtr<ASN1_TIME> epoch(ASN1_TIME_set(nullptr, 0));
  int days = 0;
  int seconds = 0;
  if (time == nullptr || !epoch || ASN1_TIME_diff(&days, &seconds, epoch.get(), time) != 1) {
    ERR_clear_error();
    return {};
  }
  return std::chrono::system_clock::time_point(std::chrono::seconds(
      static_cast<std::int64_t>(days) * 86400 + static_cast<std::int64_t>(seconds)));
}

std::string string_of(const ASN1_STRING* value) {
  return std::string(
      config::utf8_prefix({reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                           static_cast<std::size_t>(std::max(0, ASN1_STRING_length(value)))}));
}

std::vector<std::string> alt_names_of(X509* certificate) {
  std::vector<std::string> out;
  bssl::UniquePtr<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  ERR_clear_error();  // absent or unparsable: no names
  for (std::size_t i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    if (out.size() >= kMaxSubjectAltNames) break;
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    switch (name->type) {
      case GEN_DNS:
        out.push_back(string_of(name->d.dNSName));
        break;
      case GEN_EMAIL:
        out.push_back(string_of(name->d.rfc822Name));
        break;
      case GEN_URI:
        out.push_back(string_of(name->d.uniformResourceIdentifier));
        break;
      case GEN_IPADD: {
        const ASN1_OCTET_STRING* ip = name->d.iPAddress;
        char text[INET6_ADDRSTRLEN] = {};
        const int length = ASN1_STRING_length(ip);
        const int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : 0;
        if (family != 0 && inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text)) {
          out.emplace_back(text);
        }
        break;
      }
      default:
        break;  // other name forms are not matched on
    }
  }
  return out;
}

}  // namespace

std::optional<ClientCertificateFacts> client_certificate_facts(std::span<const std::uint8_t> der) {
  const std::uint8_t* cursor = der.data();
  bssl::UniquePtr<X509> certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (!certificate || cursor != der.data() + der.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  ClientCertificateFacts facts;
  facts.subject = name_text(X509_get_subject_name(certificate.get()));
  facts.issuer = name_text(X509_get_issuer_name(certificate.get()));
  facts.common_name = common_name_of(X509_get_subject_name(certificate.get()));
  facts.serial = serial_of(certificate.get());
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(der.data(), der.size(), digest);
  facts.sha256 = hex(digest, sizeof digest);
  facts.not_before = time_of(X509_get0_notBefore(certificate.get()));
  facts.not_after = time_of(X509_get0_notAfter(certificate.get()));
  std::uint8_t* spki = nullptr;
  const int spki_length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate.get()), &spki);
  if (spki_length > 0) {
    bssl::UniquePtr<std::uint8_t> owned(spki);
    SHA256(spki, static_cast<std::size_t>(spki_length), facts.spki_sha256.data());
  }
  facts.subject_alt_names = alt_names_of(certificate.get());
  ERR_clear_error();
  return facts;
}

}  // namespace tlsfloor::tls
