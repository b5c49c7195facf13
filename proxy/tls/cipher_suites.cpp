#include "proxy/tls/cipher_suites.h"

#include <algorithm>

namespace tlsfloor::tls {
namespace {

// A scratch context to parse with: SSL_CTX_set_strict_cipher_list is the only parser BoringSSL
// exposes. One per thread, as reloads and --check may run anywhere.
SSL_CTX* scratch_context() {
  thread_local bssl::UniquePtr<SSL_CTX> context(SSL_CTX_new(TLS_method()));
  return context.get();
}

bool parses(std::string_view text) {
  const std::string copy(text);
  const bool ok = SSL_CTX_set_strict_cipher_list(scratch_context(), copy.c_str()) == 1;
  ERR_clear_error();
  return ok;
}

// The entry of a refused string that BoringSSL does not know: each ':'-separated entry alone,
// without its operator ('!', '-', '+') or equal-preference brackets.
std::string unknown_entry(std::string_view text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of(":, ", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view entry = text.substr(start, end - start);
    while (!entry.empty() && (entry.front() == '!' || entry.front() == '-' ||
                              entry.front() == '+' || entry.front() == '[')) {
      entry.remove_prefix(1);
    }
    while (!entry.empty() && entry.back() == ']') entry.remove_suffix(1);
    if (!entry.empty() && entry.front() != '@' && entry.find('|') == std::string_view::npos &&
        !parses(entry)) {
      return std::string(entry);
    }
    start = end + 1;
  }
  return {};
}

}  // namespace

std::optional<std::vector<const SSL_CIPHER*>> parse_cipher_list(std::string_view text,
                                                                std::string& error) {
  SSL_CTX* context = scratch_context();
  const std::string copy(text);
  if (context == nullptr || SSL_CTX_set_strict_cipher_list(context, copy.c_str()) != 1) {
    ERR_clear_error();
    const std::string entry = unknown_entry(text);
    error = entry.empty() ? "invalid cipher string \"" + copy + "\""
                          : "unknown cipher suite or rule \"" + entry +
                                "\" (BoringSSL's names, such as ECDHE-RSA-AES128-GCM-SHA256, or "
                                "IANA names, such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)";
    return std::nullopt;
  }
  const STACK_OF(SSL_CIPHER)* stack = SSL_CTX_get_ciphers(context);
  std::vector<const SSL_CIPHER*> list;
  for (std::size_t i = 0; i < sk_SSL_CIPHER_num(stack); ++i) {
    list.push_back(sk_SSL_CIPHER_value(stack, i));
  }
  return list;
}

std::vector<config::CipherSuite> usable_suites(const std::vector<const SSL_CIPHER*>& list,
                                               KeyTypes keys) {
  std::vector<config::CipherSuite> suites;
  for (const SSL_CIPHER* cipher : list) {
    const int auth = SSL_CIPHER_get_auth_nid(cipher);
    const bool usable =
        (auth == NID_auth_rsa && keys.rsa) || (auth == NID_auth_ecdsa && keys.ecdsa);
    if (!usable) continue;
    suites.push_back({SSL_CIPHER_get_protocol_id(cipher), SSL_CIPHER_get_min_version(cipher),
                      SSL_CIPHER_get_max_version(cipher)});
  }
  return suites;
}

std::vector<SuiteAtVersion> negotiable_suites(const std::vector<std::string>& lists, KeyTypes keys,
                                              config::TlsVersion lowest,
                                              config::TlsVersion highest) {
  std::vector<SuiteAtVersion> suites;
  const auto add = [&suites](std::uint16_t version, const SSL_CIPHER* cipher) {
    const SuiteAtVersion suite{version, SSL_CIPHER_get_protocol_id(cipher),
                               SSL_CIPHER_standard_name(cipher)};
    const bool known = std::any_of(suites.begin(), suites.end(), [&](const auto& seen) {
      return seen.version_wire == suite.version_wire && seen.code == suite.code;
    });
    if (!known) suites.push_back(suite);
  };
  const bool any_key = !keys.rsa && !keys.ecdsa;
  const auto top = std::min<std::uint16_t>(static_cast<std::uint16_t>(highest), TLS1_2_VERSION);
  for (const std::string& list : lists) {
    std::string error;
    const auto parsed = parse_cipher_list(list, error);
    if (!parsed) continue;
    for (const SSL_CIPHER* cipher : *parsed) {
      const int auth = SSL_CIPHER_get_auth_nid(cipher);
      const bool usable =
          any_key ? auth != NID_auth_psk
                  : (auth == NID_auth_rsa && keys.rsa) || (auth == NID_auth_ecdsa && keys.ecdsa);
      if (!usable) continue;
      for (auto version = static_cast<std::uint16_t>(lowest); version <= top; ++version) {
        if (SSL_CIPHER_get_min_version(cipher) <= version &&
            version <= SSL_CIPHER_get_max_version(cipher)) {
          add(version, cipher);
        }
      }
    }
  }
  if (highest >= config::TlsVersion::tls1_3) {
    // TLS 1.3's suites are not configurable: BoringSSL offers these three.
    for (const std::uint16_t code : {0x1301, 0x1302, 0x1303}) {
      if (const SSL_CIPHER* cipher = SSL_get_cipher_by_value(code)) add(TLS1_3_VERSION, cipher);
    }
  }
  return suites;
}

std::string compatibility_cipher_list(std::string_view floor) {
  std::string error;
  const auto first = parse_cipher_list(floor, error);
  // aPSK: every suite authenticated by a pre-shared key (ECDHE-PSK ones too: !PSK leaves them).
  const auto rest = parse_cipher_list("ALL:!aPSK", error);
  if (!first || !rest) return {};
  std::string list;
  const auto add = [&list](const SSL_CIPHER* cipher) {
    if (!list.empty()) list += ':';
    list += SSL_CIPHER_get_name(cipher);
  };
  for (const SSL_CIPHER* cipher : *first) add(cipher);
  for (const SSL_CIPHER* cipher : *rest) {
    if (std::find(first->begin(), first->end(), cipher) == first->end()) add(cipher);
  }
  return list;
}

std::optional<std::string> coverage_problem(std::string_view name,
                                            const std::vector<config::CipherSuite>& suites,
                                            KeyTypes keys, config::TlsVersion lowest,
                                            config::TlsVersion highest) {
  const auto top = std::min<std::uint16_t>(static_cast<std::uint16_t>(highest), TLS1_2_VERSION);
  std::string uncovered;
  for (auto version = static_cast<std::uint16_t>(lowest); version <= top; ++version) {
    const bool served = std::any_of(suites.begin(), suites.end(), [&](const auto& suite) {
      return suite.min_version <= version && version <= suite.max_version;
    });
    if (served) continue;
    uncovered += std::string(uncovered.empty() ? "" : " and ") +
                 std::string(config::to_string(static_cast<config::TlsVersion>(version)));
  }
  if (uncovered.empty()) return std::nullopt;
  const std::string certificates = keys.rsa && keys.ecdsa ? "RSA and ECDSA certificates"
                                   : keys.rsa             ? "RSA certificate"
                                                          : "ECDSA certificate";
  return std::string(name) + " leave " + uncovered + " without a suite the " + certificates +
         " can use (AEAD suites need TLS1.2; ECDHE-ECDSA suites need an ECDSA key, RSA and "
         "ECDHE-RSA ones an RSA key)";
}

void add_cipher_list_errors(const std::vector<config::CipherList>& lists,
                            std::vector<config::ConfigError>& errors) {
  for (const config::CipherList& list : lists) {
    std::string error;
    if (!parse_cipher_list(list.text, error)) errors.push_back({list.where, error});
  }
}

}  // namespace tlsfloor::tls
