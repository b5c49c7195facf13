// The top-level `keyserver` section and `keyserver: true` on certificates.
#include <gtest/gtest.h>

#include "config/config_parser.h"

namespace tlsfloor::config {
namespace {

std::string with(const std::string& top, const std::string& certificate) {
  return top +
         "listeners:\n"
         "  - name: api\n"
         "    listen: 127.0.0.1:8443\n"
         "    upstream: {address: 127.0.0.1:8080}\n"
         "    certificates: [" +
         certificate + "]\n";
}

std::vector<std::string> errors_of(const ParseResult& parsed) {
  std::vector<std::string> out;
  for (const auto& error : parsed.errors) out.push_back(error.to_string());
  return out;
}

TEST(KeyServerSectionTest, ACertificateWhoseKeyTheKeyServerHolds) {
  const auto parsed =
      parse_config(with("keyserver: {socket: /run/tlsfloor-keyserver/keys.sock, timeout: 500ms}\n",
                        "{cert: a.crt, keyserver: true}, {cert: b.crt, key: b.key}"),
                   "t.yaml");
  ASSERT_TRUE(parsed.config) << errors_of(parsed).front();
  const Config& config = *parsed.config;
  ASSERT_TRUE(config.keyserver);
  EXPECT_EQ(config.keyserver->socket, "/run/tlsfloor-keyserver/keys.sock");
  EXPECT_EQ(config.keyserver->timeout, std::chrono::milliseconds(500));
  const auto& certificates = config.listeners[0].certificates;
  EXPECT_TRUE(certificates[0].keyserver);
  EXPECT_EQ(certificates[0].key_path, "");
  EXPECT_FALSE(certificates[1].keyserver);
  // The key file tlsfloor never reads is not watched either.
  EXPECT_EQ(config.reloadable_files(), (std::vector<std::string>{"a.crt", "b.crt", "b.key"}));
  // The TLS layer still checks the certificate.
  EXPECT_EQ(parsed.certificates.size(), 2u);
}

TEST(KeyServerSectionTest, TheDefaultTimeout) {
  const auto parsed = parse_config(
      with("keyserver: {socket: /k.sock}\n", "{cert: a.crt, keyserver: true}"), "t.yaml");
  ASSERT_TRUE(parsed.config);
  EXPECT_EQ(parsed.config->keyserver->timeout, std::chrono::seconds(2));
  EXPECT_FALSE(parse_config(with("", "{cert: a.crt, key: a.key}"), "t.yaml").config->keyserver);
}

TEST(KeyServerSectionTest, MistakesArePointedAt) {
  EXPECT_EQ(
      errors_of(parse_config(with("", "{cert: a.crt, keyserver: true}"), "t.yaml")),
      (std::vector<std::string>{
          "t.yaml:5:20: keyserver: true needs the top-level keyserver section (its socket)"}));
  EXPECT_EQ(errors_of(parse_config(with("keyserver: {socket: /k.sock}\n",
                                        "{cert: a.crt, key: a.key, keyserver: true}"),
                                   "t.yaml")),
            (std::vector<std::string>{
                "t.yaml:6:39: a certificate has a key file or keyserver: true, not both"}));
  EXPECT_EQ(
      errors_of(parse_config(with("keyserver: {socket: /k.sock}\n", "{cert: a.crt}"), "t.yaml")),
      (std::vector<std::string>{"t.yaml:6:20: missing required key \"key\" in certificate"}));
  EXPECT_EQ(errors_of(parse_config(with("keyserver: {socket: k.sock, timeout: 0s, x: 1}\n",
                                        "{cert: a.crt, keyserver: yes}"),
                                   "t.yaml")),
            (std::vector<std::string>{
                "t.yaml:1:21: keyserver socket must be an absolute path",
                "t.yaml:1:38: timeout must be greater than 0 (got \"0s\")",
                "t.yaml:1:42: unknown key \"x\" in keyserver (expected one of: socket, timeout)",
                // An unreadable flag is not `true`: the key file is then required.
                "t.yaml:6:20: missing required key \"key\" in certificate",
                "t.yaml:6:45: invalid keyserver \"yes\" (expected true or false)"}));
}

}  // namespace
}  // namespace tlsfloor::config
