#include "config/config_changes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/config/parsed_config.h"

namespace tlsfloor::config {
namespace {

using Strings = std::vector<std::string>;

std::string listener(const std::string& name, const std::string& more = "") {
  return "  - name: " + name +
         "\n    listen: 127.0.0.1:8443\n    upstream: {address: 127.0.0.1:8080}\n"
         "    certificates: [{cert: c.crt, key: c.key}]\n" +
         more;
}

TEST(ConfigChangesTest, SaysWhatAReloadDoesToEnforcement) {
  const Config before =
      parsed("listeners:\n" +
             listener("api",
                      "    enforcement: {mode: observe}\n"
                      "    exceptions: [{name: old-pos, clients: [10.0.0.0/8], "
                      "expires: 2027-01-01T00:00:00Z}]\n"
                      "    routes: [{name: shop, server_names: [shop.test]}]\n") +
             "  - name: gone\n    listen: 127.0.0.1:9443\n    upstream: {address: 127.0.0.1:8080}\n"
             "    certificates: [{cert: c.crt, key: c.key}]\n");
  const Config after =
      parsed("listeners:\n" + listener("api",
                                       "    tls: {min_version: TLS1.3}\n"
                                       "    enforcement: {mode: enforce}\n"
                                       "    exceptions: [{name: batch, clients: [192.0.2.1], "
                                       "expires: 2027-02-01T00:00:00Z}]\n"
                                       "    routes: [{name: pos, server_names: [pos.test]}]\n"));
  EXPECT_EQ(describe_changes(before, after),
            (Strings{"listener api route default: min_version TLS1.2 -> TLS1.3",
                     "listener api route default: mode observe -> enforce",
                     "listener api route default: cipher_mode observe -> enforce",
                     "listener api route default: groups_mode observe -> enforce",
                     "listener api route default: exception batch added (until "
                     "2027-02-01T00:00:00.000Z)",
                     "listener api route default: exception old-pos removed",
                     "listener api: route pos added", "listener api: route shop removed",
                     "listener gone removed"}));
}

TEST(ConfigChangesTest, SaysWhereAReloadSendsEachAlpnProtocol) {
  const Config before = parsed("listeners:\n" + listener("api",
                                                         "    routes: [{name: shop, "
                                                         "server_names: [shop.test]}]\n"));
  const Config after =
      parsed("listeners:\n" +
             listener("api",
                      "    upstream_by_alpn: {h2: {address: 127.0.0.1:8082}}\n"
                      "    routes: [{name: shop, server_names: [shop.test], upstream_by_alpn: "
                      "{h2: {address: 127.0.0.1:9002}, http/1.1: {address: 127.0.0.1:9001}}}]\n"));
  EXPECT_EQ(describe_changes(before, after),
            (Strings{"listener api route default: upstream_by_alpn none -> {h2: 127.0.0.1:8082}",
                     "listener api route shop: upstream_by_alpn none -> {h2: 127.0.0.1:9002, "
                     "http/1.1: 127.0.0.1:9001}"}));
  EXPECT_EQ(describe_changes(after, before),
            (Strings{"listener api route default: upstream_by_alpn {h2: 127.0.0.1:8082} -> none",
                     "listener api route shop: upstream_by_alpn {h2: 127.0.0.1:9002, http/1.1: "
                     "127.0.0.1:9001} -> none"}));
  EXPECT_TRUE(describe_changes(after, after).empty());
}

TEST(ConfigChangesTest, SaysWhatAReloadDoesToTheKeyExchangeFloor) {
  const Config before = parsed("listeners:\n" + listener("api"));
  const Config after =
      parsed("listeners:\n" + listener("api",
                                       "    tls: {groups: [P-384]}\n"
                                       "    enforcement: {groups_mode: observe}\n"));
  EXPECT_EQ(describe_changes(before, after),
            (Strings{"listener api route default: groups_mode enforce -> observe",
                     "listener api route default: groups X25519:P-256:P-384 -> P-384"}));
}

TEST(ConfigChangesTest, NothingToSayWhenTheJudgementIsTheSame) {
  const std::string yaml = "listeners:\n" + listener("api");
  EXPECT_EQ(describe_changes(parsed(yaml), parsed(yaml)), Strings{});
  // A new listener is said with its address.
  EXPECT_EQ(describe_changes(parsed(yaml), parsed(yaml + "  - name: web\n    listen: "
                                                         "127.0.0.1:9443\n    upstream: "
                                                         "{address: 127.0.0.1:8080}\n    "
                                                         "certificates: [{cert: c.crt, key: "
                                                         "c.key}]\n")),
            Strings{"listener web added on 127.0.0.1:9443"});
}

// A reload that moves a deadline says what is now planned, step by step.
TEST(ConfigChangesTest, SaysWhatAReloadDoesToASchedule) {
  const auto with = [](const std::string& schedule) {
    return parsed("listeners:\n" +
                  listener("api", "    enforcement: {mode: observe" + schedule + "}\n"));
  };
  const Config none = with("");
  const Config planned = with(
      ", schedule: [{at: 2027-01-01T00:00:00Z, mode: brownout, brownout: {every: {period: 1h, "
      "duration: 10m}}}, {at: 2027-01-15T00:00:00Z, mode: enforce}]");
  const Config postponed = with(
      ", schedule: [{at: 2027-01-01T00:00:00Z, mode: brownout, brownout: {every: {period: 1h, "
      "duration: 10m}}}, {at: 2027-02-15T00:00:00Z, mode: enforce}]");
  EXPECT_EQ(describe_changes(none, planned),
            (Strings{"listener api route default: schedule added: 2027-01-01T00:00:00.000Z mode "
                     "brownout, cipher_mode brownout, brownout every 1h for 10m; "
                     "2027-01-15T00:00:00.000Z mode enforce, cipher_mode enforce"}));
  EXPECT_EQ(describe_changes(planned, postponed),
            (Strings{"listener api route default: schedule changed: 2027-01-01T00:00:00.000Z "
                     "mode brownout, cipher_mode brownout, brownout every 1h for 10m; "
                     "2027-02-15T00:00:00.000Z mode enforce, cipher_mode enforce"}));
  EXPECT_EQ(describe_changes(postponed, none),
            (Strings{"listener api route default: schedule removed"}));
  EXPECT_EQ(describe_changes(planned, planned), Strings{});
}

}  // namespace
}  // namespace tlsfloor::config
