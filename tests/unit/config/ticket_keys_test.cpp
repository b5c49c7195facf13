#include "config/ticket_keys.h"

#include <gtest/gtest.h>

#include <string>

namespace tlsfloor::config {
namespace {

std::string base64_of(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t left = bytes.size() - i;
    const unsigned group = static_cast<unsigned char>(bytes[i]) << 16 |
                           (left > 1 ? static_cast<unsigned char>(bytes[i + 1]) << 8 : 0) |
                           (left > 2 ? static_cast<unsigned char>(bytes[i + 2]) : 0);
    out += kAlphabet[group >> 18 & 63];
    out += kAlphabet[group >> 12 & 63];
    out += left > 1 ? kAlphabet[group >> 6 & 63] : '=';
    out += left > 2 ? kAlphabet[group & 63] : '=';
  }
  return out;
}

// The base64 of `size` bytes counting up from `start` (a stand-in for `openssl rand 80 | base64`).
std::string base64_of_counting(std::size_t size, int start = 0) {
  std::string bytes;
  for (std::size_t i = 0; i < size; ++i) bytes += static_cast<char>(start + static_cast<int>(i));
  return base64_of(bytes);
}

TEST(Base64Test, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(decode_base64("aGk="), (std::vector<std::uint8_t>{'h', 'i'}));
  EXPECT_EQ(decode_base64("aGkh"), (std::vector<std::uint8_t>{'h', 'i', '!'}));
  EXPECT_EQ(decode_base64("aA=="), (std::vector<std::uint8_t>{'h'}));
  EXPECT_EQ(decode_base64("  aGk=\r"), (std::vector<std::uint8_t>{'h', 'i'}));
  EXPECT_EQ(decode_base64(""), (std::vector<std::uint8_t>{}));
  for (const char* bad : {"aGk", "a===", "aG=k", "aGk=aGk=", "aG!=", "=aGk"}) {
    EXPECT_FALSE(decode_base64(bad).has_value()) << bad;
  }
}

TEST(TicketKeysTest, ReadsLongAndShortKeysInFileOrder) {
  const std::string long_key = base64_of_counting(80);
  const std::string short_key = base64_of_counting(48, 100);
  const auto parsed =
      parse_ticket_keys("# rotated 2026-11-30\n" + long_key + "\n\n  " + short_key + "  \r\n");
  ASSERT_EQ(parsed.error, "");
  ASSERT_EQ(parsed.keys.size(), 2u);
  const TicketKey& first = parsed.keys[0];
  EXPECT_EQ(first.name[0], 0);
  EXPECT_EQ(first.name[15], 15);
  ASSERT_EQ(first.hmac_key.size(), 32u);  // nginx's layout: name, HMAC key, AES key
  EXPECT_EQ(first.hmac_key[0], 16);
  ASSERT_EQ(first.aes_key.size(), 32u);
  EXPECT_EQ(first.aes_key[0], 48);
  EXPECT_EQ(parsed.keys[1].hmac_key.size(), 16u);
  EXPECT_EQ(parsed.keys[1].aes_key.size(), 16u);
  EXPECT_EQ(parsed.keys[1].name[0], 100);
  EXPECT_EQ(parsed.keys[1].aes_key[0], 132);
}

TEST(TicketKeysTest, NamesTheLineOfWhatIsWrong) {
  const std::string key = base64_of_counting(80);
  EXPECT_EQ(parse_ticket_keys("").error, "no key in the file");
  EXPECT_EQ(parse_ticket_keys("# only a comment\n").error, "no key in the file");
  EXPECT_EQ(parse_ticket_keys(key + "\nnot-base64!\n").error,
            "line 2: not base64 (one key per line, e.g. openssl rand 80 | base64 -w0)");
  EXPECT_EQ(parse_ticket_keys(base64_of_counting(32)).error,
            "line 1: a key is 80 bytes (or 48), this one is 32");
  EXPECT_EQ(parse_ticket_keys(key + "\n" + key + "\n").error,
            "line 2: a key with this name (its first 16 bytes) is already listed");
}

TEST(TicketKeysTest, AZeroOrRepeatedSecretIsNoKey) {
  // A placeholder of zeros, or zeros where the HMAC or AES key goes.
  EXPECT_EQ(parse_ticket_keys(base64_of(std::string(80, '\0'))).error,
            "line 1: the key is all zero bytes (make one with openssl rand 80 | base64 -w0)");
  std::string zero_aes(80, '\0');
  for (int i = 0; i < 48; ++i) zero_aes[i] = static_cast<char>(i + 1);
  EXPECT_NE(parse_ticket_keys(base64_of(zero_aes)).error.find("all zero bytes"), std::string::npos);
  // The same secret under a new name: a copy, not a second key.
  std::string renamed;
  for (int i = 0; i < 80; ++i) renamed += static_cast<char>(i < 16 ? 200 + i : i);
  EXPECT_EQ(parse_ticket_keys(base64_of_counting(80) + "\n" + base64_of(renamed) + "\n").error,
            "line 2: this key's secret is already listed under another name");
}

}  // namespace
}  // namespace tlsfloor::config
