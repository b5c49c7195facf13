#include "config/cipher_suite.h"

#include <gtest/gtest.h>

#include <vector>

namespace tlsfloor::config {
namespace {

// ECDHE-RSA-AES128-GCM-SHA256 (TLS 1.2 only) and ECDHE-RSA-AES128-SHA (TLS 1.0 and up).
const std::vector<CipherSuite> kSuites{{0xc02f, 0x0303, 0x0303}, {0xc013, 0x0301, 0x0303}};

TEST(SharesSuite, NeedsASuiteUsableAtTheVersion) {
  const std::vector<std::uint16_t> gcm{0x0a0a, 0xc02f};  // GREASE first, as Chrome sends
  EXPECT_TRUE(shares_suite(gcm, kSuites, 0x0303));
  EXPECT_FALSE(shares_suite(gcm, kSuites, 0x0301)) << "AEAD suites need TLS 1.2";
  const std::vector<std::uint16_t> cbc{0x0035, 0xc013};
  EXPECT_TRUE(shares_suite(cbc, kSuites, 0x0301));
  const std::vector<std::uint16_t> triple_des{0x000a};
  EXPECT_FALSE(shares_suite(triple_des, kSuites, 0x0303));
  EXPECT_FALSE(shares_suite({}, kSuites, 0x0303));
}

TEST(SharesSuite, TlsThirteenSuitesAreNotTheListsToJudge) {
  EXPECT_TRUE(shares_suite(std::vector<std::uint16_t>{0x1301}, kSuites, 0x0304));
  EXPECT_TRUE(shares_suite({}, {}, 0x0304));
}

TEST(CipherCodeText, IsFourLowercaseHexDigits) {
  EXPECT_EQ(cipher_code_text(0x000a), "000a");
  EXPECT_EQ(cipher_code_text(0xc02f), "c02f");
  EXPECT_EQ(cipher_code_text(0xffff), "ffff");
}

}  // namespace
}  // namespace tlsfloor::config
