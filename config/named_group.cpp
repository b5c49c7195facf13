#include "config/named_group.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace tlsfloor::config {
namespace {

struct NamedGroup {
  std::uint16_t code;
  std::string_view name;
};

// The IANA TLS Supported Groups registry, with the NIST curves and X25519/X448 spelt as
// BoringSSL's and OpenSSL's group lists spell them, and the experimental codes deployed clients
// have sent (CECPQ2, the Kyber drafts).
constexpr NamedGroup kNames[] = {
    {0x0001, "sect163k1"},
    {0x0002, "sect163r1"},
    {0x0003, "sect163r2"},
    {0x0004, "sect193r1"},
    {0x0005, "sect193r2"},
    {0x0006, "sect233k1"},
    {0x0007, "sect233r1"},
    {0x0008, "sect239k1"},
    {0x0009, "sect283k1"},
    {0x000a, "sect283r1"},
    {0x000b, "sect409k1"},
    {0x000c, "sect409r1"},
    {0x000d, "sect571k1"},
    {0x000e, "sect571r1"},
    {0x000f, "secp160k1"},
    {0x0010, "secp160r1"},
    {0x0011, "secp160r2"},
    {0x0012, "secp192k1"},
    {0x0013, "secp192r1"},
    {0x0014, "secp224k1"},
    {group::kP224, "P-224"},
    {0x0016, "secp256k1"},
    {group::kP256, "P-256"},
    {group::kP384, "P-384"},
    {group::kP521, "P-521"},
    {0x001a, "brainpoolP256r1"},
    {0x001b, "brainpoolP384r1"},
    {0x001c, "brainpoolP512r1"},
    {group::kX25519, "X25519"},
    {group::kX448, "X448"},
    {0x001f, "brainpoolP256r1tls13"},
    {0x0020, "brainpoolP384r1tls13"},
    {0x0021, "brainpoolP512r1tls13"},
    {0x0022, "GC256A"},
    {0x0023, "GC256B"},
    {0x0024, "GC256C"},
    {0x0025, "GC256D"},
    {0x0026, "GC512A"},
    {0x0027, "GC512B"},
    {0x0028, "GC512C"},
    {0x0029, "curveSM2"},
    {0x0100, "ffdhe2048"},
    {0x0101, "ffdhe3072"},
    {0x0102, "ffdhe4096"},
    {0x0103, "ffdhe6144"},
    {0x0104, "ffdhe8192"},
    {0x0200, "MLKEM512"},
    {0x0201, "MLKEM768"},
    {0x0202, "MLKEM1024"},
    {group::kSecP256r1MLKEM768, "SecP256r1MLKEM768"},
    {group::kX25519MLKEM768, "X25519MLKEM768"},
    {group::kSecP384r1MLKEM1024, "SecP384r1MLKEM1024"},
    {group::kCecpq2, "CECPQ2"},
    {group::kX25519Kyber768Draft00, "X25519Kyber768Draft00"},
    {group::kSecP256r1Kyber768Draft00, "SecP256r1Kyber768Draft00"},
    {0xff01, "arbitrary_explicit_prime_curves"},
    {0xff02, "arbitrary_explicit_char2_curves"},
};

// Other spellings configurations and tools use for the same groups.
constexpr NamedGroup kAliases[] = {
    {0x0013, "prime192v1"},       {group::kP224, "secp224r1"}, {group::kP256, "secp256r1"},
    {group::kP256, "prime256v1"}, {group::kP384, "secp384r1"}, {group::kP521, "secp521r1"},
};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::uint16_t> parse_hex_code(std::string_view text) {
  if (text.size() != 6 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return std::nullopt;
  std::uint16_t code = 0;
  for (const char c : text.substr(2)) {
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return std::nullopt;
    code = static_cast<std::uint16_t>(code << 4 | digit);
  }
  return code;
}

}  // namespace

std::string group_name(std::uint16_t code) {
  const auto* found = std::lower_bound(
      std::begin(kNames), std::end(kNames), code,
      [](const NamedGroup& entry, std::uint16_t wanted) { return entry.code < wanted; });
  if (found != std::end(kNames) && found->code == code) return std::string(found->name);
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%04x", code);
  return hex;
}

std::optional<std::uint16_t> parse_group(std::string_view text) {
  for (const auto& table :
       {std::span<const NamedGroup>(kNames), std::span<const NamedGroup>(kAliases)}) {
    for (const NamedGroup& entry : table) {
      if (equal_ignoring_case(entry.name, text)) return entry.code;
    }
  }
  return parse_hex_code(text);
}

bool is_post_quantum(std::uint16_t code) {
  switch (code) {
    case 0x0200:  // MLKEM512
    case 0x0201:  // MLKEM768
    case 0x0202:  // MLKEM1024
    case group::kSecP256r1MLKEM768:
    case group::kX25519MLKEM768:
    case group::kSecP384r1MLKEM1024:
    case group::kCecpq2:
    case group::kX25519Kyber768Draft00:
    case group::kSecP256r1Kyber768Draft00:
      return true;
    default:
      return false;
  }
}

bool is_tls13_only(std::uint16_t code) {
  return is_post_quantum(code) || (code >= 0x001f && code <= 0x0021);  // brainpool...tls13
}

bool offers_post_quantum(std::span<const std::uint16_t> codes) {
  return std::any_of(codes.begin(), codes.end(), is_post_quantum);
}

bool shares_group(std::span<const std::uint16_t> offered, std::span<const std::uint16_t> groups) {
  // The few configured groups are the inner loop's haystack: a hostile hello may offer
  // thousands of codes.
  return std::any_of(offered.begin(), offered.end(), [&](std::uint16_t code) {
    return std::find(groups.begin(), groups.end(), code) != groups.end();
  });
}

std::uint16_t preferred_group(std::span<const std::uint16_t> offered,
                              std::span<const std::uint16_t> server) {
  for (const std::uint16_t code : server) {
    if (std::find(offered.begin(), offered.end(), code) != offered.end()) return code;
  }
  return 0;
}

std::string group_list_text(std::span<const std::uint16_t> codes) {
  std::string text;
  for (const std::uint16_t code : codes) {
    if (!text.empty()) text += ':';
    text += group_name(code);
  }
  return text;
}

std::optional<std::vector<std::uint16_t>> parse_group_list(std::string_view text,
                                                           std::string& error) {
  std::vector<std::uint16_t> codes;
  for (std::size_t start = 0;;) {
    const std::size_t colon = text.find(':', start);
    const std::string_view entry = text.substr(
        start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (entry.empty()) {
      error = "an empty group name";
      return std::nullopt;
    }
    const std::optional<std::uint16_t> code = parse_group(entry);
    if (!code) {
      error = "unknown group \"" + std::string(entry) + "\"";
      return std::nullopt;
    }
    if (std::find(codes.begin(), codes.end(), *code) != codes.end()) {
      error = "group " + group_name(*code) + " is listed twice";
      return std::nullopt;
    }
    codes.push_back(*code);
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return codes;
}

}  // namespace tlsfloor::config
