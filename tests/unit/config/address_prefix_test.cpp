#include "config/address_prefix.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace tlsfloor::config {
namespace {

std::array<std::uint8_t, 16> v4(const char* text) {
  std::array<std::uint8_t, 16> bytes{};
  inet_pton(AF_INET, text, bytes.data());
  return bytes;
}
std::array<std::uint8_t, 16> v6(const char* text) {
  std::array<std::uint8_t, 16> bytes{};
  inet_pton(AF_INET6, text, bytes.data());
  return bytes;
}

AddressPrefix must_parse(const char* text) {
  std::string error;
  const auto prefix = parse_address_prefix(text, &error);
  EXPECT_TRUE(prefix.has_value()) << text << ": " << error;
  return prefix.value_or(AddressPrefix{});
}

TEST(AddressPrefix, ABareAddressIsAFullLengthPrefix) {
  const AddressPrefix host = must_parse("192.0.2.10");
  EXPECT_EQ(host.length, 32);
  EXPECT_TRUE(contains(host, v4("192.0.2.10"), false));
  EXPECT_FALSE(contains(host, v4("192.0.2.11"), false));
  const AddressPrefix host6 = must_parse("2001:db8::1");
  EXPECT_EQ(host6.length, 128);
  EXPECT_TRUE(contains(host6, v6("2001:db8::1"), true));
}

TEST(AddressPrefix, NetworksContainTheirHostsOnly) {
  const AddressPrefix net = must_parse("10.20.0.0/16");
  EXPECT_TRUE(contains(net, v4("10.20.255.1"), false));
  EXPECT_FALSE(contains(net, v4("10.21.0.1"), false));
  const AddressPrefix odd = must_parse("192.0.2.128/25");
  EXPECT_TRUE(contains(odd, v4("192.0.2.200"), false));
  EXPECT_FALSE(contains(odd, v4("192.0.2.127"), false));
  const AddressPrefix net6 = must_parse("2001:db8::/48");
  EXPECT_TRUE(contains(net6, v6("2001:db8:0:ffff::1"), true));
  EXPECT_FALSE(contains(net6, v6("2001:db8:1::1"), true));
  EXPECT_FALSE(contains(net6, v4("32.1.13.184"), false)) << "families never mix";
  EXPECT_TRUE(contains(must_parse("0.0.0.0/0"), v4("203.0.113.9"), false));
}

TEST(AddressPrefix, RejectsWhatIsNotAPrefix) {
  for (const char* text :
       {"", "example.com", "10.20.0.0/", "10.20.0.0/33", "10.20.0.0/-1", "10.20.0.0/1x",
        "2001:db8::/129", "10.20.0.1/16", "2001:db8::1/48", "10.0.0.0/8/8"}) {
    std::string error;
    EXPECT_FALSE(parse_address_prefix(text, &error).has_value()) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
  std::string error;
  parse_address_prefix("10.20.0.1/16", &error);
  EXPECT_EQ(error, "host bits are set after the prefix length (write the network address)");
}

}  // namespace
}  // namespace tlsfloor::config
