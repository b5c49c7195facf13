// libFuzzer target for the ClientHello parser: it reads bytes from unauthenticated peers, so any
// input must either parse or be rejected, never crash, hang or read out of bounds; and what it
// keeps must stay within the stated bounds. Every hello that parses also goes through the client
// family matcher, which runs on the same untrusted facts. A structure-aware mutator (below) edits
// parsed hellos field by field and writes them back, so the fuzzer spends its time past the
// framing, in the extensions, versions and names, instead of on inputs the first length check
// rejects.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "config/tls_version.h"
#include "proxy/families/family_matcher.h"
#include "proxy/hello/client_hello.h"
#include "proxy/hello/fingerprint.h"
#include "proxy/hello/hello_facts.h"

namespace {

using tlsfloor::hello::ClientHello;
namespace extension = tlsfloor::hello::extension_type;

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max);

// --- writing a ClientHello back to bytes ---------------------------------------------------

void u8(std::vector<std::uint8_t>& out, std::uint8_t value) { out.push_back(value); }
void u16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}
// Appends `body` behind a big-endian length of `width` bytes.
void vector_of(std::vector<std::uint8_t>& out, std::size_t width,
               const std::vector<std::uint8_t>& body) {
  for (std::size_t i = width; i > 0; --i) {
    out.push_back(static_cast<std::uint8_t>(body.size() >> (8 * (i - 1))));
  }
  out.insert(out.end(), body.begin(), body.end());
}
std::vector<std::uint8_t> u16_list(const std::vector<std::uint16_t>& values) {
  std::vector<std::uint8_t> out;
  for (const std::uint16_t value : values) u16(out, value);
  return out;
}
std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

std::vector<std::uint8_t> extension_body(std::uint16_t type, const ClientHello& hello) {
  std::vector<std::uint8_t> body;
  switch (type) {
    case extension::kServerName: {
      std::vector<std::uint8_t> entry;
      u8(entry, 0);  // host_name
      vector_of(entry, 2, bytes_of(hello.server_name));
      vector_of(body, 2, entry);
      break;
    }
    case extension::kSupportedGroups:
      vector_of(body, 2, u16_list(hello.supported_groups));
      break;
    case extension::kEcPointFormats:
      vector_of(body, 1, hello.ec_point_formats);
      break;
    case extension::kSignatureAlgorithms:
      vector_of(body, 2, u16_list(hello.signature_algorithms));
      break;
    case extension::kAlpn: {
      std::vector<std::uint8_t> names;
      for (const std::string& name : hello.alpn) vector_of(names, 1, bytes_of(name));
      vector_of(body, 2, names);
      break;
    }
    case extension::kSupportedVersions:
      vector_of(body, 1, u16_list(hello.supported_versions));
      break;
    default:
      break;  // other extensions are kept as types only: an empty body
  }
  return body;
}

std::vector<std::uint8_t> serialize(const ClientHello& hello) {
  std::vector<std::uint8_t> out;
  u16(out, hello.legacy_version);
  out.insert(out.end(), 32, 0x42);  // random
  vector_of(out, 1, {});            // session id
  vector_of(out, 2, u16_list(hello.cipher_suites));
  vector_of(out, 1, hello.compression_methods);
  std::vector<std::uint8_t> extensions;
  for (const std::uint16_t type : hello.extensions) {
    u16(extensions, type);
    vector_of(extensions, 2, extension_body(type, hello));
  }
  if (!hello.extensions.empty()) vector_of(out, 2, extensions);
  return out;
}

// --- structural edits -----------------------------------------------------------------------

std::uint16_t interesting_version(std::minstd_rand& rng) {
  static constexpr std::uint16_t kVersions[] = {0x0002, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304,
                                                0x7f1c, 0xfefd, 0x0a0a, 0xfafa, 0x0305};
  return rng() % 8 == 0 ? static_cast<std::uint16_t>(rng())
                        : kVersions[rng() % std::size(kVersions)];
}

void ensure_extension(ClientHello& hello, std::uint16_t type) {
  if (std::find(hello.extensions.begin(), hello.extensions.end(), type) == hello.extensions.end()) {
    hello.extensions.push_back(type);
  }
}

