#pragma once
// What of a ClientHello outlives BoringSSL's view of it: the facts the per-client legacy table
// and the handshake log keep once the early callback has returned. Pure, and bounded whatever
// the client sends: at most 255 bytes of SNI, 8 ALPN names of at most 255 bytes, 127 versions,
// kMaxCiphersKept suites and two fingerprints of fixed length (about 3.5 KiB in all, see the
// README).
#include <cstdint>
#include <string>
#include <vector>

#include "proxy/hello/client_hello.h"

namespace tlsfloor::hello {

/// Suites kept of a hello for the log: real clients offer at most about 150 (OpenSSL's ALL);
/// a hello may carry 32,000.
inline constexpr std::size_t kMaxCiphersKept = 256;

struct HelloFacts {
  std::string server_name;  // SNI; empty without one
  std::string ja4;
  // Only for the handshake log (empty otherwise):
  std::vector<std::uint16_t> offered_versions;
  std::vector<std::string> alpn;  // the first hello::kMaxAlpnKept names
  std::size_t alpn_offered = 0;   // how many the client offered in all
  /// The suites offered, in the client's order, GREASE left out: the first kMaxCiphersKept.
  std::vector<std::uint16_t> cipher_suites;
  std::string ja3;
};

/// The facts of `hello`: SNI and JA4 always (exceptions and the per-client table select on
/// them), the rest only `for_log`, so a handshake nobody logs costs no JA3 and no copies.
HelloFacts hello_facts(const ClientHello& hello, bool for_log);

}  // namespace tlsfloor::hello
