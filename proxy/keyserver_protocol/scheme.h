#pragma once
// TLS signature schemes as the key server makes them: which key type, digest and padding each
// code means. One table for both sides, so tlsfloor and the key server cannot read an algorithm
// differently (BoringSSL's private-key method hands over the scheme and the unhashed input;
// the key server hashes and pads as the scheme says).
#include <cstdint>
#include <string_view>

namespace tlsfloor::keyserver_protocol {

enum class KeyKind { rsa, ec };
enum class Digest { md5_sha1, sha1, sha256, sha384, sha512 };
/// PKCS#1 v1.5 (with a DigestInfo, except for MD5-SHA1 in TLS 1.0 and 1.1), PSS with a salt as
/// long as the digest (as TLS 1.3 requires), or ECDSA's own.
enum class Padding { pkcs1, pss, ecdsa };

struct Scheme {
  std::uint16_t code = 0;
  KeyKind key = KeyKind::rsa;
  Digest digest = Digest::sha256;
  Padding padding = Padding::pkcs1;
  std::string_view name;
};

/// BoringSSL's private code for TLS 1.0 and 1.1 RSA signatures (MD5 and SHA-1 concatenated,
/// PKCS#1 v1.5 without a DigestInfo); not an IANA code point.
inline constexpr std::uint16_t kRsaPkcs1Md5Sha1 = 0xff01;

/// The scheme `code` names, or null for one the key server does not make (Ed25519, RSA-PSS
/// with PSS keys, anything unknown): those are refused with bad_algorithm.
const Scheme* find_scheme(std::uint16_t code);

}  // namespace tlsfloor::keyserver_protocol
