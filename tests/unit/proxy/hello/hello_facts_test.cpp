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

}  // namespace
}  // namespace tlsfloor::hello
