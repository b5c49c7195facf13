// access_log.schema: the same facts under ECS's and OpenTelemetry's names, read back by the report
// as the line they were made from; every name documented in the README.
#include "metrics/log_schema/log_schema.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "metrics/handshake_log/handshake_event.h"
#include "metrics/report/log_line.h"
#include "metrics/report/log_line_fast.h"
#include "tests/unit/metrics/handshake_log/sample_event.h"

namespace tlsfloor::log_schema {
namespace {

using namespace std::chrono;
using handshake_log::HandshakeEvent;
using nlohmann::json;

// A legacy client behind a balancer, refused, with a client certificate, and a modern one.
std::vector<HandshakeEvent> events() {
  // The line writer's event, with what the schemas' tests look at set apart from it.
  HandshakeEvent modern = handshake_log::accepted_event();
  modern.time = sys_days{year{2026} / 11 / 22} + hours{10} + milliseconds{123};
  modern.client_address = "2001:db8::7";
  modern.balancer = "[fd00::5]:443";
  modern.offered_ciphers = {0x1301, 0xc02f, 0x0a0a};
  modern.group = 0x0017;
  modern.family_confidence = 0.88;
  modern.owner = "payments";
  modern.reason = "meets_floor";
  modern.resumed = true;
  HandshakeEvent legacy = modern;
  legacy.client_address = "192.0.2.10";
  legacy.balancer = "10.0.0.2:40000";
  legacy.offered_versions = {0x0301};
  legacy.highest_offered = 0x0301;
  legacy.negotiated_version = 0;
  legacy.cipher = "";
  legacy.group = 0;
  legacy.offered_groups = {0x0017, 0x0018};
  legacy.key_share_groups = {};
  legacy.pq_offered = false;
  legacy.server_name = "";
  legacy.alpn_selected = "";
  legacy.outcome = "rejected";
  legacy.legacy = true;
  legacy.below_version = true;
  legacy.decision = "rejected";
  legacy.refused_by = "version";
  legacy.reason = "below_floor_enforced";
  legacy.failure = "unsupported_version";
  legacy.resumed = false;
  legacy.client_certificate = HandshakeEvent::ClientCertificate{
      "verified", "CN=batch,O=Example", "CN=Example CA",
      "0A1B",     std::string(64, 'a'), sys_days{year{2027} / 1 / 1}};
  return {modern, legacy};
}

TEST(LogSchemaTest, EcsNamesTheFactsAsElasticDoes) {
  const json line = json::parse(handshake_log::to_json_line(events()[1], LogSchema::ecs));
  EXPECT_EQ(line["@timestamp"], "2026-11-22T10:00:00.123Z");
  EXPECT_EQ(line["ecs"]["version"], std::string(kEcsVersion));
  EXPECT_EQ(line["event"]["outcome"], "failure");
  EXPECT_EQ(line["event"]["category"], json::array({"network"}));
  EXPECT_EQ(line["client"]["ip"], "192.0.2.10");
  EXPECT_EQ(line["client"]["address"], "192.0.2.10");
  EXPECT_EQ(line["client"]["port"], 51234);
  EXPECT_EQ(line["source"]["ip"], "10.0.0.2");
  EXPECT_EQ(line["source"]["port"], 40000);
  EXPECT_EQ(line["host"]["name"], "edge-1");
  EXPECT_EQ(line["tls"]["established"], false);
  EXPECT_EQ(line["tls"]["version"], nullptr);
  EXPECT_EQ(line["tls"]["client"]["supported_ciphers"],
            json::array({"0x1301", "0xc02f", "0x0a0a"}));
  EXPECT_EQ(line["tls"]["client"]["ja3"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(line["tlsfloor"]["ja4"], "t13d1516h2_8daaf6152771_02713d6af862");
  EXPECT_EQ(line["tlsfloor"]["decision"], "rejected");
  EXPECT_EQ(line["tlsfloor"]["below"], json::array({"version"}));
  EXPECT_EQ(line["tlsfloor"]["client_certificate"]["subject"], "CN=batch,O=Example");
  EXPECT_FALSE(line.contains("time")) << "no tlsfloor name is left at the top";
  const json modern = json::parse(handshake_log::to_json_line(events()[0], LogSchema::ecs));
  EXPECT_EQ(modern["tls"]["version_protocol"], "tls");
  EXPECT_EQ(modern["tls"]["version"], "1.3");
  EXPECT_EQ(modern["tls"]["cipher"], "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(modern["tls"]["curve"], "secp256r1");
  EXPECT_EQ(modern["tls"]["resumed"], true);
  EXPECT_EQ(modern["tls"]["established"], true);
  EXPECT_EQ(modern["tls"]["next_protocol"], "h2");
  EXPECT_EQ(modern["tls"]["client"]["server_name"], "api.example.com");
  EXPECT_EQ(modern["event"]["outcome"], "success");
}

TEST(LogSchemaTest, OpenTelemetryNamesAreFlatAttributes) {
  const json modern = json::parse(handshake_log::to_json_line(events()[0], LogSchema::otel));
  EXPECT_EQ(modern["timestamp"], "2026-11-22T10:00:00.123Z");
  EXPECT_EQ(modern["tls.protocol.name"], "tls");
  EXPECT_EQ(modern["tls.protocol.version"], "1.3");
  EXPECT_EQ(modern["tls.cipher"], "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(modern["tls.curve"], "secp256r1");
  EXPECT_EQ(modern["tls.established"], true);
  EXPECT_EQ(modern["tls.resumed"], true);
  EXPECT_EQ(modern["tls.next_protocol"], "h2");
  EXPECT_EQ(modern["tls.client.ja3"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(modern["server.address"], "api.example.com");
  EXPECT_EQ(modern["client.address"], "2001:db8::7");
  EXPECT_EQ(modern["client.port"], 51234);
  EXPECT_EQ(modern["host.name"], "edge-1");
  EXPECT_EQ(modern["tlsfloor.listener"], "api");
  EXPECT_EQ(modern["tlsfloor.owner"], "payments");
  EXPECT_EQ(modern["event.name"], "tlsfloor.handshake");
  const json legacy = json::parse(handshake_log::to_json_line(events()[1], LogSchema::otel));
  EXPECT_EQ(legacy["network.peer.address"], "10.0.0.2");
  EXPECT_EQ(legacy["network.peer.port"], 40000);
  for (const auto& [key, value] : legacy.items()) {
    EXPECT_FALSE(value.is_object() && key != "tlsfloor.client_certificate") << key;
  }
}

// The report reads a line of each schema as the same record, by either reader.
TEST(LogSchemaTest, TheReportReadsEverySchemaAsTheSameHandshake) {
  report::FastLineParser fast;
  for (const HandshakeEvent& event : events()) {
    std::string own = handshake_log::to_json_line(event);
    own.pop_back();
    const report::ParsedLine expected = report::parse_handshake_line(own);
    ASSERT_TRUE(expected.record) << expected.error;
    for (LogSchema schema : {LogSchema::ecs, LogSchema::otel}) {
      SCOPED_TRACE(std::string(config::to_string(schema)));
      std::string line = handshake_log::to_json_line(event, schema);
      line.pop_back();
      for (const report::ParsedLine& read :
           {report::parse_handshake_line(line), fast.parse(line)}) {
        ASSERT_TRUE(read.record) << read.error << "\n" << line;
        const report::HandshakeRecord& got = *read.record;
        const report::HandshakeRecord& want = *expected.record;
        EXPECT_EQ(got.time, want.time);
        EXPECT_EQ(got.host, want.host);
        EXPECT_EQ(got.listener, want.listener);
        EXPECT_EQ(got.route, want.route);
        EXPECT_EQ(got.client, want.client);
        EXPECT_EQ(got.highest_offered, want.highest_offered);
        EXPECT_EQ(got.server_name, want.server_name);
        EXPECT_EQ(got.ja4, want.ja4);
        EXPECT_EQ(got.offered_ciphers, want.offered_ciphers);
        EXPECT_EQ(got.decision, want.decision);
        EXPECT_EQ(got.failed, want.failed);
        EXPECT_EQ(got.failure, want.failure);
        EXPECT_EQ(got.family, want.family);
        EXPECT_EQ(got.owner, want.owner);
        EXPECT_EQ(got.certificate_subject, want.certificate_subject);
        EXPECT_EQ(got.offered_groups, want.offered_groups);
        EXPECT_EQ(got.key_share_groups, want.key_share_groups);
        EXPECT_EQ(got.pq_offered, want.pq_offered);
        EXPECT_EQ(got.negotiated_version, want.negotiated_version);
        EXPECT_EQ(got.cipher, want.cipher);
        EXPECT_EQ(got.group, want.group);
        EXPECT_EQ(got.certificate, want.certificate);
      }
      // And the line turned back is the tlsfloor line, key for key.
      EXPECT_EQ(to_tlsfloor(json::parse(line), schema_of(json::parse(line))), json::parse(own));
    }
  }
}

// The README's table of the schemas names every fact: each standard name as it is, tlsfloor's
// own facts once by their key (in the row that puts them under `tlsfloor.`).
TEST(LogSchemaTest, EveryNameIsInTheReadme) {
  std::ifstream file(std::string(TLSFLOOR_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << file.rdbuf();
  const std::string readme = text.str();
  const std::size_t begin = readme.find("#### Log schemas: ECS and OpenTelemetry");
  ASSERT_NE(begin, std::string::npos);
  const std::string section = readme.substr(begin, readme.find("\n### ", begin) - begin);
  const std::size_t own_row = section.find("`tlsfloor.` and the same name");
  ASSERT_NE(own_row, std::string::npos);
  const std::string own = section.substr(section.rfind("\n|", own_row));
  for (const FieldNames& names : field_names()) {
    for (std::string_view list : {names.tlsfloor, names.ecs, names.otel}) {
      while (!list.empty()) {
        const std::size_t comma = list.find(',');
        std::string_view name = list.substr(0, comma);
        while (name.starts_with(' ')) name.remove_prefix(1);
        if (name.starts_with("tlsfloor.")) {
          name.remove_prefix(9);
          EXPECT_NE(own.find("`" + std::string(name) + "`"), std::string::npos) << name;
        } else {
          EXPECT_NE(section.find("`" + std::string(name) + "`"), std::string::npos) << name;
        }
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    }
  }
}

}  // namespace
}  // namespace tlsfloor::log_schema
