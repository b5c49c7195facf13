// `tlsfloor report --ledger`: who would break at a floor among the clients the ledger remembers.
#include "metrics/report/ledger_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "metrics/ledger/ledger_file.h"
#include "metrics/report/ledger_report_command.h"
#include "tests/support/test_pki.h"

namespace tlsfloor::report {
namespace {

using config::LegacyDecision;
using std::chrono::days;

const config::Timestamp kNow = config::parse_timestamp("2026-12-01T00:00:00Z").value();

ledger::LedgerRows remembered() {
  ledger::ClientLedger ledger;
  const auto record = [&](const char* route, const char* client, std::uint16_t version, int times,
                          const char* owner, int days_ago) {
    for (int i = 0; i < times; ++i) {
      ledger.record({.listener = "api",
                     .route = route,
                     .client = client,
                     .version_wire = version,
                     .decision = LegacyDecision::would_reject,
                     .family = "java7",
                     .owner = owner,
                     .when = kNow - days(days_ago)});
    }
  };
  record("default", "192.0.2.1", 0x0301, 2, "payments", 200);  // a yearly job
  record("default", "192.0.2.2", 0x0302, 5, "", 29);
  record("shop", "192.0.2.3", 0x0303, 7, "", 1);  // TLS 1.2: below TLS1.3 only
  record("shop", "192.0.2.3", 0, 1, "", 1);       // nothing readable: below any floor
  return ledger.rows();
}

std::vector<std::string> clients(const LedgerReport& report) {
  std::vector<std::string> names;
  for (const auto& row : report.rows) names.push_back(row.key.client);
  return names;
}

TEST(LedgerReportTest, TheFloorIsJudgedByEachClientsBestOfferedVersions) {
  const LedgerReport tls12 = build_ledger_report(remembered(), {});
  EXPECT_EQ(tls12.entries_read, 3u);
  EXPECT_EQ(clients(tls12), (std::vector<std::string>{"192.0.2.2", "192.0.2.1", "192.0.2.3"}));
  EXPECT_EQ(tls12.rows[2].affected, 1u) << "its unknown handshake only";
  EXPECT_EQ(tls12.affected_handshakes, 8u);
  const LedgerReport tls13 =
      build_ledger_report(remembered(), {.floor = config::TlsVersion::tls1_3});
  EXPECT_EQ(clients(tls13), (std::vector<std::string>{"192.0.2.3", "192.0.2.2", "192.0.2.1"}));
  EXPECT_EQ(tls13.rows[0].affected, 8u);
  const LedgerReport tls11 =
      build_ledger_report(remembered(), {.floor = config::TlsVersion::tls1_1});
  EXPECT_EQ(clients(tls11), (std::vector<std::string>{"192.0.2.1", "192.0.2.3"}));
}

TEST(LedgerReportTest, SinceRouteAndOwnerNarrowIt) {
  EXPECT_EQ(clients(build_ledger_report(remembered(), {.since = kNow - days(90)})),
            (std::vector<std::string>{"192.0.2.2", "192.0.2.3"}));
  EXPECT_EQ(clients(build_ledger_report(remembered(), {.route = "shop"})),
            std::vector<std::string>{"192.0.2.3"});
  EXPECT_EQ(clients(build_ledger_report(remembered(), {.owner = "payments"})),
            std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(clients(build_ledger_report(remembered(), {.owner = "unowned"})),
            (std::vector<std::string>{"192.0.2.2", "192.0.2.3"}));
}

TEST(LedgerReportTest, TheCommandReadsTheFileAsTextOrJson) {
  test::TempDir dir;
  const std::string path = dir.write("clients.json", ledger::ledger_to_json(remembered()));
  std::ostringstream text, json, err;
  ASSERT_EQ(run_ledger_report(path, {}, false, 50, text, err), 0) << err.str();
  EXPECT_NE(text.str().find("3 clients below TLS1.2 (8 handshakes) of 3 remembered"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("192.0.2.1  2026-05-15  2026-05-15"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("TLS1.0:2"), std::string::npos) << text.str();
  ASSERT_EQ(run_ledger_report(path, {.owner = "payments"}, true, 50, json, err), 0);
  const auto document = nlohmann::json::parse(json.str());
  EXPECT_EQ(document["affected_clients"], 1);
  EXPECT_EQ(document["clients"][0]["client"], "192.0.2.1");
  EXPECT_EQ(document["clients"][0]["affected"], 2);
  EXPECT_EQ(document["clients"][0]["first_seen"], "2026-05-15T00:00:00.000Z");
  // Not a ledger, or no file: exit 1 with the reason.
  std::ostringstream out, errors;
  EXPECT_EQ(run_ledger_report(dir.write("x.json", "{}"), {}, false, 50, out, errors), 1);
  EXPECT_NE(errors.str().find("is not a client ledger: not a version 1 client ledger"),
            std::string::npos)
      << errors.str();
  EXPECT_EQ(run_ledger_report((dir.path() / "none.json").string(), {}, false, 50, out, errors), 1);
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace tlsfloor::report
