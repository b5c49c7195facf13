#pragma once
// Cipher lists (tls.ciphers, tls.legacy_ciphers, an exception's ciphers) as BoringSSL reads them:
// parsed strictly, so that a misspelt suite is an error rather than silently dropped; turned
// into the plain facts the policy judges ClientHellos with; and checked against the versions
// and certificates they must serve.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/cipher_suite.h"
#include "config/config.h"
#include "config/tls_version.h"
#include "proxy/tls/boringssl.h"

namespace tlsfloor::tls {

/// The TLS 1.0-1.2 suites `text` selects, in the server's order. nullopt when BoringSSL refuses
/// it, with `error` naming the first entry it does not know ("unknown cipher suite or rule
/// \"TLS_RSA_WITH_RC4_128_SHA\"").
std::optional<std::vector<const SSL_CIPHER*>> parse_cipher_list(std::string_view text,
                                                                std::string& error);

/// The key types of a route's certificates, which decide which suites it can use (ECDHE_ECDSA
/// suites need a non-RSA key, RSA and ECDHE_RSA suites an RSA one).
struct KeyTypes {
  bool rsa = false;
  bool ecdsa = false;  // ECDSA or Ed25519
};

/// The suites of `list` the keys can use, as the policy sees them. PSK suites are left out:
/// tlsfloor configures no pre-shared keys.
std::vector<config::CipherSuite> usable_suites(const std::vector<const SSL_CIPHER*>& list,
                                               KeyTypes keys);

/// A suite at a version it can be negotiated at, with its IANA code point and name.
struct SuiteAtVersion {
  std::uint16_t version_wire = 0;
  std::uint16_t code = 0;
  const char* name = "";  // static storage
};

/// Every suite of the cipher strings `lists` (valid ones; others are skipped) that `keys` can
/// use (every suite when `keys` is empty: an upstream's key is not known), at every version from
/// `lowest` to `highest` it can be negotiated at, each pair once; and with `highest` TLS 1.3,
/// TLS 1.3's three suites. What a route or an upstream leg can ever negotiate, for the metrics
/// made at 0.
std::vector<SuiteAtVersion> negotiable_suites(const std::vector<std::string>& lists, KeyTypes keys,
                                              config::TlsVersion lowest,
                                              config::TlsVersion highest);

/// The default tls.legacy_ciphers: the suites of `floor` (a valid cipher string) in its order,
/// then every other TLS 1.0-1.2 suite BoringSSL implements but PSK (static RSA, 3DES), in
/// BoringSSL's order. Legacy clients that are let in are served by whatever they can speak;
/// nobody else is ever given this list. Empty when `floor` does not parse.
std::string compatibility_cipher_list(std::string_view floor);

/// The versions from `lowest` to `highest` (capped at TLS 1.2) at which none of `suites` can be
/// used, as a message for the list's `name` ("ciphers leave TLS1.0 and TLS1.1 without a suite
/// the RSA certificate can use ..."); nullopt when every version is served.
std::optional<std::string> coverage_problem(std::string_view name,
                                            const std::vector<config::CipherSuite>& suites,
                                            KeyTypes keys, config::TlsVersion lowest,
                                            config::TlsVersion highest);

/// Checks the names of every cipher list of a configuration that failed to parse (the lists of a
/// valid one are checked as it is built, with their certificates); errors are appended.
void add_cipher_list_errors(const std::vector<config::CipherList>& lists,
                            std::vector<config::ConfigError>& errors);

}  // namespace tlsfloor::tls
