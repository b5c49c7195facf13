#include "config/owner_directory.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tlsfloor::config {
namespace {

std::vector<std::string> messages(const OwnerDirectoryParse& parsed) {
  std::vector<std::string> lines;
  for (const ConfigError& error : parsed.errors) lines.push_back(error.to_string());
  return lines;
}

TEST(OwnerDirectoryTest, ReadsEveryKindOfMatch) {
  const OwnerDirectoryParse parsed = parse_owner_directory(R"(owners:
  - name: payments
    contacts: [payments@example.com, "#payments-oncall"]
    link: https://tickets.example.com/PAY
    match:
      clients: [10.20.0.0/16, "2001:db8::/48"]
      server_names: [Pay.Example.com., "*.partners.example.com"]
      routes: [api/legacy, edge]
      families: [java-7, schannel-win7]
      ja4: t10d1310h1_a8d2b5cbd1b5_0aa7a8b4ac2b
      exceptions: [payments-java7]
      certificate_subjects: ["CN=pay-7,O=Example,C=DE"]
  - name: batch
    match: {families: [openssl-1.0.1plus]}
)",
                                                           "/etc/tlsfloor/owners.yaml");
  ASSERT_TRUE(parsed.directory) << testing::PrintToString(messages(parsed));
  const OwnerDirectory& directory = *parsed.directory;
  EXPECT_EQ(directory.source_path, "/etc/tlsfloor/owners.yaml");
  ASSERT_EQ(directory.owners.size(), 2u);
  const OwnerConfig& payments = directory.owners[0];
  EXPECT_EQ(payments.name, "payments");
  EXPECT_EQ(payments.contacts,
            (std::vector<std::string>{"payments@example.com", "#payments-oncall"}));
  EXPECT_EQ(payments.link, "https://tickets.example.com/PAY");
  ASSERT_EQ(payments.match.clients.size(), 2u);
  EXPECT_EQ(to_string(payments.match.clients[0]), "10.20.0.0/16");
  EXPECT_EQ(payments.match.server_names,
            (std::vector<std::string>{"pay.example.com", "*.partners.example.com"}));
  EXPECT_EQ(payments.match.routes,
            (std::vector<OwnerRoute>{{"api", "legacy"}, {"edge", std::nullopt}}));
  EXPECT_EQ(payments.match.families, (std::vector<std::string>{"java-7", "schannel-win7"}));
  EXPECT_EQ(payments.match.ja4, (std::vector<std::string>{"t10d1310h1_a8d2b5cbd1b5_0aa7a8b4ac2b"}));
  EXPECT_EQ(payments.match.exceptions, (std::vector<std::string>{"payments-java7"}));
  EXPECT_EQ(payments.match.certificate_subjects,
            (std::vector<std::string>{"CN=pay-7,O=Example,C=DE"}));
  EXPECT_EQ(payments.where.line, 2);
  EXPECT_TRUE(directory.owners[1].contacts.empty());
}

// Every problem at once, each at its file:line:column, in file order.
TEST(OwnerDirectoryTest, EveryErrorIsNamedWithItsPosition) {
  const OwnerDirectoryParse parsed = parse_owner_directory(R"(owners:
  - name: payments
    colour: blue
    match:
      clients: [10.20.0.1/16]
      ja4: [nope]
      routes: ["api/"]
  - name: payments
    match: {}
  - name: unowned
    match: {families: [java-7]}
  - contacts: [a@example.com]
    match: {server_names: ["bad name"], widgets: 1}
  - name: lonely
  - {name: bad-subject, match: {certificate_subjects: [pos-7]}}
teams: []
)",
                                                           "owners.yaml");
  EXPECT_FALSE(parsed.directory);
  EXPECT_EQ(messages(parsed),
            (std::vector<std::string>{
                "owners.yaml:3:5: unknown key \"colour\" in an owner (expected: name, contacts, "
                "link, match)",
                "owners.yaml:5:17: clients: \"10.20.0.1/16\": host bits are set after the prefix "
                "length (write the network address)",
                "owners.yaml:6:13: ja4: \"nope\" is not a JA4 fingerprint "
                "(t13d1516h2_8daaf6152771_e5627efa2ab1)",
                "owners.yaml:7:16: routes: \"api/\": expected LISTENER or LISTENER/ROUTE",
                "owners.yaml:8:11: name: another owner is already called \"payments\"",
                "owners.yaml:9:12: match: expected a map of clients, server_names, routes, "
                "families, ja4, exceptions, certificate_subjects",
                "owners.yaml:10:11: name: \"unowned\" is what handshakes of no owner are called; "
                "choose another name",
                "owners.yaml:12:5: an owner needs a name",
                "owners.yaml:13:28: server_names: \"bad name\": expected a host name (letters, "
                "digits, '-' and '_' in dot-separated labels)",
                "owners.yaml:13:41: unknown key \"widgets\" in match (expected: clients, "
                "server_names, routes, families, ja4, exceptions, certificate_subjects)",
                "owners.yaml:14:5: owner \"lonely\" needs a match (clients, server_names, routes, "
                "families, ja4, exceptions or certificate_subjects)",
                "owners.yaml:15:56: certificate_subjects: \"pos-7\" is not a certificate subject "
                "(RFC 2253: \"CN=pos-7,O=Shop\")",
                "owners.yaml:16:1: unknown key \"teams\" (expected: owners)",
            }));
}

TEST(OwnerDirectoryTest, AFileThatCannotBeReadIsOneError) {
  const OwnerDirectoryParse parsed = load_owner_directory("/nonexistent/owners.yaml");
  EXPECT_FALSE(parsed.directory);
  EXPECT_EQ(messages(parsed), (std::vector<std::string>{
                                  "/nonexistent/owners.yaml:0:0: cannot read owners file: No such "
                                  "file or directory"}));
}

TEST(OwnerDirectoryTest, NotYamlOrNotAMapIsAnError) {
  EXPECT_EQ(messages(parse_owner_directory("owners: [\n", "o.yaml")).size(), 1u);
  EXPECT_EQ(messages(parse_owner_directory("- a\n", "o.yaml")),
            (std::vector<std::string>{
                "o.yaml:1:1: expected a map with an `owners` list at the top level"}));
}

}  // namespace
}  // namespace tlsfloor::config
