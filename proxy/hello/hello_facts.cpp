#include "proxy/hello/hello_facts.h"

#include "proxy/hello/fingerprint.h"

namespace tlsfloor::hello {

HelloFacts hello_facts(const ClientHello& hello, bool for_log) {
  HelloFacts facts;
  facts.server_name = hello.server_name;
  facts.ja4 = ja4(hello);
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
