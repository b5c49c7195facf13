#include "config/bounded_text.h"

#include <gtest/gtest.h>

#include <string>

namespace tlsfloor::config {
namespace {

TEST(HostNameTest, OnlyDotSeparatedLabelsOfNameCharactersAreHostNames) {
  for (const char* good : {"example.com", "a", "api-1.Example.COM", "_dmarc.example.com",
                           "example.com.", "xn--bcher-kva.example"}) {
    EXPECT_TRUE(is_host_name(good)) << good;
  }
  const std::string label63(63, 'a');
  EXPECT_TRUE(is_host_name(label63 + ".example"));
  EXPECT_FALSE(is_host_name(label63 + "a.example")) << "a label of 64";
  std::string long_name;
  while (long_name.size() < 254) long_name += "abcdefghi.";
  EXPECT_FALSE(is_host_name(long_name.substr(0, 254)));
  for (const char* bad :
       {"", ".", "a..b", ".example.com", "-a.example", "a-.example", "evil\r\nX-Injected: 1", "a b",
        "a/b", "caf\xc3\xa9.example", "1.2.3.4:80", "*.example.com"}) {
    EXPECT_FALSE(is_host_name(bad)) << bad;
  }
}

TEST(Utf8PrefixTest, ShortTextIsKeptWhole) {
  EXPECT_EQ(utf8_prefix("api.example.com"), "api.example.com");
  EXPECT_EQ(utf8_prefix(""), "");
  const std::string exact(kMaxClientText, 'x');
  EXPECT_EQ(utf8_prefix(exact), exact);
}

TEST(Utf8PrefixTest, LongTextIsCutToTheCap) {
  const std::string long_name(kMaxClientText + 100, 'x');
  EXPECT_EQ(utf8_prefix(long_name).size(), kMaxClientText);
  EXPECT_EQ(utf8_prefix("abcdef", 3), "abc");
}

TEST(Utf8PrefixTest, NeverEndsInsideACharacter) {
  // "é" is two bytes (c3 a9), "€" three (e2 82 ac), "𝄞" four (f0 9d 84 9e).
  EXPECT_EQ(utf8_prefix("aé", 2), "a");
  EXPECT_EQ(utf8_prefix("aé", 3), "aé");
  EXPECT_EQ(utf8_prefix("a€", 3), "a");
  EXPECT_EQ(utf8_prefix("a𝄞", 4), "a");
  EXPECT_EQ(utf8_prefix("a𝄞", 5), "a𝄞");
  const std::string euros = std::string(kMaxClientText - 1, 'x') + "€€";
  const std::string_view cut = utf8_prefix(euros);
  EXPECT_EQ(cut, std::string(kMaxClientText - 1, 'x'));
}

TEST(Utf8PrefixTest, InvalidUtf8StillEndsWithinTheCap) {
  // A run of continuation bytes with no lead byte: backing off may empty it, never overrun.
  const std::string garbage(10, '\x80');
  EXPECT_LE(utf8_prefix(garbage, 4).size(), 4u);
}

TEST(AsciiLowercaseTest, LowersAsciiLettersOnly) {
  EXPECT_EQ(ascii_lowercase("Legacy.Example.COM"), "legacy.example.com");
  EXPECT_EQ(ascii_lowercase("Bearer "), "bearer ");
  EXPECT_EQ(ascii_lowercase("ÉCOLE-01.test"), "École-01.test")
      << "bytes beyond ASCII are left as they are";
}

}  // namespace
}  // namespace tlsfloor::config
