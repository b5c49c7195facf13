#include "proxy/hello/fingerprint.h"

// libcrypto only (MD5, SHA-256): this folder never touches an SSL*.
#include <openssl/base.h>
#if !defined(OPENSSL_IS_BORINGSSL)
#error "tlsfloor is built against BoringSSL: put /usr/include/android first on the include path"
#endif
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>
#include <vector>

#include "config/tls_version.h"

namespace tlsfloor::hello {
namespace {

using extension_type::kAlpn;
using extension_type::kServerName;

// JA4 "(2 character count of ...)": counts above 99 print as 99.
constexpr std::size_t kMaxJa4Count = 99;
// JA4 truncates both SHA-256 hashes to their first 12 hex characters.
constexpr std::size_t kJa4HashLength = 12;
// Printed instead of a hash when the list to hash is empty.
constexpr std::string_view kJa4EmptyHash = "000000000000";

constexpr char kHexDigits[] = "0123456789abcdef";

void append_hex_byte(std::string& out, std::uint8_t value) {
  out.push_back(kHexDigits[value >> 4]);
  out.push_back(kHexDigits[value & 0x0f]);
}

// JA4 prints every list value as 4 lowercase hex digits.
void append_hex_u16(std::string& out, std::uint16_t value) {
  append_hex_byte(out, static_cast<std::uint8_t>(value >> 8));
  append_hex_byte(out, static_cast<std::uint8_t>(value));
}

std::string hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(2 * bytes.size());
  for (const std::uint8_t byte : bytes) {
    append_hex_byte(out, byte);
  }
  return out;
}

std::vector<std::uint16_t> without_grease(const std::vector<std::uint16_t>& values) {
  std::vector<std::uint16_t> out;
  out.reserve(values.size());
  std::copy_if(values.begin(), values.end(), std::back_inserter(out),
               [](std::uint16_t value) { return !is_grease(value); });
  return out;
}

// One JA3 field: decimal values joined by '-'.
template <typename T>
void append_ja3_field(std::string& out, const std::vector<T>& values) {
  bool first = true;
  for (const T value : values) {
    if (!first) {
      out.push_back('-');
    }
    first = false;
    out += std::to_string(value);
  }
}

// A JA4 list: 4-hex-digit values joined by ','.
std::string ja4_list(const std::vector<std::uint16_t>& values) {
  std::string out;
  out.reserve(5 * values.size());
  for (const std::uint16_t value : values) {
    if (!out.empty()) {
      out.push_back(',');
    }
    append_hex_u16(out, value);
  }
  return out;
}

std::string ja4_hash(std::string_view input) {
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const std::uint8_t*>(input.data()), input.size(), digest);
  return hex(digest).substr(0, kJa4HashLength);
}

// JA4 version: "If extension 0x002b exists (supported_versions), then the version is the
// highest value in the extension. Remember to ignore GREASE values. If the extension doesn't
// exist, then the TLS version is the value of the Protocol Version." The spec has no rule for a
// supported_versions that holds only GREASE; there is no highest value to map, so it is Unknown.
std::string_view ja4_version(const ClientHello& hello) {
  std::uint16_t version = 0;
  bool known = false;
  if (hello.has_supported_versions) {
    for (const std::uint16_t value : hello.supported_versions) {
      if (!is_grease(value) && (!known || value > version)) {
        version = value;
        known = true;
      }
    }
  } else {
    version = hello.legacy_version;
    known = true;
  }
  if (!known) {
    return "00";
  }
  switch (version) {
    case config::wire::kTls1_3:
      return "13";
    case config::wire::kTls1_2:
      return "12";
    case config::wire::kTls1_1:
      return "11";
    case config::wire::kTls1_0:
      return "10";
    case config::wire::kSsl3_0:
      return "s3";
    case 0x0002:
      return "s2";
    case 0xfeff:
      return "d1";
    case 0xfefd:
      return "d2";
    case 0xfefc:
      return "d3";
    default:
      return "00";
  }
}

