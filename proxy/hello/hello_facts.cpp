#include "proxy/hello/hello_facts.h"

#include "config/named_group.h"
#include "proxy/hello/fingerprint.h"

namespace tlsfloor::hello {

bool offers_post_quantum(const ClientHello& hello) {
  return config::offers_post_quantum(hello.supported_groups) ||
         config::offers_post_quantum(hello.key_share_groups);
}

HelloFacts hello_facts(const ClientHello& hello, bool for_log) {
  HelloFacts facts;
  facts.server_name = hello.server_name;
  facts.ja4 = ja4(hello);
  facts.pq_offered = offers_post_quantum(hello);
  // A few dozen codes: the per-client table shows them for legacy clients too.
  for (const std::uint16_t group : hello.supported_groups) {
    if (is_grease(group)) continue;
    ++facts.groups_offered;
    if (facts.offered_groups.size() < kMaxGroupsKept) facts.offered_groups.push_back(group);
  }
  facts.key_share_groups = hello.key_share_groups;
  facts.key_shares_offered = hello.key_shares_offered;
  if (for_log) {
    facts.offered_versions = offered_versions(hello);
    facts.alpn = hello.alpn;
    facts.alpn_offered = hello.alpn_offered;
    for (const std::uint16_t suite : hello.cipher_suites) {
      if (facts.cipher_suites.size() == kMaxCiphersKept) break;
      if (!is_grease(suite)) facts.cipher_suites.push_back(suite);
    }
    facts.ja3 = ja3(hello);
  }
  return facts;
}

}  // namespace tlsfloor::hello
