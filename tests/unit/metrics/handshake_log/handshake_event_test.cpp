#include "metrics/handshake_log/handshake_event.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/metrics/handshake_log/sample_event.h"

namespace tlsfloor::handshake_log {
namespace {

using namespace std::chrono;

TEST(HandshakeEvent, NamesTheBalancerAClientCameThrough) {
  HandshakeEvent event = accepted_event();
  event.balancer = "10.0.0.5:40000";
  event.vpce_id = "vpce-08d2bf15fac5001c9";
  const std::string line = to_json_line(event);
  EXPECT_NE(line.find(R"("client_port":51234,"balancer":"10.0.0.5:40000",)"
                      R"("vpce_id":"vpce-08d2bf15fac5001c9",)"),
            std::string::npos)
      << line;
}

TEST(HandshakeEvent, IsOneJsonLineWithEveryKeyInOrder) {
  EXPECT_EQ(to_json_line(accepted_event()),
            R"({"time":"2026-11-22T10:04:05.123Z","host":"edge-1","listener":"api","route":"shop",)"
            R"("client":"192.0.2.10",)"
            R"("client_port":51234,"balancer":null,"vpce_id":null,)"
            R"("offered_versions":["TLS1.3","TLS1.2"],)"
            R"("highest_offered":"TLS1.3","negotiated_version":"TLS1.3",)"
            R"("cipher":"TLS_AES_128_GCM_SHA256","group":"X25519",)"
            R"("offered_ciphers":["1301","c02f","000a"],)"
            R"("offered_groups":["X25519MLKEM768","X25519","P-256"],"offered_groups_total":3,)"
            R"("key_share_groups":["X25519MLKEM768","X25519"],"key_shares_total":2,)"
            R"("pq_offered":true,)"
            R"("sni":"api.example.com",)"
            R"("alpn":["h2","http/1.1"],"alpn_offered":2,"alpn_selected":"h2",)"
            R"("certificate":"EC256","upstream_version":null,"upstream_cipher":null,)"
            R"("ja3":"0123456789abcdef0123456789abcdef",)"
            R"("ja4":"t13d1516h2_8daaf6152771_02713d6af862","family":"chromium",)"
            R"("family_confidence":0.88,"owner":null,"outcome":"accepted",)"
            R"("legacy":false,"below":[],"decision":"allowed","refused_by":null,)"
            R"("reason":"offers TLS1.3","failure":null,"resumed":false,"client_certificate":null})"
            "\n");
}

TEST(HandshakeEvent, SaysEveryFloorARefusedClientIsUnderAndWhyItFailed) {
  HandshakeEvent event = accepted_event();
  event.negotiated_version = 0;
  event.cipher.clear();
  event.certificate.clear();
  event.outcome = "rejected";
  event.legacy = true;
  event.below_version = true;
  event.below_ciphers = true;
  event.decision = "rejected";
  event.refused_by = "ciphers";
  event.failure = "no_shared_cipher";
  const auto line = nlohmann::json::parse(to_json_line(event));
  EXPECT_EQ(line["below"], nlohmann::json::parse(R"(["version","ciphers"])"));
  EXPECT_EQ(line["refused_by"], "ciphers");
  EXPECT_EQ(line["failure"], "no_shared_cipher");
  EXPECT_TRUE(line["certificate"].is_null()) << "no certificate was shown";
}

TEST(HandshakeEvent, NamesTheKeyExchangeFloorAndUnknownGroupsInHex) {
  HandshakeEvent event = accepted_event();
  event.negotiated_version = 0;
  event.group = 0;
  event.offered_groups = {0x11ee, 0x0019};
  event.groups_offered = 40;  // a stuffed hello: the first ones kept, all counted
  event.pq_offered = false;
  event.outcome = "rejected";
  event.legacy = true;
  event.below_groups = true;
  event.decision = "rejected";
  event.refused_by = "groups";
  event.failure = "no_shared_group";
  const auto line = nlohmann::json::parse(to_json_line(event));
  EXPECT_TRUE(line["group"].is_null());
  EXPECT_EQ(line["offered_groups"], nlohmann::json::parse(R"(["0x11ee","P-521"])"));
  EXPECT_EQ(line["offered_groups_total"], 40);
  EXPECT_EQ(line["below"], nlohmann::json::parse(R"(["groups"])"));
  EXPECT_EQ(line["refused_by"], "groups");
}

TEST(HandshakeEvent, NamesWhatTheUpstreamNegotiated) {
  HandshakeEvent event = accepted_event();
  event.upstream_version = 0x0301;
  event.upstream_cipher = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA";
  const std::string line = to_json_line(event);
  EXPECT_NE(line.find(R"("certificate":"EC256","upstream_version":"TLS1.0",)"
                      R"("upstream_cipher":"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA","ja3")"),
            std::string::npos)
      << line;
}

TEST(HandshakeEvent, AbsentValuesAreNullAndUnknownVersionsHex) {
  HandshakeEvent event = accepted_event();
  event.offered_versions = {0x7f1c, 0x0301};
  event.highest_offered = 0x0301;
  event.negotiated_version = 0;
  event.cipher.clear();
  event.server_name.clear();
  event.alpn.clear();
  event.outcome = "rejected";
  event.legacy = true;
  event.decision = "rejected";
  const auto line = nlohmann::json::parse(to_json_line(event));
  EXPECT_EQ(line["offered_versions"], nlohmann::json::parse(R"(["0x7f1c","TLS1.0"])"));
  EXPECT_EQ(line["highest_offered"], "TLS1.0");
  EXPECT_TRUE(line["negotiated_version"].is_null());
  EXPECT_TRUE(line["cipher"].is_null());
  EXPECT_TRUE(line["sni"].is_null());
  EXPECT_EQ(line["alpn"], nlohmann::json::array());
  EXPECT_EQ(line["legacy"], true);
}

TEST(HandshakeEvent, ClientControlledBytesCannotBreakTheLine) {
  HandshakeEvent event = accepted_event();
  event.server_name = "evil\"\n\x01.example";
  event.alpn = {std::string("h2\xff\xfe", 4)};  // not UTF-8
  const std::string text = to_json_line(event);
  EXPECT_EQ(text.find('\n'), text.size() - 1);  // exactly one line
  const auto line = nlohmann::json::parse(text);
  EXPECT_EQ(line["sni"], "evil\"\n\x01.example");
  EXPECT_EQ(line["alpn"][0], "h2\xef\xbf\xbd\xef\xbf\xbd");  // U+FFFD twice
}

}  // namespace
}  // namespace tlsfloor::handshake_log
