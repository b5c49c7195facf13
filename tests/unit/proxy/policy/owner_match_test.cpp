#include "proxy/policy/owner_match.h"

#include <gtest/gtest.h>

#include <string>

namespace tlsfloor::policy {
namespace {

config::OwnerDirectory directory_of(const std::string& yaml) {
  const config::OwnerDirectoryParse parsed = config::parse_owner_directory(yaml, "owners.yaml");
  EXPECT_TRUE(parsed.directory) << (parsed.errors.empty() ? "" : parsed.errors[0].to_string());
  return parsed.directory.value_or(config::OwnerDirectory{});
}

OwnerFacts facts(std::string_view address) {
  OwnerFacts facts;
  facts.listener = "api";
  facts.route = "default";
  facts.client = *config::parse_address(address);
  facts.server_name = "api.example.com";
  facts.family = "java-7";
  facts.ja4 = "t10d1310h1_a8d2b5cbd1b5_0aa7a8b4ac2b";
  return facts;
}

std::string owner_of(const config::OwnerDirectory& directory, const OwnerFacts& facts) {
  const config::OwnerConfig* owner = match_owner(directory, facts);
  return owner == nullptr ? "(none)" : owner->name;
}

TEST(OwnerMatchTest, EveryListedKindMustMatchAndAnyValueOfIt) {
  const auto directory = directory_of(R"(owners:
  - name: both
    match: {clients: [10.0.0.0/8], families: [java-6, java-7]}
)");
  EXPECT_EQ(owner_of(directory, facts("10.1.2.3")), "both");
  OwnerFacts other_family = facts("10.1.2.3");
  other_family.family = "curl";
  EXPECT_EQ(owner_of(directory, other_family), "(none)") << "families did not match";
  EXPECT_EQ(owner_of(directory, facts("192.0.2.1")), "(none)") << "clients did not match";
  EXPECT_EQ(owner_of(directory, facts("::ffff:10.1.2.3")), "both")
      << "a dual-stack socket's IPv4-mapped address is the IPv4 client";
  EXPECT_EQ(owner_of(directory, facts("2001:db8::1")), "(none)")
      << "an IPv6 address is never in an IPv4 prefix";
}

// The most specific owner wins, kind by kind: exception, JA4, longest prefix, server name,
// route, family; among equals the first in the file.
TEST(OwnerMatchTest, TheMostSpecificOwnerWins) {
  const auto directory = directory_of(R"(owners:
  - name: java-fleet
    match: {families: [java-7]}
  - name: api-route
    match: {routes: [api]}
  - name: api-default-route
    match: {routes: [api/default]}
  - name: by-name
    match: {server_names: ["*.example.com"]}
  - name: by-exact-name
    match: {server_names: [api.example.com]}
  - name: office
    match: {clients: [10.0.0.0/8]}
  - name: office-floor-2
    match: {clients: [10.2.0.0/16]}
  - name: the-fingerprint
    match: {ja4: [t10d1310h1_a8d2b5cbd1b5_0aa7a8b4ac2b]}
  - name: the-exception
    match: {exceptions: [legacy-partners]}
  - name: the-exception-again
    match: {exceptions: [legacy-partners]}
)");
  OwnerFacts all = facts("10.2.3.4");
  all.exception = "legacy-partners";
  EXPECT_EQ(owner_of(directory, all), "the-exception") << "first of equals";
  all.exception = "";
  EXPECT_EQ(owner_of(directory, all), "the-fingerprint");
  all.ja4 = "t13d1516h2_8daaf6152771_e5627efa2ab1";
  EXPECT_EQ(owner_of(directory, all), "office-floor-2") << "the longest prefix";
  all.client = *config::parse_address("10.9.9.9");
  EXPECT_EQ(owner_of(directory, all), "office");
  all.client = *config::parse_address("192.0.2.1");
  EXPECT_EQ(owner_of(directory, all), "by-exact-name");
  all.server_name = "www.example.com";
  EXPECT_EQ(owner_of(directory, all), "by-name");
  all.server_name = "";
  EXPECT_EQ(owner_of(directory, all), "api-default-route");
  all.route = "legacy";
  EXPECT_EQ(owner_of(directory, all), "api-route");
  all.listener = "edge";
  EXPECT_EQ(owner_of(directory, all), "java-fleet");
  all.family = "unknown";
  EXPECT_EQ(owner_of(directory, all), "(none)");
}

TEST(OwnerMatchTest, AnOwnerWithMoreKindsIsMoreSpecificOnlyByTheKindsThatRank) {
  // A client prefix outranks a server name whatever else either lists.
  const auto directory = directory_of(R"(owners:
  - name: name-and-family
    match: {server_names: [api.example.com], families: [java-7]}
  - name: prefix
    match: {clients: [0.0.0.0/0]}
)");
  EXPECT_EQ(owner_of(directory, facts("192.0.2.1")), "prefix");
}

// A verified client certificate's subject names the client itself: it outranks every other
// kind, and an owner that lists subjects matches no handshake without a verified certificate.
TEST(OwnerMatchTest, ACertificateSubjectIsTheMostSpecificFact) {
  const auto directory = directory_of(R"(owners:
  - name: by-exception
    match: {exceptions: [pos-terminals]}
  - name: partner
    match: {certificate_subjects: ["CN=pos-7,O=Shop", "CN=pos-8,O=Shop"]}
  - name: partner-on-api
    match: {certificate_subjects: ["CN=pos-9,O=Shop"], routes: [api]}
)");
  OwnerFacts exempt = facts("10.1.2.3");
  exempt.exception = "pos-terminals";
  EXPECT_EQ(owner_of(directory, exempt), "by-exception") << "no certificate: subjects rule out";
  OwnerFacts certified = exempt;
  certified.certificate_subject = "CN=pos-8,O=Shop";
  EXPECT_EQ(owner_of(directory, certified), "partner");
  certified.certificate_subject = "CN=pos-9,O=Shop";
  EXPECT_EQ(owner_of(directory, certified), "partner-on-api");
  certified.listener = "other";
  EXPECT_EQ(owner_of(directory, certified), "by-exception") << "its routes did not match";
  certified.certificate_subject = "cn=pos-7,o=shop";
  certified.listener = "api";
  EXPECT_EQ(owner_of(directory, certified), "by-exception") << "subjects compare exactly";
}

}  // namespace
}  // namespace tlsfloor::policy
