#include "proxy/policy/policy.h"

#include <gtest/gtest.h>

namespace tlsfloor::policy {
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
    if (decision.reject) {
      EXPECT_GT(decision.min_version, c.offered) << c.name;
    }
  }
}

TEST(PolicyTest, ReasonsHaveStableNames) {
  EXPECT_EQ(to_string(DecisionReason::meets_floor), "meets_floor");
  EXPECT_EQ(to_string(DecisionReason::no_known_version), "no_known_version");
  EXPECT_EQ(to_string(DecisionReason::below_floor_enforced), "below_floor_enforced");
  EXPECT_EQ(to_string(DecisionReason::below_floor_observed), "below_floor_observed");
}

}  // namespace
}  // namespace tlsfloor::policy

namespace tlsfloor::policy {
namespace {

config::ExceptionConfig exception_with_floor(TlsVersion floor) {
  config::ExceptionConfig exception;
  exception.name = "payroll";
  exception.min_version = floor;
  return exception;
}

TEST(PolicyExceptionTest, AnExceptionLetsALegacyClientInAtItsFloor) {
  const auto exception = exception_with_floor(TlsVersion::tls1_0);
  for (const auto mode :
       {EnforcementMode::enforce, EnforcementMode::brownout, EnforcementMode::observe}) {
    const Decision decision =
        decide(kTls10, {TlsVersion::tls1_2, TlsVersion::tls1_3, mode},
               {.exception = MatchedException{0, &exception}, .brownout_refuses = true});
    EXPECT_TRUE(decision.legacy);
    EXPECT_FALSE(decision.reject);
    EXPECT_EQ(decision.min_version, kTls10);
    EXPECT_EQ(decision.reason, DecisionReason::exception);
    EXPECT_EQ(decision.legacy_decision, LegacyDecision::allowed_exception);
    ASSERT_TRUE(decision.exception.has_value());
    EXPECT_EQ(decision.exception->exception, &exception);
    EXPECT_EQ(decision.exception->index, 0u);
  }
}

TEST(PolicyExceptionTest, AClientBelowTheExceptionsFloorIsNotExempt) {
  const auto exception = exception_with_floor(TlsVersion::tls1_1);
  const Decision decision =
      decide(kTls10, {TlsVersion::tls1_2, TlsVersion::tls1_3, EnforcementMode::enforce},
             {.exception = MatchedException{0, &exception}});
  EXPECT_TRUE(decision.reject);
  EXPECT_EQ(decision.min_version, kTls12);
  EXPECT_EQ(decision.legacy_decision, LegacyDecision::rejected);
  EXPECT_FALSE(decision.exception.has_value());
  // ...while a TLS 1.1 client is let in, at TLS 1.1 at least.
  const Decision tls11 =
      decide(kTls11, {TlsVersion::tls1_2, TlsVersion::tls1_3, EnforcementMode::enforce},
             {.exception = MatchedException{0, &exception}});
  EXPECT_FALSE(tls11.reject);
  EXPECT_EQ(tls11.min_version, kTls11);
}

TEST(PolicyExceptionTest, ExceptionsDoNotConcernModernClients) {
  const auto exception = exception_with_floor(TlsVersion::tls1_0);
  const Decision decision =
      decide(kTls13, {TlsVersion::tls1_2, TlsVersion::tls1_3, EnforcementMode::enforce},
             {.exception = MatchedException{0, &exception}});
  EXPECT_FALSE(decision.legacy);
  EXPECT_FALSE(decision.exception.has_value());
  EXPECT_EQ(decision.min_version, kTls12);
}

TEST(PolicyBrownoutTest, RefusesOnlyWhenTheBrownoutSaysSo) {
  const VersionPolicy policy{TlsVersion::tls1_2, TlsVersion::tls1_3, EnforcementMode::brownout};
  const Decision inside = decide(kTls10, policy, {.brownout_refuses = true});
  EXPECT_TRUE(inside.reject);
  EXPECT_GT(inside.min_version, kTls10);
  EXPECT_EQ(inside.reason, DecisionReason::below_floor_brownout);
  EXPECT_EQ(inside.legacy_decision, LegacyDecision::rejected_brownout);
  const Decision outside = decide(kTls10, policy, {.brownout_refuses = false});
  EXPECT_FALSE(outside.reject);
  EXPECT_EQ(outside.min_version, kTls10);
  EXPECT_EQ(outside.reason, DecisionReason::below_floor_outside_brownout);
  EXPECT_EQ(outside.legacy_decision, LegacyDecision::would_reject);
  // Modern clients never notice a brownout.
  EXPECT_FALSE(decide(kTls12, policy, {.brownout_refuses = true}).reject);
}

TEST(PolicyTest, LegacyDecisionsPerMode) {
  EXPECT_EQ(decide(kTls10, {TlsVersion::tls1_2, TlsVersion::tls1_3, EnforcementMode::observe})
                .legacy_decision,
            LegacyDecision::would_reject);
  EXPECT_EQ(decide(kTls10, {TlsVersion::tls1_2, TlsVersion::tls1_3, EnforcementMode::enforce})
                .legacy_decision,
            LegacyDecision::rejected);
  EXPECT_EQ(to_string(DecisionReason::exception), "exception");
  EXPECT_EQ(to_string(DecisionReason::below_floor_brownout), "below_floor_brownout");
  EXPECT_EQ(to_string(DecisionReason::below_floor_outside_brownout),
            "below_floor_outside_brownout");
}

// --- the cipher floor ------------------------------------------------------------------------

VersionPolicy cipher_policy(EnforcementMode cipher_mode,
                            EnforcementMode mode = EnforcementMode::enforce) {
  return {TlsVersion::tls1_2, TlsVersion::tls1_3, mode, cipher_mode};
}

TEST(PolicyCipherTest, AClientSharingAFloorSuiteIsNotLegacy) {
  const Decision decision = decide(kTls12, cipher_policy(EnforcementMode::enforce), {}, true);
  EXPECT_FALSE(decision.legacy);
  EXPECT_EQ(decision.ciphers, CipherChoice::floor);
}

TEST(PolicyCipherTest, TheCipherModeDecidesForAClientWithoutAFloorSuite) {
  const Decision enforced = decide(kTls12, cipher_policy(EnforcementMode::enforce), {}, false);
  EXPECT_TRUE(enforced.legacy);
  EXPECT_FALSE(enforced.below_version);
  EXPECT_TRUE(enforced.below_ciphers);
  EXPECT_TRUE(enforced.reject);
  EXPECT_EQ(enforced.refused_by, Floor::ciphers);
  EXPECT_EQ(enforced.legacy_decision, LegacyDecision::rejected);
  // Refused at its own version, by "no shared cipher": the floor suites stay.
  EXPECT_EQ(enforced.min_version, kTls12);
  EXPECT_EQ(enforced.ciphers, CipherChoice::floor);

  const Decision observed = decide(kTls12, cipher_policy(EnforcementMode::observe), {}, false);
  EXPECT_FALSE(observed.reject);
  EXPECT_EQ(observed.legacy_decision, LegacyDecision::would_reject);
  EXPECT_EQ(observed.ciphers, CipherChoice::legacy);

  const VersionPolicy brownout = cipher_policy(EnforcementMode::brownout);
  EXPECT_TRUE(decide(kTls12, brownout, {.brownout_refuses = true}, false).reject);
  const Decision outside = decide(kTls12, brownout, {.brownout_refuses = false}, false);
  EXPECT_FALSE(outside.reject);
  EXPECT_EQ(outside.ciphers, CipherChoice::legacy);
}

TEST(PolicyCipherTest, EachFloorHasItsOwnStage) {
  // Versions observed, ciphers enforced: a TLS 1.0 client that offers a floor suite is let in
  // (with the legacy suites); one that offers none, or a TLS 1.2 client without one, is refused
  // by the cipher floor, at its own version.
  const VersionPolicy policy = cipher_policy(EnforcementMode::enforce, EnforcementMode::observe);
  const Decision old = decide(kTls10, policy, {}, true);
  EXPECT_TRUE(old.below_version);
  EXPECT_FALSE(old.below_ciphers);
  EXPECT_FALSE(old.reject);
  EXPECT_EQ(old.ciphers, CipherChoice::legacy);
  const Decision old_and_weak = decide(kTls10, policy, {}, false);
  EXPECT_TRUE(old_and_weak.below_version);
  EXPECT_TRUE(old_and_weak.below_ciphers);
  EXPECT_TRUE(old_and_weak.reject);
  EXPECT_EQ(old_and_weak.refused_by, Floor::ciphers);
  EXPECT_EQ(old_and_weak.reason, DecisionReason::below_floor_enforced);
  EXPECT_EQ(old_and_weak.min_version, kTls10) << "the version floor only observes";
  EXPECT_EQ(old_and_weak.ciphers, CipherChoice::floor);
  const Decision weak = decide(kTls12, policy, {}, false);
  EXPECT_FALSE(weak.below_version);
  EXPECT_TRUE(weak.below_ciphers);
  EXPECT_TRUE(weak.reject);
}

TEST(PolicyCipherTest, AClientBelowBothFloorsIsLetInOnlyIfBothLetItIn) {
  const Decision observed =
      decide(kTls10, cipher_policy(EnforcementMode::observe, EnforcementMode::observe), {}, false);
  EXPECT_TRUE(observed.below_version);
  EXPECT_TRUE(observed.below_ciphers);
  EXPECT_FALSE(observed.reject);
  EXPECT_EQ(observed.reason, DecisionReason::below_floor_observed);
  EXPECT_EQ(observed.ciphers, CipherChoice::legacy);
  // Both refuse: the version floor's refusal is the one on the wire (protocol_version).
  const Decision enforced = decide(kTls10, cipher_policy(EnforcementMode::enforce), {}, false);
  EXPECT_TRUE(enforced.reject);
  EXPECT_EQ(enforced.refused_by, Floor::version);
  EXPECT_GT(enforced.min_version, kTls10);
  // Versions enforced, ciphers observed: refused by the version floor all the same.
  const Decision versions =
      decide(kTls10, cipher_policy(EnforcementMode::observe, EnforcementMode::enforce), {}, false);
  EXPECT_TRUE(versions.reject);
  EXPECT_EQ(versions.refused_by, Floor::version);
  // Inside a brownout window, refused by whichever floor browns out.
  const Decision browned =
      decide(kTls10, cipher_policy(EnforcementMode::brownout, EnforcementMode::observe),
             {.brownout_refuses = true}, false);
  EXPECT_TRUE(browned.reject);
  EXPECT_EQ(browned.refused_by, Floor::ciphers);
  EXPECT_EQ(browned.legacy_decision, LegacyDecision::rejected_brownout);
}

TEST(PolicyCipherTest, AnExceptionLetsInWithItsOwnSuitesOrTheLegacyOnes) {
  auto exception = exception_with_floor(TlsVersion::tls1_0);
  const Decision plain = decide(kTls12, cipher_policy(EnforcementMode::enforce),
                                {.exception = MatchedException{0, &exception}}, false);
  EXPECT_FALSE(plain.reject);
  EXPECT_EQ(plain.legacy_decision, LegacyDecision::allowed_exception);
  EXPECT_EQ(plain.ciphers, CipherChoice::legacy);
  EXPECT_EQ(plain.min_version, kTls12) << "the version floor still holds for it";
  exception.ciphers = config::CipherList{"DES-CBC3-SHA", {}};
  const Decision own = decide(kTls12, cipher_policy(EnforcementMode::enforce),
                              {.exception = MatchedException{0, &exception}}, false);
  EXPECT_EQ(own.ciphers, CipherChoice::exception);
  // The same for a client below the version floor.
  const Decision old = decide(kTls10, cipher_policy(EnforcementMode::enforce),
                              {.exception = MatchedException{0, &exception}}, false);
  EXPECT_TRUE(old.below_version);
  EXPECT_TRUE(old.below_ciphers);
  EXPECT_FALSE(old.reject);
  EXPECT_EQ(old.ciphers, CipherChoice::exception);
  EXPECT_EQ(old.min_version, kTls10);
}

TEST(PolicyCipherTest, FloorNames) {
  EXPECT_EQ(to_string(Floor::version), "version");
  EXPECT_EQ(to_string(Floor::ciphers), "ciphers");
}

}  // namespace
}  // namespace tlsfloor::policy
