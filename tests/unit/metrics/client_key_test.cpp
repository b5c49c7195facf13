#include "metrics/client_key.h"

#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>

namespace tlsfloor::metrics {
namespace {

ClientKey key_of(const char* address, unsigned ipv4_prefix = 32, unsigned ipv6_prefix = 128) {
  return make_client_key(boost::asio::ip::make_address(address), ipv4_prefix, ipv6_prefix);
}

struct PrefixCase {
  const char* address;
  unsigned ipv4_prefix;
  unsigned ipv6_prefix;
  std::string expected;
  ClientKey::Family family;
  unsigned prefix;
};

void PrintTo(const PrefixCase& c, std::ostream* os) {
  *os << c.address << " with /" << c.ipv4_prefix << " and /" << c.ipv6_prefix;
}

class ClientKeyPrefixTest : public testing::TestWithParam<PrefixCase> {};

TEST_P(ClientKeyPrefixTest, MasksToThePrefixAndSpellsIt) {
  const PrefixCase& c = GetParam();
  const ClientKey key = key_of(c.address, c.ipv4_prefix, c.ipv6_prefix);
  EXPECT_EQ(to_string(key), c.expected);
  EXPECT_EQ(key.family, c.family);
  EXPECT_EQ(key.prefix, c.prefix);
}

INSTANTIATE_TEST_SUITE_P(
    Prefixes, ClientKeyPrefixTest,
    testing::Values(
        PrefixCase{"192.0.2.10", 32, 128, "192.0.2.10", ClientKey::Family::ipv4, 32},
        PrefixCase{"192.0.2.10", 24, 128, "192.0.2.0/24", ClientKey::Family::ipv4, 24},
        PrefixCase{"198.51.100.77", 16, 128, "198.51.0.0/16", ClientKey::Family::ipv4, 16},
        // Not on a byte boundary: 250 = 1111 1010, of which /27 keeps the first 3 bits.
        PrefixCase{"203.0.113.250", 27, 128, "203.0.113.224/27", ClientKey::Family::ipv4, 27},
        PrefixCase{"192.0.2.10", 0, 128, "0.0.0.0/0", ClientKey::Family::ipv4, 0},
        // Too long: clamped to full length.
        PrefixCase{"192.0.2.10", 40, 128, "192.0.2.10", ClientKey::Family::ipv4, 32},
        PrefixCase{"2001:db8::1", 32, 128, "2001:db8::1", ClientKey::Family::ipv6, 128},
        PrefixCase{"2001:db8:0:1:aaaa:bbbb:cccc:dddd", 32, 64, "2001:db8:0:1::/64",
                   ClientKey::Family::ipv6, 64},
        PrefixCase{"2001:db8:1234:5678::9", 32, 48, "2001:db8:1234::/48", ClientKey::Family::ipv6,
                   48},
        PrefixCase{"2001:db8:ffff::1", 32, 36, "2001:db8:f000::/36", ClientKey::Family::ipv6, 36},
        PrefixCase{"2001:db8::1", 32, 200, "2001:db8::1", ClientKey::Family::ipv6, 128},
        // IPv4-mapped IPv6 is IPv4: the IPv4 prefix applies, not the IPv6 one.
        PrefixCase{"::ffff:192.0.2.10", 32, 64, "192.0.2.10", ClientKey::Family::ipv4, 32},
        PrefixCase{"::ffff:192.0.2.10", 24, 128, "192.0.2.0/24", ClientKey::Family::ipv4, 24}));

TEST(ClientKeyTest, MappedAddressHasTheSameKeyAsTheIpv4Address) {
  EXPECT_EQ(key_of("::ffff:192.0.2.10"), key_of("192.0.2.10"));
  EXPECT_EQ(key_of("::ffff:192.0.2.10", 24), key_of("192.0.2.99", 24));
  // Not mapped: ::192.0.2.10 (IPv4-compatible, deprecated) stays an IPv6 address.
  EXPECT_EQ(key_of("::c000:20a").family, ClientKey::Family::ipv6);
}

TEST(ClientKeyTest, UnmappedTurnsOnlyMappedAddressesIntoIpv4) {
  using boost::asio::ip::make_address;
  EXPECT_EQ(unmapped(make_address("::ffff:192.0.2.10")), make_address("192.0.2.10"));
  EXPECT_TRUE(unmapped(make_address("::ffff:192.0.2.10")).is_v4());
  EXPECT_EQ(unmapped(make_address("192.0.2.10")), make_address("192.0.2.10"));
  EXPECT_EQ(unmapped(make_address("2001:db8::1")), make_address("2001:db8::1"));
  // ::192.0.2.10 is IPv4-compatible, not mapped: another address, left alone.
  EXPECT_TRUE(unmapped(make_address("::192.0.2.10")).is_v6());
}

TEST(ClientKeyTest, AddressesInOnePrefixShareAKey) {
  EXPECT_EQ(key_of("192.0.2.1", 24), key_of("192.0.2.254", 24));
  EXPECT_NE(key_of("192.0.2.1", 24), key_of("192.0.3.1", 24));
  EXPECT_NE(key_of("192.0.2.1"), key_of("192.0.2.254"));
  EXPECT_EQ(key_of("2001:db8:0:1::1", 32, 64), key_of("2001:db8:0:1:ffff::2", 32, 64));
  EXPECT_NE(key_of("2001:db8:0:1::1", 32, 64), key_of("2001:db8:0:2::1", 32, 64));
}

TEST(ClientKeyTest, FamilyAndPrefixArePartOfTheKey) {
  // Same bytes, different family: 10.0.0.0 vs a:: (0x0a00...).
  EXPECT_NE(key_of("10.0.0.0"), key_of("a00::", 32, 128));
  // Same masked bytes, different prefix: 192.0.2.0/24 vs the single address 192.0.2.0.
  EXPECT_NE(key_of("192.0.2.0", 24), key_of("192.0.2.0", 32));
}

TEST(ClientKeyTest, OrderIsTotalAndDeterministic) {
  EXPECT_LT(key_of("192.0.2.1"), key_of("192.0.2.2"));
  EXPECT_FALSE(key_of("192.0.2.2") < key_of("192.0.2.1"));
}

TEST(ClientKeyTest, HashIsConsistentWithEquality) {
  const std::hash<ClientKey> hash;
  EXPECT_EQ(hash(key_of("192.0.2.1", 24)), hash(key_of("192.0.2.200", 24)));
  EXPECT_EQ(hash(key_of("::ffff:192.0.2.1")), hash(key_of("192.0.2.1")));
  EXPECT_EQ(hash(key_of("2001:db8::1", 32, 64)), hash(key_of("2001:db8::2", 32, 64)));
  // Different keys almost always hash differently; these would collide under a hash that
  // ignored part of the key.
  EXPECT_NE(hash(key_of("192.0.2.1")), hash(key_of("192.0.2.2")));
  EXPECT_NE(hash(key_of("2001:db8::1")), hash(key_of("2001:db8::2")));
  EXPECT_NE(hash(key_of("2001:db8::1")), hash(key_of("2001:db9::1")));
  EXPECT_NE(hash(key_of("192.0.2.0", 24)), hash(key_of("192.0.2.0", 32)));
  EXPECT_NE(hash(key_of("10.0.0.0")), hash(key_of("a00::", 32, 128)));
}

}  // namespace
}  // namespace tlsfloor::metrics
