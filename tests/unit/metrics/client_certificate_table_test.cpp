#include "metrics/client_certificate_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tlsfloor::metrics {
namespace {

using TimePoint = ClientCertificateTable::TimePoint;

TimePoint day(int n) { return TimePoint{} + std::chrono::hours(24 * n); }

std::vector<std::string> subjects(const std::vector<ClientCertificateTable::Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& entry : entries) out.push_back(entry.subject);
  return out;
}

TEST(ClientCertificateTableTest, EachSubjectKeepsTheCertificateItLastPresented) {
  ClientCertificateTable table(10);
  table.record({"CN=a", "01", day(30), day(1)});
  table.record({"CN=b", "02", day(20), day(1)});
  table.record({"CN=a", "03", day(400), day(2)});  // renewed: its old expiry is gone
  table.record({"CN=a", "01", day(30), day(1)});   // recorded late: the newer one stays
  const auto entries = table.soonest_expiring(10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(subjects(entries), (std::vector<std::string>{"CN=b", "CN=a"}));
  EXPECT_EQ(entries[1].serial, "03");
  EXPECT_EQ(entries[1].not_after, day(400));
  EXPECT_EQ(entries[1].last_seen, day(2));
  EXPECT_EQ(entries[1].handshakes, 3u);
}

TEST(ClientCertificateTableTest, BoundedByCapacityAndByTheSoonestN) {
  ClientCertificateTable table(3);
  for (int i = 0; i < 100; ++i) {
    table.record({"CN=client-" + std::to_string(i), "01", day(100 - i), day(i)});
  }
  EXPECT_EQ(table.size(), 3u);  // the three seen last stay
  EXPECT_EQ(subjects(table.soonest_expiring(2)),
            (std::vector<std::string>{"CN=client-99", "CN=client-98"}));
  EXPECT_TRUE(table.soonest_expiring(0).empty());
  ClientCertificateTable none(0);
  none.record({"CN=a", "01", day(1), day(1)});
  EXPECT_EQ(none.size(), 0u);
  // A hostile subject is kept cut.
  table.record({std::string(5000, 's'), "01", day(1), day(200)});
  EXPECT_LE(table.soonest_expiring(1).at(0).subject.size(), 255u);
}

}  // namespace
}  // namespace tlsfloor::metrics
