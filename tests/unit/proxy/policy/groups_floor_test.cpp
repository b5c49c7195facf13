// The key-exchange floor (tls.groups), a third floor staged like the version and cipher floors:
// a client whose supported groups name none of tls.groups is below it, judged by groups_mode,
// and refused only if some floor refuses; the first refusing floor (version, ciphers, groups)
// is the one named.
#include <gtest/gtest.h>

#include "proxy/policy/policy.h"

namespace tlsfloor::policy {
namespace {

using config::EnforcementMode;
using config::TlsVersion;

constexpr std::uint16_t kTls10 = 0x0301, kTls12 = 0x0303, kTls13 = 0x0304;

VersionPolicy policy(EnforcementMode mode, EnforcementMode cipher_mode,
                     EnforcementMode groups_mode) {
  VersionPolicy p;
  p.mode = mode;
  p.cipher_mode = cipher_mode;
  p.groups_mode = groups_mode;
  return p;
}

VersionPolicy groups_only(EnforcementMode groups_mode) {
  return policy(EnforcementMode::enforce, EnforcementMode::enforce, groups_mode);
}

// decide() for a client that shares a floor suite but no floor group.
Decision below_groups(std::uint16_t version, const VersionPolicy& p,
                      const LegacyCircumstances& circumstances = {}) {
  return decide(version, p, circumstances, /*shares_floor_cipher=*/true,
                /*shares_floor_group=*/false);
}

TEST(GroupsFloorTest, AClientSharingAFloorGroupIsNotLegacy) {
  const Decision decision = decide(kTls13, groups_only(EnforcementMode::enforce), {}, true, true);
  EXPECT_FALSE(decision.legacy);
  EXPECT_FALSE(decision.below_groups);
  EXPECT_EQ(decision.ciphers, CipherChoice::floor);
}

TEST(GroupsFloorTest, EnforcedItRefusesAtTheClientsOwnVersion) {
  const Decision decision = below_groups(kTls13, groups_only(EnforcementMode::enforce));
  EXPECT_TRUE(decision.legacy);
  EXPECT_TRUE(decision.below_groups);
  EXPECT_FALSE(decision.below_version);
  EXPECT_FALSE(decision.below_ciphers);
  EXPECT_TRUE(decision.reject);
  EXPECT_EQ(decision.refused_by, Floor::groups);
  EXPECT_EQ(decision.legacy_decision, LegacyDecision::rejected);
  EXPECT_EQ(decision.reason, DecisionReason::below_floor_enforced);
  EXPECT_EQ(decision.min_version, kTls12) << "not a version refusal";
  EXPECT_EQ(decision.ciphers, CipherChoice::floor);
}

TEST(GroupsFloorTest, ObservedItLetsInWithEveryGroupTheLibraryHas) {
  const Decision decision = below_groups(kTls12, groups_only(EnforcementMode::observe));
  EXPECT_TRUE(decision.below_groups);
  EXPECT_FALSE(decision.reject);
  EXPECT_EQ(decision.legacy_decision, LegacyDecision::would_reject);
  EXPECT_EQ(decision.reason, DecisionReason::below_floor_observed);
  EXPECT_EQ(decision.ciphers, CipherChoice::legacy);
}

TEST(GroupsFloorTest, ABrownoutRefusesInsideItsWindowsOnly) {
  const VersionPolicy p = groups_only(EnforcementMode::brownout);
  const Decision inside = below_groups(kTls13, p, {.brownout_refuses = true});
  EXPECT_TRUE(inside.reject);
  EXPECT_EQ(inside.refused_by, Floor::groups);
  EXPECT_EQ(inside.legacy_decision, LegacyDecision::rejected_brownout);
  const Decision outside = below_groups(kTls13, p, {.brownout_refuses = false});
  EXPECT_FALSE(outside.reject);
  EXPECT_EQ(outside.reason, DecisionReason::below_floor_outside_brownout);
}

TEST(GroupsFloorTest, AnExceptionLetsItInBelowEveryFloor) {
  config::ExceptionConfig exception;
  exception.min_version = TlsVersion::tls1_0;
  const Decision decision = below_groups(kTls13, groups_only(EnforcementMode::enforce),
                                         {.exception = MatchedException{0, &exception}});
  EXPECT_FALSE(decision.reject);
  EXPECT_EQ(decision.legacy_decision, LegacyDecision::allowed_exception);
  EXPECT_EQ(decision.ciphers, CipherChoice::legacy);
}

TEST(GroupsFloorTest, TheFirstRefusingFloorIsNamed) {
  // Below all three, all enforced: the version floor's protocol_version alert.
  const Decision all = decide(kTls10, groups_only(EnforcementMode::enforce), {}, false, false);
  EXPECT_TRUE(all.below_version && all.below_ciphers && all.below_groups);
  EXPECT_EQ(all.refused_by, Floor::version);
  // Versions and suites observed: the groups floor refuses.
  const Decision groups = decide(
      kTls10, policy(EnforcementMode::observe, EnforcementMode::observe, EnforcementMode::enforce),
      {}, false, false);
  EXPECT_TRUE(groups.reject);
  EXPECT_EQ(groups.refused_by, Floor::groups);
  EXPECT_EQ(groups.min_version, kTls10) << "the version floor only observes";
  // Suites and groups enforced, versions observed: the cipher floor speaks first.
  const Decision ciphers = decide(
      kTls10, policy(EnforcementMode::observe, EnforcementMode::enforce, EnforcementMode::enforce),
      {}, false, false);
  EXPECT_EQ(ciphers.refused_by, Floor::ciphers);
  // Everything observed: let in, by the version floor's words.
  const Decision observed = decide(
      kTls10, policy(EnforcementMode::observe, EnforcementMode::observe, EnforcementMode::observe),
      {}, false, false);
  EXPECT_FALSE(observed.reject);
  EXPECT_EQ(observed.ciphers, CipherChoice::legacy);
}

TEST(GroupsFloorTest, ThePolicyOfARouteCarriesItsGroupsMode) {
  config::RouteSettings settings;
  settings.enforcement.groups_mode = EnforcementMode::observe;
  EXPECT_EQ(version_policy(settings).groups_mode, EnforcementMode::observe);
  EXPECT_EQ(to_string(Floor::groups), "groups");
}

}  // namespace
}  // namespace tlsfloor::policy
