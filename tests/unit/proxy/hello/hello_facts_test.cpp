#include "proxy/hello/hello_facts.h"

#include <gtest/gtest.h>

#include "config/tls_version.h"
#include "proxy/hello/fingerprint.h"

namespace tlsfloor::hello {
namespace {

ClientHello legacy_hello() {
  ClientHello hello;
  hello.legacy_version = config::wire::kTls1_0;
  hello.cipher_suites = {0x002f, 0x0035};
  hello.compression_methods = {0};
  hello.extensions = {extension_type::kServerName, extension_type::kAlpn};
  hello.server_name = "old.example.com";
  hello.alpn = {"http/1.1"};
  return hello;
}

TEST(HelloFactsTest, KeepsWhatExceptionsAndTheClientTableNeed) {
  const ClientHello hello = legacy_hello();
  const HelloFacts facts = hello_facts(hello, /*for_log=*/false);
  EXPECT_EQ(facts.server_name, "old.example.com");
  EXPECT_EQ(facts.ja4, ja4(hello));
  EXPECT_TRUE(facts.ja3.empty()) << "no log: no JA3";
  EXPECT_TRUE(facts.alpn.empty());
  EXPECT_TRUE(facts.offered_versions.empty());
}

TEST(HelloFactsTest, AddsWhatTheLogWrites) {
  const ClientHello hello = legacy_hello();
  const HelloFacts facts = hello_facts(hello, /*for_log=*/true);
  EXPECT_EQ(facts.ja3, ja3(hello));
  EXPECT_EQ(facts.alpn, std::vector<std::string>{"http/1.1"});
  EXPECT_EQ(facts.offered_versions, std::vector<std::uint16_t>{config::wire::kTls1_0});
}

// A TLS 1.3 hello as Chrome 131 sends it: GREASE, then X25519MLKEM768, X25519, P-256, P-384; key
// shares for GREASE, X25519MLKEM768 and X25519.
ClientHello post_quantum_hello() {
  ClientHello hello;
  hello.legacy_version = config::wire::kTls1_2;
  hello.cipher_suites = {0x1301};
  hello.compression_methods = {0};
  hello.supported_groups = {0x3a3a, 0x11ec, 0x001d, 0x0017, 0x0018};
  hello.key_share_groups = {0x11ec, 0x001d};
  hello.key_shares_offered = 2;
  return hello;
}

TEST(HelloFactsTest, KeepsTheGroupsWithoutGreaseAndSaysWhetherOneIsPostQuantum) {
  const HelloFacts facts = hello_facts(post_quantum_hello(), /*for_log=*/false);
  EXPECT_EQ(facts.offered_groups, (std::vector<std::uint16_t>{0x11ec, 0x001d, 0x0017, 0x0018}));
  EXPECT_EQ(facts.groups_offered, 4u);
  EXPECT_EQ(facts.key_share_groups, (std::vector<std::uint16_t>{0x11ec, 0x001d}));
  EXPECT_TRUE(facts.pq_offered);
  EXPECT_FALSE(hello_facts(legacy_hello(), false).pq_offered);
}

TEST(HelloFactsTest, EachDraftAndHybridCountsAsPostQuantum) {
  for (const std::uint16_t group : {0x11ec, 0x11eb, 0x11ed, 0x6399, 0x639a, 0x4138, 0x0201}) {
    ClientHello hello = legacy_hello();
    hello.supported_groups = {0x001d, group};
    EXPECT_TRUE(offers_post_quantum(hello)) << group;
  }
  ClientHello classical = legacy_hello();
  classical.supported_groups = {0x001d, 0x0017, 0x001e, 0x0100};
  EXPECT_FALSE(offers_post_quantum(classical));
}

TEST(HelloFactsTest, AStuffedGroupListIsCappedAndCountedButJudgedWhole) {
  ClientHello hello = legacy_hello();
  for (std::uint16_t i = 0; i < 20000; ++i)
    hello.supported_groups.push_back(static_cast<std::uint16_t>(0x0300 + i % 2 * 0x1000));
  hello.supported_groups.push_back(0x11ec);  // far past the cap
  hello.supported_groups.at(1) = 0x0100;
  const HelloFacts facts = hello_facts(hello, true);
  EXPECT_EQ(facts.offered_groups.size(), kMaxGroupsKept);
  EXPECT_EQ(facts.groups_offered, 20001u);
  EXPECT_TRUE(facts.pq_offered) << "judged over the whole hello";
}

}  // namespace
}  // namespace tlsfloor::hello
