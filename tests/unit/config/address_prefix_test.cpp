#include "config/address_prefix.h"

#include <gtest/gtest.h>

namespace tlsfloor::config {
namespace {

// A single address, as a peer would report it.
AddressPrefix v4(const char* text) { return parse_address(text).value(); }
AddressPrefix v6(const char* text) { return parse_address(text).value(); }

AddressPrefix must_parse(const char* text) {
  std::string error;
  const auto prefix = parse_address_prefix(text, &error);
  EXPECT_TRUE(prefix.has_value()) << text << ": " << error;
  return prefix.value_or(AddressPrefix{});
}

TEST(AddressPrefix, ABareAddressIsAFullLengthPrefix) {
  const AddressPrefix host = must_parse("192.0.2.10");
  EXPECT_EQ(host.length, 32);
  EXPECT_TRUE(contains(host, v4("192.0.2.10")));
  EXPECT_FALSE(contains(host, v4("192.0.2.11")));
  const AddressPrefix host6 = must_parse("2001:db8::1");
  EXPECT_EQ(host6.length, 128);
  EXPECT_TRUE(contains(host6, v6("2001:db8::1")));
}

TEST(AddressPrefix, NetworksContainTheirHostsOnly) {
  const AddressPrefix net = must_parse("10.20.0.0/16");
  EXPECT_TRUE(contains(net, v4("10.20.255.1")));
  EXPECT_FALSE(contains(net, v4("10.21.0.1")));
  const AddressPrefix odd = must_parse("192.0.2.128/25");
  EXPECT_TRUE(contains(odd, v4("192.0.2.200")));
  EXPECT_FALSE(contains(odd, v4("192.0.2.127")));
  const AddressPrefix net6 = must_parse("2001:db8::/48");
  EXPECT_TRUE(contains(net6, v6("2001:db8:0:ffff::1")));
  EXPECT_FALSE(contains(net6, v6("2001:db8:1::1")));
  EXPECT_FALSE(contains(net6, v4("32.1.13.184"))) << "families never mix";
  EXPECT_TRUE(contains(must_parse("0.0.0.0/0"), v4("203.0.113.9")));
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

// Who a client is: its address masked to a prefix (the per-client tables and reports).
struct MaskCase {
  const char* address;
  unsigned ipv4_length;
  unsigned ipv6_length;
  const char* spelled;
  AddressPrefix::Family family;
  unsigned length;
};

class MaskedTest : public testing::TestWithParam<MaskCase> {};

TEST_P(MaskedTest, MasksToThePrefixAndSpellsIt) {
  const MaskCase& c = GetParam();
  const AddressPrefix key = masked(parse_address(c.address).value(), c.ipv4_length, c.ipv6_length);
  EXPECT_EQ(to_string(key), c.spelled);
  EXPECT_EQ(key.family, c.family);
  EXPECT_EQ(key.length, c.length);
}

using Family = AddressPrefix::Family;
INSTANTIATE_TEST_SUITE_P(
    Prefixes, MaskedTest,
    testing::Values(
        MaskCase{"192.0.2.10", 32, 128, "192.0.2.10", Family::ipv4, 32},
        MaskCase{"192.0.2.10", 24, 128, "192.0.2.0/24", Family::ipv4, 24},
        MaskCase{"198.51.100.77", 16, 128, "198.51.0.0/16", Family::ipv4, 16},
        MaskCase{"203.0.113.250", 27, 128, "203.0.113.224/27", Family::ipv4, 27},
        MaskCase{"192.0.2.10", 0, 128, "0.0.0.0/0", Family::ipv4, 0},
        // A prefix longer than the family allows is the full address.
        MaskCase{"192.0.2.10", 40, 128, "192.0.2.10", Family::ipv4, 32},
        MaskCase{"2001:db8::1", 32, 128, "2001:db8::1", Family::ipv6, 128},
        MaskCase{"2001:db8:1234:5678::9", 32, 64, "2001:db8:1234:5678::/64", Family::ipv6, 64},
        MaskCase{"2001:db8:1234:5678::9", 32, 48, "2001:db8:1234::/48", Family::ipv6, 48},
        MaskCase{"2001:db8:ffff::1", 32, 36, "2001:db8:f000::/36", Family::ipv6, 36},
        MaskCase{"2001:db8::1", 32, 200, "2001:db8::1", Family::ipv6, 128},
        // IPv4-mapped IPv6 (a dual-stack socket's view of an IPv4 peer) is the IPv4 client.
        MaskCase{"::ffff:192.0.2.10", 32, 64, "192.0.2.10", Family::ipv4, 32},
        MaskCase{"::ffff:192.0.2.10", 24, 128, "192.0.2.0/24", Family::ipv4, 24}));

TEST(AddressTest, OnlyIpv4MappedAddressesBecomeIpv4) {
  EXPECT_EQ(parse_address("::ffff:192.0.2.10"), parse_address("192.0.2.10"));
  EXPECT_FALSE(parse_address("::ffff:192.0.2.10")->is_ipv6());
  // The deprecated IPv4-compatible form is an IPv6 address.
  EXPECT_TRUE(parse_address("::192.0.2.10")->is_ipv6());
  EXPECT_TRUE(parse_address("::c000:20a")->is_ipv6());
  const std::array<std::uint8_t, 16> mapped{0, 0, 0,    0,    0,   0, 0, 0,
                                            0, 0, 0xff, 0xff, 192, 0, 2, 10};
  EXPECT_EQ(ipv6_address(mapped), ipv4_address(std::array<std::uint8_t, 4>{192, 0, 2, 10}));
}

TEST(AddressTest, ParsesOneAddressAndNothingElse) {
  for (const char* text : {"", "example.com", "10.0.0.0/8", "fe80::1%eth0", "1.2.3", " 1.2.3.4"}) {
    EXPECT_FALSE(parse_address(text).has_value()) << text;
  }
}

TEST(AddressTest, AddressesInOnePrefixShareAKey) {
  EXPECT_EQ(masked(v4("192.0.2.1"), 24, 128), masked(v4("192.0.2.254"), 24, 128));
  EXPECT_NE(masked(v4("192.0.2.1"), 24, 128), masked(v4("192.0.3.1"), 24, 128));
  EXPECT_EQ(masked(v6("2001:db8:0:1::1"), 32, 64), masked(v6("2001:db8:0:1:ffff::"), 32, 64));
}

TEST(AddressTest, FamilyAndLengthArePartOfTheKey) {
  // 0.0.0.0/0 and ::/0 have the same (all-zero) bytes but are different clients.
  EXPECT_NE(masked(v4("192.0.2.1"), 0, 0), masked(v6("2001:db8::1"), 0, 0));
  EXPECT_NE(masked(v4("192.0.2.0"), 24, 128), masked(v4("192.0.2.0"), 32, 128));
}

TEST(AddressTest, OrderIsTotalAndDeterministic) {
  EXPECT_LT(v4("10.0.0.1"), v4("10.0.0.2"));
  EXPECT_LT(v4("0.0.0.0"), v6("::")) << "IPv4 before IPv6 at equal bytes";
  EXPECT_LT(v6("::1"), v4("255.255.255.255")) << "bytes first";
}

TEST(AddressTest, HashIsConsistentWithEquality) {
  const std::hash<AddressPrefix> hash;
  EXPECT_EQ(hash(masked(v4("192.0.2.1"), 24, 128)), hash(masked(v4("192.0.2.99"), 24, 128)));
  EXPECT_NE(hash(v4("192.0.2.1")), hash(v4("192.0.2.2")));
}

TEST(AddressTest, AFullLengthPrefixContainsOnlyItsAddress) {
  EXPECT_TRUE(contains(must_parse("10.0.0.0/8"), masked(v4("10.1.2.3"), 16, 128)));
  EXPECT_FALSE(contains(must_parse("10.0.0.0/16"), masked(v4("10.0.0.0"), 8, 128)))
      << "a wider network is not inside a narrower prefix";
}

}  // namespace
}  // namespace tlsfloor::config

namespace tlsfloor::config {
namespace {

TEST(AddressPrefixText, AnEmbeddedNulIsNotAnAddress) {
  EXPECT_EQ(parse_address(std::string_view("192.0.2.1\0junk", 14)), std::nullopt);
  EXPECT_EQ(parse_address(std::string_view("2001:db8::1\0", 12)), std::nullopt);
  EXPECT_EQ(parse_address_prefix(std::string_view("10.0.0.0\0/8", 11), nullptr), std::nullopt);
}

}  // namespace
}  // namespace tlsfloor::config
