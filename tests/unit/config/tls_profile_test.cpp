#include "config/tls_profile.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config_parser.h"
#include "config/named_group.h"

namespace tlsfloor::config {
namespace {

constexpr std::string_view kListener =
    "listeners:\n"
    "  - name: api\n"
    "    listen: 0.0.0.0:8443\n"
    "    upstream: {address: 127.0.0.1:8080}\n"
    "    certificates: [{cert: a.crt, key: a.key}]\n";

ParseResult parse_with(std::string_view tail) {
  return parse_config(std::string(kListener) + std::string(tail), "t.yaml");
}

std::vector<std::string> errors_of(const ParseResult& result) {
  std::vector<std::string> out;
  for (const ConfigError& error : result.errors) out.push_back(error.to_string());
  return out;
}

TEST(TlsProfileTest, EveryProfileIsNamedSourcedAndExplainsWhatItLeavesOut) {
  const std::vector<std::string> expected{"mozilla-modern", "mozilla-intermediate", "mozilla-old",
                                          "nist-sp800-52r2", "pci-dss-4"};
  std::vector<std::string> names;
  for (const TlsProfile& profile : tls_profiles()) {
    names.emplace_back(profile.name);
    EXPECT_FALSE(profile.source.empty()) << profile.name;
    EXPECT_FALSE(profile.left_out.empty()) << profile.name;
    EXPECT_FALSE(profile.groups.empty()) << profile.name;
    EXPECT_LE(profile.min_version, profile.max_version) << profile.name;
    // No profile offers 3DES or static RSA but the one for the transition.
    if (profile.name != "mozilla-old") {
      EXPECT_EQ(profile.ciphers.find("DES"), std::string_view::npos) << profile.name;
      EXPECT_EQ(profile.ciphers.find(":AES"), std::string_view::npos) << profile.name;
    }
    for (const std::uint16_t group : profile.groups) {
      EXPECT_FALSE(is_post_quantum(group)) << profile.name << ": the library has no ML-KEM";
    }
  }
  EXPECT_EQ(names, expected);
  EXPECT_EQ(find_tls_profile("mozilla-modern")->min_version, TlsVersion::tls1_3);
  EXPECT_EQ(find_tls_profile("mozilla-old")->min_version, TlsVersion::tls1_0);
  EXPECT_EQ(find_tls_profile("Mozilla-Modern"), nullptr);
}

TEST(TlsProfileTest, AProfileSetsVersionsSuitesAndGroups) {
  const ParseResult result = parse_with("    tls: {profile: nist-sp800-52r2}\n");
  ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(errors_of(result));
  const TlsConfig& tls = result.config->listeners.at(0).tls;
  EXPECT_EQ(tls.profile, "nist-sp800-52r2");
  EXPECT_EQ(tls.min_version, TlsVersion::tls1_2);
  EXPECT_EQ(tls.max_version, TlsVersion::tls1_3);
  EXPECT_EQ(tls.ciphers.text, find_tls_profile("nist-sp800-52r2")->ciphers);
  EXPECT_EQ(tls.groups.codes, (std::vector<std::uint16_t>{0x0017, 0x0018, 0x0019}));
  EXPECT_EQ(tls.ciphers.where, (SourceMark{"t.yaml", 6, 20}));
}

TEST(TlsProfileTest, KeysWrittenBesideItOverrideItKeyByKey) {
  // Written before the profile in the mapping, and still winning.
  const ParseResult result = parse_with(
      "    tls: {groups: [P-384, X25519], profile: mozilla-modern, min_version: TLS1.2}\n"
      "    routes:\n"
      "      - {name: old, server_names: [old.example.com], tls: {profile: mozilla-old}}\n"
      "      - {name: same, server_names: [same.example.com], tls: {alpn: [h2]}}\n");
  ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(errors_of(result));
  const ListenerConfig& listener = result.config->listeners.at(0);
  EXPECT_EQ(listener.tls.min_version, TlsVersion::tls1_2);
  EXPECT_EQ(listener.tls.max_version, TlsVersion::tls1_3);
  EXPECT_EQ(listener.tls.groups.codes, (std::vector<std::uint16_t>{0x0018, 0x001d}));
  EXPECT_EQ(listener.tls.ciphers.text, find_tls_profile("mozilla-modern")->ciphers);
  EXPECT_EQ(listener.routes.at(0).tls.min_version, TlsVersion::tls1_0);
  EXPECT_EQ(listener.routes.at(0).tls.profile, "mozilla-old");
  EXPECT_EQ(listener.routes.at(1).tls.profile, "mozilla-modern") << "inherited";

  const std::vector<std::string> lines = describe_profiles(*result.config);
  ASSERT_EQ(lines.size(), 10u) << testing::PrintToString(lines);
  EXPECT_EQ(lines[0].rfind("listener api: profile mozilla-modern, Mozilla", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1], "  versions TLS1.2 to TLS1.3 (set here)");
  EXPECT_EQ(lines[2].rfind("  ciphers  ECDHE-ECDSA-AES128-GCM-SHA256:", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3], "  groups   P-384:X25519 (set here)");
  EXPECT_EQ(lines[4].rfind("  left out X25519MLKEM768", 0), 0u) << lines[4];
  EXPECT_EQ(lines[5].rfind("listener api route old: profile mozilla-old,", 0), 0u) << lines[5];
  EXPECT_EQ(lines[6], "  versions TLS1.0 to TLS1.3");
  EXPECT_EQ(lines[8], "  groups   X25519:P-256:P-384");
}

TEST(TlsProfileTest, AnUnknownProfileIsAnErrorAtItsName) {
  const ParseResult result = parse_with("    tls: {profile: mozilla}\n");
  EXPECT_EQ(errors_of(result),
            std::vector<std::string>{
                "t.yaml:6:20: unknown profile \"mozilla\" (expected one of: mozilla-modern, "
                "mozilla-intermediate, mozilla-old, nist-sp800-52r2, pci-dss-4)"});
}

TEST(GroupsConfigTest, DefaultIsTheLibrarysOwnAndItsModeFollowsMode) {
  const ParseResult result = parse_with("    enforcement: {mode: observe}\n");
  ASSERT_TRUE(result.config.has_value());
  const ListenerConfig& listener = result.config->listeners.at(0);
  EXPECT_EQ(listener.tls.groups.codes, (std::vector<std::uint16_t>{0x001d, 0x0017, 0x0018}));
  EXPECT_EQ(listener.enforcement.groups_mode, EnforcementMode::observe);
  EXPECT_TRUE(listener.tls.profile.empty());
}

TEST(GroupsConfigTest, GroupsAreAStringOrAListAndTheirModeIsStagedOnItsOwn) {
  const ParseResult result = parse_with(
      "    tls: {groups: \"X25519:prime256v1\"}\n"
      "    enforcement: {mode: enforce, groups_mode: brownout, brownout: {every: {period: 1h, "
      "duration: 5m}}}\n"
      "    routes:\n"
      "      - {name: r, server_names: [r.example.com], tls: {groups: [P-384]},\n"
      "         enforcement: {mode: observe}}\n");
  ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(errors_of(result));
  const ListenerConfig& listener = result.config->listeners.at(0);
  EXPECT_EQ(listener.tls.groups.codes, (std::vector<std::uint16_t>{0x001d, 0x0017}));
  EXPECT_EQ(listener.tls.groups.where, (SourceMark{"t.yaml", 6, 19}));
  EXPECT_EQ(listener.enforcement.groups_mode, EnforcementMode::brownout);
  const RouteConfig& route = listener.routes.at(0);
  EXPECT_EQ(route.tls.groups.codes, std::vector<std::uint16_t>{0x0018});
  EXPECT_EQ(route.enforcement.groups_mode, EnforcementMode::brownout)
      << "written on the listener: the route's mode does not move it";
}

TEST(GroupsConfigTest, BadGroupsAreErrorsAtTheirPosition) {
  EXPECT_EQ(errors_of(parse_with("    tls: {groups: [X25519, P-257]}\n")),
            std::vector<std::string>{"t.yaml:6:28: unknown group \"P-257\" (one name per entry, "
                                     "such as X25519, P-256 or P-384)"});
  EXPECT_EQ(errors_of(parse_with("    tls: {groups: \"X25519:X25519\"}\n")),
            std::vector<std::string>{"t.yaml:6:19: invalid groups \"X25519:X25519\": group "
                                     "X25519 is listed twice (expected names such as "
                                     "\"X25519:P-256\")"});
  EXPECT_EQ(errors_of(parse_with("    tls: {groups: []}\n")),
            std::vector<std::string>{
                "t.yaml:6:19: groups must name at least one group (such as X25519 or P-256)"});
  EXPECT_EQ(errors_of(parse_with("    enforcement: {groups_mode: warn}\n")),
            std::vector<std::string>{"t.yaml:6:32: invalid enforcement groups_mode \"warn\" "
                                     "(expected one of: observe, brownout, enforce)"});
  EXPECT_EQ(errors_of(parse_with("    enforcement: {groups_mode: brownout}\n")),
            std::vector<std::string>{"t.yaml:6:32: groups_mode brownout needs a brownout "
                                     "section with windows or every (when to refuse)"});
}

}  // namespace
}  // namespace tlsfloor::config
