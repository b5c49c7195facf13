// testssl.sh (Debian's package) as the judge of what a listener offers: the scanner operators
// run for compliance, run here against the real proxy with an RSA certificate. With the
// defaults it must find no SWEET32, a server cipher order and no static-RSA suite; the same
// listener offering every suite BoringSSL has is the control that shows the scan can fail.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "tests/integration/proxy_config.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

class TestsslTest : public testing::Test {
 protected:
  // testssl.sh's findings by id ("SWEET32" -> {"severity": "OK", "finding": ...}) for a listener
  // with an RSA certificate and `tls_extra`.
  std::map<std::string, json> scan(const std::string& tls_extra) {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "rsa", {"api.test"}, KeyType::rsa_2048)};
    spec.tls_extra = tls_extra;
    RunningProxy proxy(proxy_yaml({spec}));
    const std::string report = (dir_.path() / ("testssl" + std::to_string(++scans_) + ".json"));
    // --sweet32: 64-bit block ciphers; -P: the server's preferences and its order per version.
    const auto result =
        run_command({"testssl", "--quiet", "--color", "0", "--warnings", "off", "--sweet32", "-P",
                     "--jsonfile", report, "127.0.0.1:" + std::to_string(proxy.port())});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    std::map<std::string, json> findings;
    std::ifstream in(report);
    if (!in) {
      ADD_FAILURE() << "testssl.sh wrote no report:\n" << result.output;
      return findings;
    }
    for (const json& entry : json::parse(in)) findings[entry["id"]] = entry;
    return findings;
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
  int scans_ = 0;
};

// Static-RSA suites in OpenSSL's names (testssl.sh's): no ECDHE/DHE prefix.
bool has_static_rsa(const std::string& order) {
  std::istringstream words(order);
  for (std::string suite; words >> suite;) {
    if (suite.rfind("ECDHE-", 0) != 0 && suite.rfind("DHE-", 0) != 0) return true;
  }
  return false;
}

TEST_F(TestsslTest, TheDefaultsPassTheScan) {
  auto findings = scan("");
  EXPECT_EQ(findings["SWEET32"]["severity"], "OK") << findings["SWEET32"];
  EXPECT_EQ(findings["SWEET32"]["finding"], "not vulnerable");
  EXPECT_EQ(findings["cipher_order"]["severity"], "OK") << findings["cipher_order"];
  EXPECT_EQ(findings["cipher_order"]["finding"].get<std::string>().rfind("server", 0), 0u)
      << findings["cipher_order"];
  const std::string order = findings["cipherorder_TLSv1_2"]["finding"].get<std::string>();
  EXPECT_EQ(order,
            "ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 "
            "ECDHE-RSA-CHACHA20-POLY1305 ECDHE-RSA-AES128-SHA ECDHE-RSA-AES256-SHA");
  EXPECT_FALSE(has_static_rsa(order)) << order;
}

TEST_F(TestsslTest, EverySuiteFailsTheScanAsTheControl) {
  auto findings = scan("ciphers: ALL");
  EXPECT_EQ(findings["SWEET32"]["severity"], "LOW") << findings["SWEET32"];
  EXPECT_EQ(findings["SWEET32"]["finding"], "uses 64 bit block ciphers");
  EXPECT_TRUE(has_static_rsa(findings["cipherorder_TLSv1_2"]["finding"].get<std::string>()))
      << findings["cipherorder_TLSv1_2"];
}

}  // namespace
}  // namespace tlsfloor::test