bool is_ascii_alphanumeric(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// JA4 "ALPN Extension Value": the first and last characters of the first ALPN value; "00" when
// there is none or it is empty; a single character counts as both ends; when either end byte is
// not 0-9, A-Z or a-z, the first and last characters of the value's hex form instead (the high
// nibble of the first byte, the low nibble of the last).
void append_ja4_alpn(std::string& out, const ClientHello& hello) {
  if (hello.alpn.empty() || hello.alpn.front().empty()) {
    out += "00";
    return;
  }
  const std::string& value = hello.alpn.front();
  const char first = value.front();
  const char last = value.back();
  if (is_ascii_alphanumeric(first) && is_ascii_alphanumeric(last)) {
    out.push_back(first);
    out.push_back(last);
    return;
  }
  out.push_back(kHexDigits[static_cast<std::uint8_t>(first) >> 4]);
  out.push_back(kHexDigits[static_cast<std::uint8_t>(last) & 0x0f]);
}

void append_two_digit_count(std::string& out, std::size_t count) {
  count = std::min(count, kMaxJa4Count);
  out.push_back(static_cast<char>('0' + count / 10));
  out.push_back(static_cast<char>('0' + count % 10));
}

// The pieces JA4 and JA4_r share: section a, and the unhashed inputs of sections b and c.
struct Ja4Parts {
  std::string a;
  std::string ciphers;               // sorted, comma-joined; empty when there are none
  std::string extensions;            // sorted, without SNI and ALPN; empty when there are none
  std::string signature_algorithms;  // client order; empty when there are none
};

Ja4Parts ja4_parts(const ClientHello& hello) {
  std::vector<std::uint16_t> ciphers = without_grease(hello.cipher_suites);
  std::vector<std::uint16_t> extensions = without_grease(hello.extensions);
  const bool has_sni =
      std::find(extensions.begin(), extensions.end(), kServerName) != extensions.end();

  Ja4Parts parts;
  parts.a.reserve(10);
  parts.a.push_back('t');
  parts.a += ja4_version(hello);
  parts.a.push_back(has_sni ? 'd' : 'i');
  append_two_digit_count(parts.a, ciphers.size());
  append_two_digit_count(parts.a, extensions.size());  // SNI and ALPN included
  append_ja4_alpn(parts.a, hello);

  std::sort(ciphers.begin(), ciphers.end());
  parts.ciphers = ja4_list(ciphers);

  std::erase_if(extensions,
                [](std::uint16_t type) { return type == kServerName || type == kAlpn; });
  std::sort(extensions.begin(), extensions.end());
  parts.extensions = ja4_list(extensions);

  parts.signature_algorithms = ja4_list(without_grease(hello.signature_algorithms));
  return parts;
}

// Section c's input: "<extensions>_<signature algorithms>", or only the extensions when the
// hello has no signature algorithms ("the string ends without an underscore").
std::string ja4_c_input(const Ja4Parts& parts) {
  std::string out = parts.extensions;
  if (!parts.signature_algorithms.empty()) {
    out.push_back('_');
    out += parts.signature_algorithms;
  }
  return out;
}

}  // namespace

std::string ja3_string(const ClientHello& hello) {
  std::string out = std::to_string(hello.legacy_version);
  out.push_back(',');
  append_ja3_field(out, without_grease(hello.cipher_suites));
  out.push_back(',');
  append_ja3_field(out, without_grease(hello.extensions));
  out.push_back(',');
  append_ja3_field(out, without_grease(hello.supported_groups));
  out.push_back(',');
  append_ja3_field(out, hello.ec_point_formats);
  return out;
}

std::string ja3(const ClientHello& hello) {
  const std::string input = ja3_string(hello);
  std::uint8_t digest[MD5_DIGEST_LENGTH];
  MD5(reinterpret_cast<const std::uint8_t*>(input.data()), input.size(), digest);
  return hex(digest);
}

std::string ja4(const ClientHello& hello) {
  const Ja4Parts parts = ja4_parts(hello);
  std::string out = parts.a;
  out.push_back('_');
  out += parts.ciphers.empty() ? std::string(kJa4EmptyHash) : ja4_hash(parts.ciphers);
  out.push_back('_');
  out += parts.extensions.empty() ? std::string(kJa4EmptyHash) : ja4_hash(ja4_c_input(parts));
  return out;
}

std::string ja4_raw(const ClientHello& hello) {
  const Ja4Parts parts = ja4_parts(hello);
  std::string out = parts.a;
  out.push_back('_');
  out += parts.ciphers;
  out.push_back('_');
  out += ja4_c_input(parts);
  return out;
}

}  // namespace tlsfloor::hello
