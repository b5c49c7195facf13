#include "proxy/tls/session_binding.h"

#include <openssl/sha.h>

#include <algorithm>

namespace tlsfloor::tls {

static_assert(sizeof(SessionDigest) <= SSL_MAX_SID_CTX_LENGTH);
static_assert(sizeof(SessionDigest) == SHA256_DIGEST_LENGTH);

SessionDigest session_scope(std::initializer_list<std::string_view> parts) {
  SHA256_CTX hash;
  SHA256_Init(&hash);
  // A version tag: a change of what goes in here must not let older sessions match by accident.
  static constexpr char kTag[] = "tlsfloor session scope 2";
  SHA256_Update(&hash, kTag, sizeof kTag - 1);
  for (const std::string_view part : parts) {
    const std::uint64_t size = part.size();
    std::uint8_t length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<std::uint8_t>(size >> (8 * (7 - i)));
    SHA256_Update(&hash, length, sizeof length);
    SHA256_Update(&hash, part.data(), part.size());
  }
  SessionDigest digest{};
  SHA256_Final(digest.data(), &hash);
  return digest;
}

SessionDigest session_context(const SessionDigest& scope, const SessionDigest& certificate) {
  std::uint8_t input[2 * sizeof(SessionDigest)];
  std::copy(scope.begin(), scope.end(), input);
  std::copy(certificate.begin(), certificate.end(), input + sizeof(SessionDigest));
  SessionDigest digest{};
  SHA256(input, sizeof input, digest.data());
  return digest;
}

bool bind_session(SSL* ssl, const SessionDigest& context) {
  return SSL_set_session_id_context(ssl, context.data(), context.size()) == 1;
}

}  // namespace tlsfloor::tls
