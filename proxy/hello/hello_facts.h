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
/// Groups kept of a hello for the log: real clients offer at most about 30 (old OpenSSL lists
/// every binary curve and the FFDHE groups); a hello may carry 32,000.
inline constexpr std::size_t kMaxGroupsKept = 32;

struct HelloFacts {
  std::string server_name;  // SNI; empty without one
  std::string ja4;
  /// It offers a post-quantum group (config::is_post_quantum()) in supported_groups or a key
  /// share: judged over the whole hello, not only what is kept.
  bool pq_offered = false;
  /// supported_groups in the client's order, GREASE left out: the first kMaxGroupsKept, and how
  /// many it names in all.
  std::vector<std::uint16_t> offered_groups;
  std::size_t groups_offered = 0;
  /// The groups of its key shares (GREASE left out), and how many it sent in all.
  std::vector<std::uint16_t> key_share_groups;
  std::size_t key_shares_offered = 0;
  // Only for the handshake log (empty otherwise):
  std::vector<std::uint16_t> offered_versions;
  std::vector<std::string> alpn;  // the first hello::kMaxAlpnKept names
  std::size_t alpn_offered = 0;   // how many the client offered in all
  /// The suites offered, in the client's order, GREASE left out: the first kMaxCiphersKept.
  std::vector<std::uint16_t> cipher_suites;
  std::string ja3;
};

/// Whether `hello` offers a post-quantum group, in supported_groups or a key share.
bool offers_post_quantum(const ClientHello& hello);

/// The facts of `hello`: SNI, JA4 and the groups always (exceptions select on the first two, and
/// the per-client table shows them all), the rest only `for_log`, so a handshake nobody logs costs
/// no JA3 and no copies.
HelloFacts hello_facts(const ClientHello& hello, bool for_log);

}  // namespace tlsfloor::hello
