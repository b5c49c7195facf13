#include "proxy/keyserver/keyserver_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace tlsfloor::keyserver {
namespace {

TEST(KeyServerConfigTest, AFullConfiguration) {
  const auto parsed = parse_keyserver_config(
      "socket: /run/tlsfloor-keyserver/keys.sock\n"
      "socket_mode: \"0660\"\n"
      "socket_group: \"0\"\n"
      "allowed_uids: [root, 1001]\n"
      "allowed_gids: [\"0\"]\n"
      "threads: 2\n"
      "max_connections: 8\n"
      "max_in_flight: 100\n"
      "pkcs11: { module: /usr/lib/softhsm/libsofthsm2.so }\n"
      "keys:\n"
      "  - { name: api, file: keys/api.key, decrypt: true }\n"
      "  - { name: hsm, pkcs11: \"pkcs11:token=t;object=o;type=private\" }\n",
      "/etc/tlsfloor/keyserver.yaml");
  ASSERT_TRUE(parsed.config) << parsed.errors.front().to_string();
  const KeyServerConfig& config = *parsed.config;
  EXPECT_EQ(config.socket, "/run/tlsfloor-keyserver/keys.sock");
  EXPECT_EQ(config.socket_mode, 0660u);
  EXPECT_EQ(config.socket_group, 0u);
  EXPECT_EQ(config.allowed_uids, (std::vector<uid_t>{0, 1001}));
  EXPECT_EQ(config.allowed_gids, (std::vector<gid_t>{0}));
  EXPECT_EQ(config.threads, 2u);
  EXPECT_EQ(config.max_connections, 8u);
  EXPECT_EQ(config.max_in_flight, 100u);
  EXPECT_EQ(config.pkcs11_module, "/usr/lib/softhsm/libsofthsm2.so");
  ASSERT_EQ(config.keys.size(), 2u);
  EXPECT_EQ(config.keys[0].file, "/etc/tlsfloor/keys/api.key");  // relative to the file
  EXPECT_TRUE(config.keys[0].decrypt);
  EXPECT_EQ(config.keys[1].pkcs11_uri, "pkcs11:token=t;object=o;type=private");
  EXPECT_FALSE(config.keys[1].decrypt);  // denied unless said
}

TEST(KeyServerConfigTest, DefaultsAreNarrow) {
  const auto parsed = parse_keyserver_config("socket: /s\nkeys: [{name: k, file: /k}]\n", "k.yaml");
  ASSERT_TRUE(parsed.config);
  EXPECT_EQ(parsed.config->socket_mode, 0600u);  // only the key server's own user
  EXPECT_TRUE(parsed.config->allowed_uids.empty());
  EXPECT_TRUE(parsed.config->allowed_gids.empty());
  EXPECT_EQ(parsed.config->max_in_flight, 256u);
}

TEST(KeyServerConfigTest, EveryErrorIsReportedWithItsPosition) {
  const auto parsed = parse_keyserver_config(
      "socket: relative.sock\n"
      "socket_mode: \"0666\"\n"
      "allowed_uids: [no-such-user-here]\n"
      "max_in_flight: 0\n"
      "extra: 1\n"
      "keys:\n"
      "  - { name: a, file: a.key, pkcs11: \"pkcs11:x\" }\n"
      "  - { name: a, file: b.key, decrypt: yes }\n"
      "  - { file: c.key }\n",
      "k.yaml");
  ASSERT_FALSE(parsed.config);
  std::vector<std::string> errors;
  for (const auto& error : parsed.errors) errors.push_back(error.to_string());
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                "k.yaml:1:9: socket must be an absolute path (tlsfloor names the same path)",
                "k.yaml:2:14: socket_mode \"0666\" lets every user connect: use a group "
                "(socket_group, 0660)",
                "k.yaml:3:16: unknown user \"no-such-user-here\" in allowed_uids",
                "k.yaml:4:16: invalid max_in_flight \"0\" (expected an integer from 1 to "
                "65536)",
                "k.yaml:5:1: unknown key \"extra\" at the top level (expected one of: "
                "socket, socket_mode, socket_group, allowed_uids, allowed_gids, threads, "
                "max_connections, max_in_flight, pkcs11, keys)",
                "k.yaml:7:5: a key needs exactly one of file and pkcs11",
                "k.yaml:8:13: duplicate key name \"a\"",
                "k.yaml:8:38: invalid decrypt \"yes\" (expected true or false)",
                "k.yaml:9:5: missing required key \"name\" in a key",
            }));
}

TEST(KeyServerConfigTest, AMissingFileIsOneError) {
  const auto parsed = load_keyserver_config("/nonexistent/keyserver.yaml");
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_EQ(parsed.errors[0].where.line, 0);
}

}  // namespace
}  // namespace tlsfloor::keyserver
