#include "proxy/hello/client_hello.h"

#include "config/tls_version.h"

#include <algorithm>
#include <bitset>
#include <cstddef>

namespace tlsfloor::hello {
namespace {

constexpr std::size_t kRandomLength = 32;
constexpr std::size_t kMaxSessionIdLength = 32;

using namespace extension_type;

constexpr std::uint8_t kNameTypeHostName = 0;

constexpr auto kTls1_0 = static_cast<std::uint16_t>(config::TlsVersion::tls1_0);
constexpr auto kTls1_2 = static_cast<std::uint16_t>(config::TlsVersion::tls1_2);
constexpr auto kTls1_3 = static_cast<std::uint16_t>(config::TlsVersion::tls1_3);

// A cursor over untrusted bytes. Every read checks the remaining length first and leaves the
// cursor untouched on failure, so a caller can bail out with one `if` per field and nothing ever
// reads past the span.
class Reader {
 public:
  Reader() = default;
  explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}

  bool empty() const { return data_.empty(); }
  std::size_t remaining() const { return data_.size(); }
  std::span<const std::uint8_t> rest() const { return data_; }

  bool read_u8(std::uint8_t& out) {
    if (data_.empty()) {
      return false;
    }
    out = data_[0];
    data_ = data_.subspan(1);
    return true;
  }

  bool read_u16(std::uint16_t& out) {
    if (data_.size() < 2) {
      return false;
    }
    out = static_cast<std::uint16_t>((data_[0] << 8) | data_[1]);
    data_ = data_.subspan(2);
    return true;
  }

  bool skip(std::size_t length) {
    if (data_.size() < length) {
      return false;
    }
    data_ = data_.subspan(length);
    return true;
  }

  // TLS `opaque x<..2^8-1>`: a u8 length, then that many bytes, handed back as their own reader
  // so nested structures cannot run past the vector they live in.
  bool read_vector_u8(Reader& out) {
    std::uint8_t length = 0;
    Reader saved = *this;
    if (!read_u8(length) || !take(length, out)) {
      *this = saved;
      return false;
    }
    return true;
  }

  // TLS `opaque x<..2^16-1>`.
  bool read_vector_u16(Reader& out) {
    std::uint16_t length = 0;
    Reader saved = *this;
    if (!read_u16(length) || !take(length, out)) {
      *this = saved;
      return false;
    }
    return true;
  }

 private:
  bool take(std::size_t length, Reader& out) {
    if (data_.size() < length) {
      return false;
    }
    out = Reader(data_.first(length));
    data_ = data_.subspan(length);
    return true;
  }

