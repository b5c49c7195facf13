#include "proxy/policy.h"

#include <gtest/gtest.h>

namespace tlsfloor::proxy {
namespace {

using config::EnforcementMode;
using config::TlsVersion;

constexpr std::uint16_t kSsl30 = 0x0300, kTls10 = 0x0301, kTls11 = 0x0302, kTls12 = 0x0303,
                        kTls13 = 0x0304;

struct Case {
  const char* name;
  std::uint16_t offered;
  TlsVersion floor;
  EnforcementMode mode;
  bool legacy;
  bool reject;
  std::uint16_t min_version;
  DecisionReason reason;
};

const Case kCases[] = {
    // enforce: the floor applies to everyone; below it, refuse.
    {"enforce_tls13_at_floor12", kTls13, TlsVersion::tls1_2, EnforcementMode::enforce, false, false,
     kTls12, DecisionReason::meets_floor},
    {"enforce_tls12_at_floor12", kTls12, TlsVersion::tls1_2, EnforcementMode::enforce, false, false,
     kTls12, DecisionReason::meets_floor},
    {"enforce_tls11_below_floor12", kTls11, TlsVersion::tls1_2, EnforcementMode::enforce, true,
     true, kTls12, DecisionReason::below_floor_enforced},
    {"enforce_tls10_below_floor12", kTls10, TlsVersion::tls1_2, EnforcementMode::enforce, true,
     true, kTls12, DecisionReason::below_floor_enforced},
    {"enforce_ssl30_below_floor10", kSsl30, TlsVersion::tls1_0, EnforcementMode::enforce, true,
     true, kTls10, DecisionReason::below_floor_enforced},
    {"enforce_tls12_below_floor13", kTls12, TlsVersion::tls1_3, EnforcementMode::enforce, true,
     true, kTls13, DecisionReason::below_floor_enforced},
    {"enforce_tls10_at_floor10", kTls10, TlsVersion::tls1_0, EnforcementMode::enforce, false, false,
     kTls10, DecisionReason::meets_floor},
    // Nothing readable offered: not the policy's call; the library refuses on its own.
    {"enforce_nothing_offered", 0, TlsVersion::tls1_2, EnforcementMode::enforce, false, false,
     kTls12, DecisionReason::no_known_version},
    // observe: everyone the library speaks passes, legacy is flagged.
    {"observe_tls10_below_floor12", kTls10, TlsVersion::tls1_2, EnforcementMode::observe, true,
     false, kTls10, DecisionReason::below_floor_observed},
    {"observe_tls11_below_floor12", kTls11, TlsVersion::tls1_2, EnforcementMode::observe, true,
     false, kTls10, DecisionReason::below_floor_observed},
    {"observe_tls13_at_floor12", kTls13, TlsVersion::tls1_2, EnforcementMode::observe, false, false,
     kTls10, DecisionReason::meets_floor},
    {"observe_tls12_below_floor13", kTls12, TlsVersion::tls1_3, EnforcementMode::observe, true,
     false, kTls10, DecisionReason::below_floor_observed},
    {"observe_nothing_offered", 0, TlsVersion::tls1_2, EnforcementMode::observe, false, false,
     kTls10, DecisionReason::no_known_version},
};

class PolicyTest : public testing::TestWithParam<Case> {};

TEST_P(PolicyTest, Decides) {
  const Case& c = GetParam();
  const Decision decision = decide(c.offered, {c.floor, TlsVersion::tls1_3, c.mode});
  EXPECT_EQ(decision.legacy, c.legacy);
  EXPECT_EQ(decision.reject, c.reject);
  EXPECT_EQ(decision.min_version, c.min_version);
  EXPECT_EQ(decision.reason, c.reason);
}

INSTANTIATE_TEST_SUITE_P(Table, PolicyTest, testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PolicyTest, ARefusalAlwaysRaisesTheFloorAboveTheOffer) {
  // The refusal mechanism relies on this: BoringSSL then answers protocol_version.
  for (const auto& c : kCases) {
    const Decision decision = decide(c.offered, {c.floor, TlsVersion::tls1_3, c.mode});
    if (decision.reject) EXPECT_GT(decision.min_version, c.offered) << c.name;
  }
}

TEST(PolicyTest, ReasonsHaveStableNames) {
  EXPECT_EQ(to_string(DecisionReason::meets_floor), "meets_floor");
  EXPECT_EQ(to_string(DecisionReason::no_known_version), "no_known_version");
  EXPECT_EQ(to_string(DecisionReason::below_floor_enforced), "below_floor_enforced");
  EXPECT_EQ(to_string(DecisionReason::below_floor_observed), "below_floor_observed");
}

}  // namespace
}  // namespace tlsfloor::proxy
