// access_log.schema through the real proxy: the same handshakes logged under tlsfloor's, ECS's and
// OpenTelemetry's names give the same report; deploy/logs/'s Vector and OpenTelemetry Collector
// configurations read what they need from those very lines (tests/deploy/check_log_pipelines.py).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "tests/integration/binaries.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

const std::string kSource = TLSFLOOR_SOURCE_DIR;

class LogSchemaTest : public testing::Test {
 protected:
  // One proxy logging with `schema`: a client at TLS 1.0 and again at TLS 1.1 (let in: observe,
  // a TLS 1.2 floor), another at TLS 1.3.
  std::string log_with(const std::string& schema) {
    const std::string path = (dir_.path() / (schema + ".log")).string();
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "rsa", {"api.test"}, KeyType::rsa_2048)};
    spec.mode = "observe";
    RunningProxy proxy(
        proxy_yaml({spec}, "5s", "access_log: {path: \"" + path + "\", schema: " + schema + "}\n"));
    for (const auto& [source, version] :
         {std::pair{"127.0.0.2", TLS1_VERSION}, std::pair{"127.0.0.3", TLS1_3_VERSION},
          std::pair{"127.0.0.2", TLS1_1_VERSION}}) {
      ClientOptions options;
      options.source = source;
      options.min_version = options.max_version = version;
      options.server_name = "api.test";
      TlsClient client(proxy.port(), options);
      EXPECT_TRUE(client.handshake()) << source;
    }
    proxy.stop();  // every line is written
    return path;
  }
  static json report(const std::string& log) {
    const auto result = run_command({kBinary, "report", "--log", log, "--format", "json"});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return json::parse(result.output.substr(result.output.find('{')));
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
};

TEST_F(LogSchemaTest, EverySchemaGivesTheSameReportAndFeedsThePipelines) {
  const std::string own = log_with("tlsfloor");
  const std::string ecs = log_with("ecs");
  const std::string otel = log_with("otel");
  {
    std::ifstream in(ecs);
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    const json first = json::parse(line);
    EXPECT_EQ(first["tls"]["version"], "1.0") << line;
    EXPECT_EQ(first["client"]["ip"], "127.0.0.2") << line;
    EXPECT_EQ(first["tlsfloor"]["decision"], "would_reject") << line;
  }
  const json expected = report(own);
  ASSERT_EQ(expected["totals"]["handshakes"], 3) << expected;
  ASSERT_EQ(expected["totals"]["affected"], 2) << expected;
  for (const std::string& log : {ecs, otel}) {
    SCOPED_TRACE(log);
    const json got = report(log);
    EXPECT_EQ(got["totals"]["handshakes"], expected["totals"]["handshakes"]);
    EXPECT_EQ(got["totals"]["affected"], expected["totals"]["affected"]);
    EXPECT_EQ(got["totals"]["malformed_lines"], 0);
    const json& rows = got["clients"]["rows"];
    ASSERT_EQ(rows.size(), expected["clients"]["rows"].size()) << got;
    ASSERT_EQ(rows.size(), 1u) << "127.0.0.2, with its TLS 1.0 and TLS 1.1 handshakes";
    for (const char* key : {"client", "today", "affected", "listeners", "routes", "sni", "ja4",
                            "families", "owners", "failures", "certificates"}) {
      EXPECT_EQ(rows[0][key], expected["clients"]["rows"][0][key]) << key;
    }
    EXPECT_EQ(got["fingerprints"]["total"], expected["fingerprints"]["total"]);
  }
  const auto checked = run_command({"python3", kSource + "/tests/deploy/check_log_pipelines.py",
                                    kSource + "/deploy/logs", ecs, otel});
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("log pipelines: 0 problem(s)"), std::string::npos)
      << checked.output;
}

}  // namespace
}  // namespace tlsfloor::test
