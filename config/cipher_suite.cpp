#include "config/cipher_suite.h"

#include <algorithm>

namespace tlsfloor::config {

bool shares_suite(std::span<const std::uint16_t> offered, std::span<const CipherSuite> suites,
                  std::uint16_t version) {
  if (version >= 0x0304) return true;
  // The few suites usable at this version are the inner loop's haystack: a hostile hello may
  // offer thousands of codes, the list holds a few dozen.
  return std::any_of(offered.begin(), offered.end(), [&](std::uint16_t code) {
    return std::any_of(suites.begin(), suites.end(), [&](const CipherSuite& suite) {
      return suite.code == code && suite.min_version <= version && version <= suite.max_version;
    });
  });
}

std::string cipher_code_text(std::uint16_t code) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {kHex[code >> 12], kHex[(code >> 8) & 0xf], kHex[(code >> 4) & 0xf], kHex[code & 0xf]};
}

}  // namespace tlsfloor::config
