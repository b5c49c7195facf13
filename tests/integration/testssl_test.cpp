// testssl.sh (Debian's package) as the judge of what a listener offers: the scanner operators
// run for compliance, run here against the real proxy with an RSA certificate. With the
// defaults it must find no SWEET32, a server cipher order and no static-RSA suite; the same
// listener offering every suite BoringSSL has is the control that shows the scan can fail. A
// listener that answers refused clients over HTTP (on_reject: http) completes their handshakes
// only through its floor's suites, so the scan finds no SWEET32 there either, and no TLS 1.0 or
// 1.1 when the floor's suites are TLS 1.2 ones.
//
// Each tls.profile, scanned with nothing but the profile written, offers exactly that profile:
// its versions, its suites for an RSA certificate in its order, and its groups.
//
// The scans are heavy (hundreds of handshakes each): ctest runs them one at a time (the
// `testssl` resource lock in tests/CMakeLists.txt) with a limit sized for a slow, loaded machine,
// and testssl.sh makes no DNS look-ups (--nodns none), which a sandbox may answer slowly.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "config/named_group.h"
#include "config/tls_profile.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

// A scan takes about 20 s on an idle 2-core machine against the optimised build; the sanitized
// build on a busy machine takes several times that.
constexpr std::chrono::seconds kScanLimit{600};

class TestsslTest : public testing::Test {
 protected:
  // testssl.sh's findings by id ("SWEET32" -> {"severity": "OK", "finding": ...}) for a listener
  // with an RSA certificate, `tls_extra` and `enforcement_extra`, scanned with `checks`.
  std::map<std::string, json> scan(const std::string& tls_extra,
                                   const std::vector<std::string>& checks,
                                   const std::string& enforcement_extra = "",
                                   bool versions = true) {
    ListenerSpec spec;
    if (!versions) spec.min_version.clear();
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "rsa", {"api.test"}, KeyType::rsa_2048)};
    spec.tls_extra = tls_extra;
    spec.enforcement_extra = enforcement_extra;
    RunningProxy proxy(proxy_yaml({spec}));
    const std::string report = (dir_.path() / ("testssl" + std::to_string(++scans_) + ".json"));
    std::vector<std::string> argv = {"testssl", "--quiet", "--color", "0",          "--warnings",
                                     "off",     "--nodns", "none",    "--jsonfile", report};
    argv.insert(argv.end(), checks.begin(), checks.end());
    argv.push_back("127.0.0.1:" + std::to_string(proxy.port()));
    const auto result = run_command(argv, kScanLimit);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    std::map<std::string, json> findings;
    std::ifstream in(report);
    if (!in) {
      ADD_FAILURE() << "testssl.sh wrote no report:\n" << result.output;
      return findings;
    }
    try {
      for (const json& entry : json::parse(in)) findings[entry["id"]] = entry;
    } catch (const json::exception& e) {
      ADD_FAILURE() << "testssl.sh's report is not JSON (" << e.what() << "):\n" << result.output;
    }
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

// --sweet32: 64-bit block ciphers; -P: the server's preferences and its order per version;
// -p: the protocols offered.
const std::vector<std::string> kPreferences = {"--sweet32", "-P"};
const std::vector<std::string> kProtocols = {"--sweet32", "-p"};

TEST_F(TestsslTest, TheDefaultsPassTheScan) {
  auto findings = scan("", kPreferences);
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
  auto findings = scan("ciphers: ALL", kPreferences);
  EXPECT_EQ(findings["SWEET32"]["severity"], "LOW") << findings["SWEET32"];
  EXPECT_EQ(findings["SWEET32"]["finding"], "uses 64 bit block ciphers");
  EXPECT_TRUE(has_static_rsa(findings["cipherorder_TLSv1_2"]["finding"].get<std::string>()))
      << findings["cipherorder_TLSv1_2"];
}

