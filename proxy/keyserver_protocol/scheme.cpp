#include "proxy/keyserver_protocol/scheme.h"

#include <array>

namespace tlsfloor::keyserver_protocol {
namespace {

constexpr std::array kSchemes = {
    Scheme{kRsaPkcs1Md5Sha1, KeyKind::rsa, Digest::md5_sha1, Padding::pkcs1, "rsa_pkcs1_md5_sha1"},
    Scheme{0x0201, KeyKind::rsa, Digest::sha1, Padding::pkcs1, "rsa_pkcs1_sha1"},
    Scheme{0x0401, KeyKind::rsa, Digest::sha256, Padding::pkcs1, "rsa_pkcs1_sha256"},
    Scheme{0x0501, KeyKind::rsa, Digest::sha384, Padding::pkcs1, "rsa_pkcs1_sha384"},
    Scheme{0x0601, KeyKind::rsa, Digest::sha512, Padding::pkcs1, "rsa_pkcs1_sha512"},
    Scheme{0x0804, KeyKind::rsa, Digest::sha256, Padding::pss, "rsa_pss_rsae_sha256"},
    Scheme{0x0805, KeyKind::rsa, Digest::sha384, Padding::pss, "rsa_pss_rsae_sha384"},
    Scheme{0x0806, KeyKind::rsa, Digest::sha512, Padding::pss, "rsa_pss_rsae_sha512"},
    Scheme{0x0203, KeyKind::ec, Digest::sha1, Padding::ecdsa, "ecdsa_sha1"},
    Scheme{0x0403, KeyKind::ec, Digest::sha256, Padding::ecdsa, "ecdsa_secp256r1_sha256"},
    Scheme{0x0503, KeyKind::ec, Digest::sha384, Padding::ecdsa, "ecdsa_secp384r1_sha384"},
    Scheme{0x0603, KeyKind::ec, Digest::sha512, Padding::ecdsa, "ecdsa_secp521r1_sha512"},
};

}  // namespace

const Scheme* find_scheme(std::uint16_t code) {
  for (const Scheme& scheme : kSchemes) {
    if (scheme.code == code) return &scheme;
  }
  return nullptr;
}

}  // namespace tlsfloor::keyserver_protocol
