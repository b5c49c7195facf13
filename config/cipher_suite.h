#pragma once
// Cipher suites as the policy and the report judge them: a suite's code and the versions it can
// be used at, and whether a client's offer shares one with a list. A shared value type, so
// that proxy/policy/ and metrics/report/ need nothing of the TLS library (proxy/tls/ turns
// cipher strings into these).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tlsfloor::config {

struct CipherSuite {
  std::uint16_t code = 0;         // the IANA code point (0xc02f)
  std::uint16_t min_version = 0;  // wire codes: 0x0301 .. 0x0303 (AEAD suites: TLS 1.2 only)
  std::uint16_t max_version = 0;
  friend bool operator==(const CipherSuite&, const CipherSuite&) = default;
};

/// Whether a client that offers the suites `offered` (its hello's codes, any order, GREASE and
/// SCSVs included or not) can agree on one of `suites` at `version` (a wire code). Always true at
/// TLS 1.3 and above: those suites are fixed by the library and not part of a cipher list.
/// O(offered x suites) with no allocation; `suites` holds at most a few dozen entries.
bool shares_suite(std::span<const std::uint16_t> offered, std::span<const CipherSuite> suites,
                  std::uint16_t version);

/// "0x002f" as the log writes it: four lowercase hex digits, no prefix ("002f").
std::string cipher_code_text(std::uint16_t code);

}  // namespace tlsfloor::config
