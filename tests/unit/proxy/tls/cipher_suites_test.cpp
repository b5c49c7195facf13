#include "proxy/tls/cipher_suites.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tlsfloor::tls {
namespace {

std::vector<std::uint16_t> codes(const std::vector<config::CipherSuite>& suites) {
  std::vector<std::uint16_t> out;
  for (const auto& suite : suites) out.push_back(suite.code);
  return out;
}

TEST(ParseCipherList, ReadsBoringSslAndIanaNamesInOrder) {
  std::string error;
  const auto list = parse_cipher_list(
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:ECDHE-RSA-AES128-GCM-SHA256:DES-CBC3-SHA", error);
  ASSERT_TRUE(list.has_value()) << error;
  ASSERT_EQ(list->size(), 3u);
  EXPECT_STREQ(SSL_CIPHER_standard_name((*list)[0]), "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
  EXPECT_STREQ(SSL_CIPHER_standard_name((*list)[1]), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_STREQ(SSL_CIPHER_standard_name((*list)[2]), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
}

TEST(ParseCipherList, NamesTheEntryItDoesNotKnow) {
  std::string error;
  EXPECT_FALSE(parse_cipher_list("ECDHE+AESGCM:!3DES:TLS_RSA_WITH_RC4_128_SHA", error));
  EXPECT_EQ(error,
            "unknown cipher suite or rule \"TLS_RSA_WITH_RC4_128_SHA\" (BoringSSL's names, such "
            "as ECDHE-RSA-AES128-GCM-SHA256, or IANA names, such as "
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
  EXPECT_FALSE(parse_cipher_list("ECDHE-RSA-AES128-GCM-SHA256:-FOO", error));
  EXPECT_NE(error.find("\"FOO\""), std::string::npos) << error;
}

TEST(ParseCipherList, TheDefaultHasNo3DesAndNoStaticRsa) {
  std::string error;
  const auto list = parse_cipher_list(config::kDefaultCiphers, error);
  ASSERT_TRUE(list.has_value()) << error;
  EXPECT_EQ(list->size(), 10u);
  for (const SSL_CIPHER* cipher : *list) {
    EXPECT_EQ(SSL_CIPHER_get_kx_nid(cipher), NID_kx_ecdhe) << SSL_CIPHER_get_name(cipher);
    EXPECT_NE(SSL_CIPHER_get_cipher_nid(cipher), NID_des_ede3_cbc);
  }
  // AEAD first: every AEAD suite comes before every CBC one.
  const auto first_cbc = std::find_if(list->begin(), list->end(), [](const SSL_CIPHER* cipher) {
    return SSL_CIPHER_is_aead(cipher) == 0;
  });
  EXPECT_TRUE(std::none_of(first_cbc, list->end(),
                           [](const SSL_CIPHER* cipher) { return SSL_CIPHER_is_aead(cipher); }));
}

TEST(UsableSuites, FollowTheCertificatesKeyTypes) {
  std::string error;
  const auto list = parse_cipher_list(config::kDefaultCiphers, error);
  ASSERT_TRUE(list.has_value());
  const auto rsa = usable_suites(*list, {.rsa = true});
  EXPECT_EQ(codes(rsa), (std::vector<std::uint16_t>{0xc02f, 0xc030, 0xcca8, 0xc013, 0xc014}));
  const auto ecdsa = usable_suites(*list, {.ecdsa = true});
  EXPECT_EQ(codes(ecdsa), (std::vector<std::uint16_t>{0xc02b, 0xc02c, 0xcca9, 0xc009, 0xc00a}));
  EXPECT_EQ(usable_suites(*list, {.rsa = true, .ecdsa = true}).size(), 10u);
  // AES-GCM is TLS 1.2 only; the CBC suites go back to TLS 1.0.
  EXPECT_EQ(rsa.front().min_version, TLS1_2_VERSION);
  EXPECT_LE(rsa.back().min_version, TLS1_VERSION);
}

TEST(CoverageProblem, NamesTheVersionsLeftWithoutASuite) {
  std::string error;
  const auto aead = parse_cipher_list("ECDHE+AESGCM", error);
  ASSERT_TRUE(aead.has_value());
  const KeyTypes rsa{.rsa = true};
  const auto suites = usable_suites(*aead, rsa);
  EXPECT_EQ(coverage_problem("ciphers", suites, rsa, config::TlsVersion::tls1_2,
                             config::TlsVersion::tls1_3),
            std::nullopt);
  EXPECT_EQ(coverage_problem("legacy_ciphers", suites, rsa, config::TlsVersion::tls1_0,
                             config::TlsVersion::tls1_3),
            "legacy_ciphers leave TLS1.0 and TLS1.1 without a suite the RSA certificate can use "
            "(AEAD suites need TLS1.2; ECDHE-ECDSA suites need an ECDSA key, RSA and ECDHE-RSA "
            "ones an RSA key)");
  // ECDSA-only suites behind an RSA certificate serve nothing.
  const auto ecdsa_only = parse_cipher_list("ECDHE-ECDSA-AES128-GCM-SHA256", error);
  ASSERT_TRUE(ecdsa_only.has_value());
  EXPECT_NE(coverage_problem("ciphers", usable_suites(*ecdsa_only, rsa), rsa,
                             config::TlsVersion::tls1_2, config::TlsVersion::tls1_3),
            std::nullopt);
  // A TLS 1.3-only listener needs no list at all.
  EXPECT_EQ(
      coverage_problem("ciphers", {}, rsa, config::TlsVersion::tls1_3, config::TlsVersion::tls1_3),
      std::nullopt);
}

TEST(AddCipherListErrors, ReportsEachBadListAtItsPosition) {
  std::vector<config::ConfigError> errors;
  add_cipher_list_errors({{"ECDHE+AESGCM", {"t.yaml", 3, 5}}, {"NOPE", {"t.yaml", 9, 7}}}, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where, (config::SourceMark{"t.yaml", 9, 7}));
}

TEST(NegotiableSuitesTest, EverySuiteAtEveryVersionItCanBeNegotiatedAt) {
  const auto suites = negotiable_suites(
      {"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES128-GCM-SHA256"},
      KeyTypes{.rsa = true}, config::TlsVersion::tls1_0, config::TlsVersion::tls1_3);
  std::vector<std::pair<std::uint16_t, std::string>> pairs;
  for (const auto& suite : suites) pairs.emplace_back(suite.version_wire, suite.name);
  using Pairs = std::vector<std::pair<std::uint16_t, std::string>>;
  // AEAD at TLS 1.2 only, CBC at 1.0 to 1.2, no ECDSA suite behind an RSA key, TLS 1.3's three.
  EXPECT_EQ(pairs, (Pairs{{0x0303, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
                          {0x0301, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
                          {0x0302, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
                          {0x0303, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
                          {0x0304, "TLS_AES_128_GCM_SHA256"},
                          {0x0304, "TLS_AES_256_GCM_SHA384"},
                          {0x0304, "TLS_CHACHA20_POLY1305_SHA256"}}));
  // Capped at TLS 1.2: no TLS 1.3 suite; an unknown key type: every suite of the list.
  const auto upstream = negotiable_suites({"ECDHE-ECDSA-AES128-GCM-SHA256"}, {},
                                          config::TlsVersion::tls1_2, config::TlsVersion::tls1_2);
  ASSERT_EQ(upstream.size(), 1u);
  EXPECT_EQ(std::string(upstream[0].name), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
}

TEST(CompatibilityListTest, TheFloorFirstThenEverySuiteTheLibraryHas) {
  const std::string list = compatibility_cipher_list("ECDHE-RSA-AES256-GCM-SHA384");
  EXPECT_EQ(list.rfind("ECDHE-RSA-AES256-GCM-SHA384:", 0), 0u) << list;
  for (const char* weak : {"DES-CBC3-SHA", "AES128-SHA", "AES256-GCM-SHA384"}) {
    EXPECT_NE((":" + list + ":").find(std::string(":") + weak + ":"), std::string::npos)
        << weak << " in " << list;
  }
  EXPECT_EQ(list.find("PSK"), std::string::npos) << list;
  EXPECT_EQ(compatibility_cipher_list("NOT-A-SUITE"), "");
}

}  // namespace
}  // namespace tlsfloor::tls
