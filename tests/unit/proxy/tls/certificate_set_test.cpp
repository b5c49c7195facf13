// Loading refuses what no client would accept, and the choice between RSA and ECDSA for a name
// follows what the client can verify.
#include "proxy/tls/certificate_set.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/test_pki.h"

namespace tlsfloor::tls {
namespace {

using test::KeyType;
using test::make_self_signed;
using test::TempDir;

config::CertificateConfig entry(const test::PemFiles& files) {
  return {files.cert_path, files.key_path, {"t.yaml", 3, 5}};
}

TEST(CertificateSetTest, ACertificateNotValidYetIsRefusedAtItsPosition) {
  TempDir dir;
  const auto early =
      make_self_signed(dir, "early", {"a.test"}, KeyType::ec_p256, std::chrono::hours(2));
  std::vector<config::ConfigError> errors;
  const CertificateSet set = CertificateSet::load({entry(early)}, errors);
  EXPECT_TRUE(set.empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "t.yaml:3:5: certificate " + early.cert_path +
                                       " is not valid yet (notBefore is in the future)");
}

TEST(CertificateSetTest, PrefersEcdsaForClientsThatAcceptItAndRsaOtherwise) {
  TempDir dir;
  std::vector<config::ConfigError> errors;
  const CertificateSet set =
      CertificateSet::load({entry(make_self_signed(dir, "rsa", {"a.test"}, KeyType::rsa_2048)),
                            entry(make_self_signed(dir, "ec", {"a.test"})),
                            entry(make_self_signed(dir, "other", {"b.test"}))},
                           errors);
  ASSERT_TRUE(errors.empty());
  const auto yes = [](const CertifiedKey&) { return true; };
  const auto no = [](const CertifiedKey&) { return false; };
  EXPECT_EQ(set.select("a.test", yes).key_algorithm, "EC256");  // listed second, preferred
  EXPECT_EQ(set.select("a.test", no).key_algorithm, "RSA2048");
  EXPECT_EQ(set.select("b.test", no).subject, "b.test");    // the only one for the name
  EXPECT_EQ(set.select("", yes).key_algorithm, "RSA2048");  // the first listed
  EXPECT_EQ(set.select("unknown.test", yes).subject, "a.test");
  EXPECT_EQ(set.matching("unknown.test", yes), nullptr);
}

}  // namespace
}  // namespace tlsfloor::tls