std::string random_text(std::minstd_rand& rng, std::size_t max_length) {
  std::string text(rng() % (max_length + 1), '\0');
  for (char& c : text) c = static_cast<char>(rng() % 4 == 0 ? rng() : 'a' + rng() % 26);
  return text;
}

void edit(ClientHello& hello, std::minstd_rand& rng) {
  switch (rng() % 9) {
    case 0:
      hello.legacy_version = interesting_version(rng);
      break;
    case 1:
      ensure_extension(hello, extension::kSupportedVersions);
      hello.supported_versions.resize(rng() % 8);
      for (auto& version : hello.supported_versions) version = interesting_version(rng);
      break;
    case 2:
      if (!hello.cipher_suites.empty() && rng() % 2 == 0) {
        hello.cipher_suites.erase(hello.cipher_suites.begin() +
                                  static_cast<long>(rng() % hello.cipher_suites.size()));
      } else {
        hello.cipher_suites.push_back(static_cast<std::uint16_t>(rng()));
      }
      break;
    case 3:
      ensure_extension(hello, extension::kServerName);
      hello.server_name = random_text(rng, rng() % 4 == 0 ? 300 : 40);
      break;
    case 4: {
      ensure_extension(hello, extension::kAlpn);
      const std::size_t count = rng() % 4 == 0 ? rng() % 2000 : rng() % 4;
      for (std::size_t i = 0; i < count; ++i) hello.alpn.push_back(random_text(rng, 12));
      break;
    }
    case 5:  // duplicate an extension: the parser must refuse it
      if (!hello.extensions.empty()) {
        hello.extensions.push_back(hello.extensions[rng() % hello.extensions.size()]);
      }
      break;
    case 6:
      std::shuffle(hello.extensions.begin(), hello.extensions.end(), rng);
      break;
    case 7:
      if (!hello.extensions.empty()) {
        hello.extensions.erase(hello.extensions.begin() +
                               static_cast<long>(rng() % hello.extensions.size()));
      }
      break;
    default:
      hello.extensions.push_back(static_cast<std::uint16_t>(rng()));
      break;
  }
}

}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  std::minstd_rand rng(seed);
  std::optional<ClientHello> hello =
      tlsfloor::hello::parse_client_hello(std::span<const std::uint8_t>(data, size));
  // Byte-level mutations too, for the framing and for inputs that do not parse.
  if (!hello || rng() % 4 == 0) return LLVMFuzzerMutate(data, size, max_size);
  hello->alpn_offered = 0;
  for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) edit(*hello, rng);
  const std::vector<std::uint8_t> bytes = serialize(*hello);
  if (bytes.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::optional<ClientHello> hello =
      tlsfloor::hello::parse_client_hello(std::span<const std::uint8_t>(data, size));
  if (!hello) return 0;
  const std::uint16_t version = tlsfloor::hello::highest_offered_version(*hello);
  // With supported_versions the answer is 0 or a final TLS version; without it, never above
  // TLS 1.2. What is kept is bounded whatever was sent. Anything else is a bug: crash.
  using namespace tlsfloor::config::wire;
  if (hello->has_supported_versions ? (version != 0 && (version < kTls1_0 || version > kTls1_3))
                                    : version > kTls1_2) {
    __builtin_trap();
  }
  if (hello->alpn.size() > tlsfloor::hello::kMaxAlpnKept ||
      hello->alpn.size() > hello->alpn_offered ||
      hello->server_name.size() > tlsfloor::hello::kMaxServerNameBytes) {
    __builtin_trap();
  }
  // The fingerprints and the kept facts work on anything that parses.
  const tlsfloor::hello::HelloFacts facts = tlsfloor::hello::hello_facts(*hello, true);
  if (facts.ja3.size() != 32 || facts.ja4.empty()) __builtin_trap();
  // The family matcher answers for anything that parses: a family exactly when the kind says so,
  // and a confidence in [0, 1] that is 1 only for an exact match.
  using tlsfloor::families::MatchKind;
  const tlsfloor::families::FamilyMatch match = tlsfloor::families::match_family(*hello);
  if ((match.family == nullptr) != (match.kind == MatchKind::unknown) || match.confidence < 0 ||
      match.confidence > 1 || (match.confidence == 1) != (match.kind == MatchKind::exact)) {
    __builtin_trap();
  }
  return 0;
}