// Refused clients answered over HTTP complete their handshakes with the floor's suites only:
// with the default list, TLS 1.0 and 1.1 clients still read their 426 (over ECDHE-CBC), which a
// scanner reports as those versions offered, but never 3DES; with a TLS 1.2-only floor they get
// an alert, and the scan finds neither version.
TEST_F(TestsslTest, AnHttpRefusalListenerOffersOnlyItsFloor) {
  auto defaults = scan("", kProtocols, "on_reject: http");
  EXPECT_EQ(defaults["SWEET32"]["finding"], "not vulnerable") << defaults["SWEET32"];
  auto aead_only = scan("ciphers: \"ECDHE+AESGCM\"", kProtocols, "on_reject: http");
  EXPECT_EQ(aead_only["SWEET32"]["finding"], "not vulnerable") << aead_only["SWEET32"];
  EXPECT_EQ(aead_only["TLS1"]["finding"], "not offered") << aead_only["TLS1"];
  EXPECT_EQ(aead_only["TLS1_1"]["finding"], "not offered") << aead_only["TLS1_1"];
  EXPECT_EQ(aead_only["TLS1_2"]["finding"], "offered") << aead_only["TLS1_2"];
}

// The suites of a ':'-separated list a listener with an RSA certificate can use, in its order,
// space-separated as testssl.sh prints them; with `tls1_0` only those TLS 1.0 has (no AEAD).
std::string rsa_suites(std::string_view list, bool tls1_0) {
  std::string suites;
  for (std::size_t start = 0; start < list.size();) {
    const std::size_t colon = std::min(list.find(':', start), list.size());
    const std::string suite(list.substr(start, colon - start));
    start = colon + 1;
    if (suite.find("ECDSA") != std::string::npos) continue;
    if (tls1_0 &&
        (suite.find("GCM") != std::string::npos || suite.find("CHACHA20") != std::string::npos)) {
      continue;
    }
    suites += (suites.empty() ? "" : " ") + suite;
  }
  return suites;
}

// The groups of testssl.sh's space-separated curve names (its own order), sorted by code.
std::vector<std::uint16_t> sorted_groups(const std::string& names) {
  std::vector<std::uint16_t> codes;
  std::istringstream words(names);
  for (std::string name; words >> name;) {
    const auto code = config::parse_group(name);
    EXPECT_TRUE(code.has_value()) << name;
    if (code) codes.push_back(*code);
  }
  std::sort(codes.begin(), codes.end());
  return codes;
}

// -p: protocols; -P: the server's order per version; -f: forward secrecy, with the curves offered.
const std::vector<std::string> kProfileChecks = {"-p", "-P", "-f"};

TEST_F(TestsslTest, EveryProfileOffersExactlyItsVersionsSuitesAndGroups) {
  for (const config::TlsProfile& profile : config::tls_profiles()) {
    SCOPED_TRACE(std::string(profile.name));
    auto findings = scan("profile: " + std::string(profile.name), kProfileChecks, "", false);
    const auto offered = [&](config::TlsVersion version) {
      return profile.min_version <= version && version <= profile.max_version;
    };
    const auto says_offered = [&](const std::string& id) {
      return findings[id]["finding"].get<std::string>().rfind("offered", 0) == 0;
    };
    EXPECT_FALSE(says_offered("SSLv3")) << findings["SSLv3"];
    EXPECT_EQ(says_offered("TLS1"), offered(config::TlsVersion::tls1_0)) << findings["TLS1"];
    EXPECT_EQ(says_offered("TLS1_1"), offered(config::TlsVersion::tls1_1)) << findings["TLS1_1"];
    EXPECT_EQ(says_offered("TLS1_2"), offered(config::TlsVersion::tls1_2)) << findings["TLS1_2"];
    EXPECT_EQ(says_offered("TLS1_3"), offered(config::TlsVersion::tls1_3)) << findings["TLS1_3"];
    if (offered(config::TlsVersion::tls1_2)) {
      EXPECT_EQ(findings["cipherorder_TLSv1_2"]["finding"], rsa_suites(profile.ciphers, false));
    } else {
      EXPECT_EQ(findings.count("cipherorder_TLSv1_2"), 0u) << findings["cipherorder_TLSv1_2"];
    }
    if (offered(config::TlsVersion::tls1_0)) {
      EXPECT_EQ(findings["cipherorder_TLSv1"]["finding"], rsa_suites(profile.ciphers, true));
    }
    std::vector<std::uint16_t> groups(profile.groups.begin(), profile.groups.end());
    std::sort(groups.begin(), groups.end());
    EXPECT_EQ(sorted_groups(findings["PFS_ECDHE_curves"]["finding"].get<std::string>()), groups)
        << findings["PFS_ECDHE_curves"];
  }
}

}  // namespace
}  // namespace tlsfloor::test