  std::span<const std::uint8_t> data_;
};

// Reads a whole vector of u16 values; its byte length must be even and at least `min_count`
// entries long (the TLS lower bounds such as <2..2^16-2> are stated in bytes, i.e. one entry).
bool read_u16_list(Reader contents, std::size_t min_count, std::vector<std::uint16_t>& out) {
  if (contents.remaining() % 2 != 0 || contents.remaining() / 2 < min_count) {
    return false;
  }
  out.reserve(contents.remaining() / 2);
  std::uint16_t value = 0;
  while (contents.read_u16(value)) {
    out.push_back(value);
  }
  return true;
}

// Reads a whole non-empty vector of u8 values.
bool read_u8_list(Reader contents, std::vector<std::uint8_t>& out) {
  if (contents.empty()) {
    return false;
  }
  const auto bytes = contents.rest();
  out.assign(bytes.begin(), bytes.end());
  return true;
}

// RFC 6066 3: ServerName server_name_list<1..2^16-1>, each a name_type byte and an
// opaque<1..2^16-1>. Every deployed name_type uses that opaque form, so unknown types are
// skipped the same way rather than rejected.
bool parse_server_name(Reader contents, ClientHello& hello) {
  Reader list;
  if (!contents.read_vector_u16(list) || !contents.empty() || list.empty()) {
    return false;
  }
  bool have_host_name = false;
  while (!list.empty()) {
    std::uint8_t name_type = 0;
    Reader name;
    if (!list.read_u8(name_type) || !list.read_vector_u16(name)) {
      return false;
    }
    if (name_type != kNameTypeHostName) {
      continue;
    }
    const auto bytes = name.rest();
    // RFC 6066 forbids two names of one type. An empty name or an embedded NUL cannot be a
    // DNS name, and a NUL would make the string differ from what C APIs (and BoringSSL's own
    // SSL_get_servername) report.
    if (have_host_name || bytes.empty() || bytes.size() > kMaxServerNameBytes ||
        std::find(bytes.begin(), bytes.end(), std::uint8_t{0}) != bytes.end()) {
      return false;
    }
    hello.server_name.assign(bytes.begin(), bytes.end());
    have_host_name = true;
  }
  return true;
}

// RFC 7301 3.1: ProtocolName protocol_name_list<2..2^16-1>, each ProtocolName opaque<1..2^8-1>.
bool parse_alpn(Reader contents, ClientHello& hello) {
  Reader list;
  if (!contents.read_vector_u16(list) || !contents.empty() || list.empty()) {
    return false;
  }
  while (!list.empty()) {
    Reader name;
    if (!list.read_vector_u8(name) || name.empty()) {
      return false;
    }
    ++hello.alpn_offered;
    if (hello.alpn.size() < kMaxAlpnKept) {
      const auto bytes = name.rest();
      hello.alpn.emplace_back(bytes.begin(), bytes.end());
    }
  }
  return true;
}

// RFC 8446 4.2.8: KeyShareEntry client_shares<0..2^16-1>, each a NamedGroup and an
// opaque key_exchange<1..2^16-1>. Only the groups are kept; an empty list (a client asking for
// a HelloRetryRequest) is valid.
bool parse_key_share(Reader contents, ClientHello& hello) {
  Reader list;
  if (!contents.read_vector_u16(list) || !contents.empty()) {
    return false;
  }
  while (!list.empty()) {
    std::uint16_t group = 0;
    Reader key_exchange;
    if (!list.read_u16(group) || !list.read_vector_u16(key_exchange)) {
      return false;
    }
    if (is_grease(group)) continue;
    ++hello.key_shares_offered;
    if (hello.key_share_groups.size() < kMaxKeySharesKept) {
      hello.key_share_groups.push_back(group);
    }
  }
  return true;
}

// Decodes the extensions tlsfloor reports on; any other type is kept only as a type number.
// Contents must be consumed exactly: a record that is longer than its structure is malformed.
bool parse_extension(std::uint16_t type, Reader contents, ClientHello& hello) {
  Reader inner;
  switch (type) {
    case kServerName:
      return parse_server_name(contents, hello);
    case kSupportedGroups:
      // RFC 8446 4.2.7: NamedGroup named_group_list<2..2^16-1>.
      return contents.read_vector_u16(inner) && contents.empty() &&
             read_u16_list(inner, 1, hello.supported_groups);
    case kEcPointFormats:
      // RFC 8422 5.1.2: ECPointFormat ec_point_format_list<1..2^8-1>.
      return contents.read_vector_u8(inner) && contents.empty() &&
             read_u8_list(inner, hello.ec_point_formats);
    case kSignatureAlgorithms:
      // RFC 8446 4.2.3: SignatureScheme supported_signature_algorithms<2..2^16-2>.
      return contents.read_vector_u16(inner) && contents.empty() &&
             read_u16_list(inner, 1, hello.signature_algorithms);
    case kAlpn:
      return parse_alpn(contents, hello);
    case kKeyShare:
      return parse_key_share(contents, hello);
    case kSupportedVersions:
      // RFC 8446 4.2.1, ClientHello form: ProtocolVersion versions<2..254>.
      hello.has_supported_versions = true;
      return contents.read_vector_u8(inner) && contents.empty() &&
             read_u16_list(inner, 1, hello.supported_versions);
    default:
      return true;
  }
}

}  // namespace

