#pragma once
// What a resumable session is bound to. BoringSSL resumes a TLS 1.2 session ID, a TLS 1.2
// ticket or a TLS 1.3 PSK only on a connection whose session-ID context equals the one the
// session was issued under (the context travels inside the encrypted ticket). tlsfloor sets a
// context per connection, in the early callback, that names everything that admitted the client:
// the listener, the route, the policy (versions and the suites the connection was given, and
// which path let it in: the floors, a legacy allowance, an exception) and the certificate served.
// A session therefore resumes only where the same judgement would be made again with the same
// certificate: not on another listener, another route, under a changed policy or after a
// certificate change, whichever process (replicas sharing a ticket key file) issued it.
// The contexts are digests of configuration only, so they survive reloads and match across
// replicas with the same configuration.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "proxy/tls/boringssl.h"

namespace tlsfloor::tls {

/// A SHA-256 digest: a session-ID context (BoringSSL takes up to 32 bytes), or one of its parts.
using SessionDigest = std::array<std::uint8_t, 32>;

/// The digest of `parts`, each length-prefixed so that no two lists of parts collide
/// ("ab","c" and "a","bc" differ).
SessionDigest session_scope(std::initializer_list<std::string_view> parts);

/// The context of one connection: what admitted it (`scope`, from session_scope()) and the
/// certificate it is served (`certificate`: its leaf's SHA-256). One SHA-256 of 64 bytes.
SessionDigest session_context(const SessionDigest& scope, const SessionDigest& certificate);

/// Sets `context` as the connection's session-ID context: only sessions issued under the same
/// context resume, and new ones carry it. False when BoringSSL refuses.
bool bind_session(SSL* ssl, const SessionDigest& context);

}  // namespace tlsfloor::tls
