#include "config/named_group.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tlsfloor::config {
namespace {

TEST(NamedGroupTest, NamesTheGroupsAsConfigurationsSpellThem) {
  EXPECT_EQ(group_name(0x001d), "X25519");
  EXPECT_EQ(group_name(0x0017), "P-256");
  EXPECT_EQ(group_name(0x0018), "P-384");
  EXPECT_EQ(group_name(0x0019), "P-521");
  EXPECT_EQ(group_name(0x0100), "ffdhe2048");
  EXPECT_EQ(group_name(0x0016), "secp256k1");
  EXPECT_EQ(group_name(0x001a), "brainpoolP256r1");
}

TEST(NamedGroupTest, NamesThePostQuantumHybridsAndDrafts) {
  EXPECT_EQ(group_name(0x11ec), "X25519MLKEM768");
  EXPECT_EQ(group_name(0x11eb), "SecP256r1MLKEM768");
  EXPECT_EQ(group_name(0x11ed), "SecP384r1MLKEM1024");
  EXPECT_EQ(group_name(0x6399), "X25519Kyber768Draft00");
  EXPECT_EQ(group_name(0x4138), "CECPQ2");
  EXPECT_EQ(group_name(0x0201), "MLKEM768");
  for (const std::uint16_t pq :
       {0x11ec, 0x11eb, 0x11ed, 0x6399, 0x639a, 0x4138, 0x0200, 0x0201, 0x0202}) {
    EXPECT_TRUE(is_post_quantum(pq)) << group_name(pq);
    EXPECT_TRUE(is_tls13_only(pq)) << group_name(pq);
  }
  for (const std::uint16_t classical : {0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0a0a}) {
    EXPECT_FALSE(is_post_quantum(classical)) << group_name(classical);
    EXPECT_FALSE(is_tls13_only(classical)) << group_name(classical);
  }
  EXPECT_TRUE(is_tls13_only(0x001f)) << "brainpoolP256r1tls13";
}

TEST(NamedGroupTest, UnknownCodesAndGreaseAreHex) {
  EXPECT_EQ(group_name(0x11ee), "0x11ee");
  EXPECT_EQ(group_name(0x0a0a), "0x0a0a");
  EXPECT_EQ(group_name(0xfe31), "0xfe31");
  EXPECT_EQ(group_name(0), "0x0000");
}

TEST(NamedGroupTest, ParsesNamesAliasesAndHexBack) {
  EXPECT_EQ(parse_group("X25519"), 0x001d);
  EXPECT_EQ(parse_group("x25519"), 0x001d);
  EXPECT_EQ(parse_group("p-256"), 0x0017);
  EXPECT_EQ(parse_group("prime256v1"), 0x0017);
  EXPECT_EQ(parse_group("secp384r1"), 0x0018);
  EXPECT_EQ(parse_group("x25519mlkem768"), 0x11ec);
  EXPECT_EQ(parse_group("0x11EE"), 0x11ee);
  EXPECT_EQ(parse_group("0x11e"), std::nullopt);
  EXPECT_EQ(parse_group("X25519 "), std::nullopt);
  EXPECT_EQ(parse_group(""), std::nullopt);
  // Every name the log writes reads back as its code.
  for (std::uint32_t code = 0; code <= 0xffff; code += 7) {
    EXPECT_EQ(parse_group(group_name(static_cast<std::uint16_t>(code))), code);
  }
}

TEST(NamedGroupTest, ListsParseInOrderAndSayWhatIsWrong) {
  std::string error;
  EXPECT_EQ(parse_group_list("X25519:P-256:X25519MLKEM768", error),
            (std::vector<std::uint16_t>{0x001d, 0x0017, 0x11ec}));
  EXPECT_EQ(group_list_text(std::vector<std::uint16_t>{0x11ec, 0x001d}), "X25519MLKEM768:X25519");
  EXPECT_FALSE(parse_group_list("X25519:P-265", error));
  EXPECT_EQ(error, "unknown group \"P-265\"");
  EXPECT_FALSE(parse_group_list("X25519::P-256", error));
  EXPECT_EQ(error, "an empty group name");
  EXPECT_FALSE(parse_group_list("P-256:prime256v1", error));
  EXPECT_EQ(error, "group P-256 is listed twice");
}

TEST(NamedGroupTest, TheServersPreferenceDecides) {
  const std::vector<std::uint16_t> server{0x001d, 0x0017, 0x0018};
  EXPECT_EQ(preferred_group(std::vector<std::uint16_t>{0x0017, 0x001d}, server), 0x001d);
  EXPECT_EQ(preferred_group(std::vector<std::uint16_t>{0x0018, 0x0019}, server), 0x0018);
  EXPECT_EQ(preferred_group(std::vector<std::uint16_t>{0x0019}, server), 0);
  EXPECT_TRUE(shares_group(std::vector<std::uint16_t>{0x0a0a, 0x0018}, server));
  EXPECT_FALSE(shares_group(std::vector<std::uint16_t>{0x0019, 0x11ec}, server));
}

}  // namespace
}  // namespace tlsfloor::config