std::optional<ClientHello> parse_client_hello(std::span<const std::uint8_t> body) {
  Reader reader(body);
  ClientHello hello;

  if (!reader.read_u16(hello.legacy_version) || !reader.skip(kRandomLength)) {
    return std::nullopt;
  }

  Reader session_id;
  if (!reader.read_vector_u8(session_id) || session_id.remaining() > kMaxSessionIdLength) {
    return std::nullopt;
  }

  // CipherSuite cipher_suites<2..2^16-2>.
  Reader cipher_suites;
  if (!reader.read_vector_u16(cipher_suites) ||
      !read_u16_list(cipher_suites, 1, hello.cipher_suites)) {
    return std::nullopt;
  }

  // opaque legacy_compression_methods<1..2^8-1>.
  Reader compression_methods;
  if (!reader.read_vector_u8(compression_methods) ||
      !read_u8_list(compression_methods, hello.compression_methods)) {
    return std::nullopt;
  }

  // SSL 3.0 and early TLS 1.0 clients end the hello here; that is a hello without extensions,
  // not a truncated one.
  if (reader.empty()) {
    return hello;
  }

  Reader extensions;
  if (!reader.read_vector_u16(extensions) || !reader.empty()) {
    return std::nullopt;
  }

  // A fixed bitmap keeps duplicate detection linear and allocation-free even for a hostile hello
  // carrying thousands of empty extensions.
  std::bitset<65536> seen;
  while (!extensions.empty()) {
    std::uint16_t type = 0;
    Reader contents;
    if (!extensions.read_u16(type) || !extensions.read_vector_u16(contents)) {
      return std::nullopt;
    }
    // RFC 8446 4.2: there MUST NOT be more than one extension of the same type.
    if (seen.test(type)) {
      return std::nullopt;
    }
    seen.set(type);
    hello.extensions.push_back(type);
    if (!parse_extension(type, contents, hello)) {
      return std::nullopt;
    }
  }
  return hello;
}

bool is_grease(std::uint16_t value) {
  return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
}

std::uint16_t highest_offered_version(const ClientHello& hello) {
  if (!hello.has_supported_versions) {
    return std::min(hello.legacy_version, kTls1_2);
  }
  // Only final TLS versions count: GREASE, TLS 1.3 drafts (0x7fxx), SSL 3.0 and unknown codes
  // cannot be negotiated by tlsfloor, so they do not raise the client's offer.
  std::uint16_t highest = 0;
  for (const std::uint16_t version : hello.supported_versions) {
    if (version >= kTls1_0 && version <= kTls1_3) {
      highest = std::max(highest, version);
    }
  }
  return highest;
}

std::vector<std::uint16_t> offered_versions(const ClientHello& hello) {
  if (!hello.has_supported_versions) return {hello.legacy_version};
  std::vector<std::uint16_t> versions;
  versions.reserve(hello.supported_versions.size());
  for (const std::uint16_t version : hello.supported_versions) {
    if (!is_grease(version)) versions.push_back(version);
  }
  return versions;
}

bool can_verify_ecdsa(const ClientHello& hello, bool tls13, std::uint16_t group,
                      std::uint16_t tls13_scheme) {
  const auto offers = [](const std::vector<std::uint16_t>& list, auto wanted) {
    return std::any_of(list.begin(), list.end(), wanted);
  };
  if (tls13) {
    return offers(hello.signature_algorithms,
                  [tls13_scheme](std::uint16_t scheme) { return scheme == tls13_scheme; });
  }
  // TLS 1.2 and below: ecdsa_sha1, ecdsa_secp256r1_sha256, _secp384r1_sha384, _secp521r1_sha512
  // (in TLS 1.2 the hash is free of the curve).
  const bool ecdsa_algorithm = hello.signature_algorithms.empty() ||
                               offers(hello.signature_algorithms, [](std::uint16_t scheme) {
                                 return (scheme & 0xFF) == 0x03 && scheme <= 0x0603;
                               });
  // The ECDHE_ECDSA suites: 0xC006..0xC00A, 0xC023/4, 0xC02B/C, 0xC048/9, 0xC05C/D,
  // 0xC072/3, 0xC086/7, 0xC0AC..0xC0AF and ChaCha20's 0xCCA9.
  const bool ecdsa_suite = offers(hello.cipher_suites, [](std::uint16_t suite) {
    return (suite >= 0xC006 && suite <= 0xC00A) || suite == 0xC023 || suite == 0xC024 ||
           suite == 0xC02B || suite == 0xC02C || suite == 0xC048 || suite == 0xC049 ||
           suite == 0xC05C || suite == 0xC05D || suite == 0xC072 || suite == 0xC073 ||
           suite == 0xC086 || suite == 0xC087 || (suite >= 0xC0AC && suite <= 0xC0AF) ||
           suite == 0xCCA9;
  });
  const bool curve =
      hello.supported_groups.empty() ||
      offers(hello.supported_groups, [group](std::uint16_t g) { return g == group; });
  return ecdsa_algorithm && ecdsa_suite && curve;
}

}  // namespace tlsfloor::hello
