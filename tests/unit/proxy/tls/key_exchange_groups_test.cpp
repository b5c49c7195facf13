// The groups as BoringSSL applies them: what Debian's library can negotiate (asked of it, not
// assumed), what a configured list is refused for, the metric label of a negotiated group and the
// list a legacy client let in is given.
#include "proxy/tls/key_exchange_groups.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "config/named_group.h"

namespace tlsfloor::tls {
namespace {

using namespace config::group;
using config::TlsVersion;

TEST(KeyExchangeGroupsTest, TheLibraryHasTheClassicalCurvesAndCecpq2AndNoMlKem) {
  const auto groups = library_groups();
  EXPECT_EQ(std::vector<std::uint16_t>(groups.begin(), groups.end()),
            (std::vector<std::uint16_t>{kX25519, kP256, kP384, kP521, kP224, kCecpq2}));
  EXPECT_EQ(library_group_list(groups), "X25519:P-256:P-384:P-521:P-224:CECPQ2");
}

TEST(KeyExchangeGroupsTest, AListIsRefusedForWhatTheLibraryCannotDoOrForLeavingTls12Out) {
  const std::vector<std::uint16_t> defaults(std::begin(config::kDefaultGroups),
                                            std::end(config::kDefaultGroups));
  EXPECT_EQ(groups_problem(defaults, TlsVersion::tls1_0, TlsVersion::tls1_3), std::nullopt);
  const std::vector<std::uint16_t> mlkem = {kX25519MLKEM768, kX25519};
  const auto problem = groups_problem(mlkem, TlsVersion::tls1_2, TlsVersion::tls1_3);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->rfind("groups: X25519MLKEM768 cannot be negotiated by this TLS library", 0),
            0u)
      << *problem;
  // CECPQ2 is TLS 1.3's only: alone it serves a TLS 1.3-only route and nobody below.
  const std::vector<std::uint16_t> hybrid = {kCecpq2};
  EXPECT_EQ(groups_problem(hybrid, TlsVersion::tls1_3, TlsVersion::tls1_3), std::nullopt);
  const auto below = groups_problem(hybrid, TlsVersion::tls1_2, TlsVersion::tls1_3);
  ASSERT_TRUE(below.has_value());
  EXPECT_NE(below->find("TLS1.2"), std::string::npos) << *below;
  const std::vector<std::uint16_t> with_classical = {kCecpq2, kX25519};
  EXPECT_EQ(groups_problem(with_classical, TlsVersion::tls1_2, TlsVersion::tls1_3), std::nullopt);
}

TEST(KeyExchangeGroupsTest, ANegotiatedGroupOutsideTheLibrarysIsLabelledOther) {
  EXPECT_EQ(group_label_code(0), 0) << "static RSA: none";
  EXPECT_EQ(group_label_code(kX25519), kX25519);
  EXPECT_EQ(group_label_code(kCecpq2), kCecpq2);
  EXPECT_EQ(group_label_code(kX25519MLKEM768), 0xffff);
  EXPECT_EQ(group_label_code(0x0a0a), 0xffff) << "GREASE";
}

TEST(KeyExchangeGroupsTest, ALegacyClientGetsTheFloorFirstThenEveryOtherGroup) {
  const std::vector<std::uint16_t> floor = {kP384, kP256};
  EXPECT_EQ(compatibility_groups(floor),
            (std::vector<std::uint16_t>{kP384, kP256, kX25519, kP521, kP224, kCecpq2}));
}

}  // namespace
}  // namespace tlsfloor::tls
