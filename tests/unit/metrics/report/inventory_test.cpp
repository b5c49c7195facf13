// `tlsfloor report --inventory` against a log whose contents the test knows: what was negotiated
// per listener and route, in every rendering.
#include "metrics/report/inventory.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <sstream>

#include "tests/unit/metrics/report/report_test_log.h"

namespace tlsfloor::report {
namespace {

using namespace test_log;

struct Negotiated {
  std::string client;
  std::string route = "default";
  std::uint16_t version = kTls1_3;
  std::string cipher = "TLS_AES_128_GCM_SHA256";
  std::uint16_t group = 0x001d;
  std::string certificate = "EC256";
  std::string family;
  int offset = 0;
};

std::string line_of(const Negotiated& n) {
  HandshakeEvent event;
  event.time = at(n.offset);
  event.listener = "api";
  event.route = n.route;
  event.client_address = n.client;
  event.offered_versions = {n.version};
  event.highest_offered = n.version;
  event.negotiated_version = n.version;
  event.cipher = n.cipher;
  event.group = n.group;
  event.offered_groups = {0x001d, 0x0017};
  event.certificate = n.certificate;
  event.decision = "allowed";
  event.outcome = "accepted";
  std::string line = to_json_line(event);
  if (!n.family.empty()) {  // as a tlsfloor that names families writes it
    auto json = nlohmann::ordered_json::parse(line);
    json["family"] = n.family;
    return json.dump();
  }
  line.pop_back();
  return line;
}

Inventory inventory_of(const std::vector<std::string>& lines) {
  Inventory inventory;
  inventory.count_file();
  for (const std::string& line : lines) {
    ParsedLine parsed = parse_handshake_line(line);
    EXPECT_TRUE(parsed.record) << parsed.error;
    if (parsed.record) inventory.add(*parsed.record);
  }
  return inventory;
}

// Four completed handshakes on the default route (three clients, one of them twice; one over
// TLS 1.2 with static RSA, so no group), one on route "shop", and one refused.
std::vector<std::string> known_log() {
  return {line_of({.client = "192.0.2.1", .family = "chrome", .offset = 1}),
          line_of({.client = "192.0.2.1", .family = "chrome", .offset = 9}),
          line_of({.client = "192.0.2.2", .family = "curl", .offset = 3}),
          line_of({.client = "192.0.2.3",
                   .version = kTls1_2,
                   .cipher = "TLS_RSA_WITH_AES_128_CBC_SHA",
                   .group = 0,
                   .certificate = "RSA2048",
                   .offset = 5}),
          line_of({.client = "192.0.2.4", .route = "shop", .offset = 7}),
          log_line("192.0.2.5", kTls1_0, 8, kJa4A)};
}

const InventoryRow* row(const InventoryRoute& route, InventoryKind kind, std::string_view value) {
  for (const InventoryRow* r : route.rows()) {
    if (r->kind == kind && r->value == value) return r;
  }
  return nullptr;
}

TEST(InventoryTest, CountsWhatWasNegotiatedPerRouteWithClientsAndFamilies) {
  const Inventory inventory = inventory_of(known_log());
  EXPECT_EQ(inventory.handshakes(), 6u);
  EXPECT_EQ(inventory.completed(), 5u) << "the refused TLS 1.0 client negotiated nothing";
  const auto routes = inventory.routes();
  ASSERT_EQ(routes.size(), 2u);
  const InventoryRoute& route = *routes[0];
  EXPECT_EQ(route.route, "default");
  EXPECT_EQ(route.handshakes, 5u);
  EXPECT_EQ(route.completed, 4u);

  const InventoryRow* tls13 = row(route, InventoryKind::protocol, "TLS1.3");
  ASSERT_NE(tls13, nullptr);
  EXPECT_EQ(tls13->handshakes, 3u);
  EXPECT_EQ(tls13->clients.count(), 2u);
  EXPECT_EQ(tls13->families.kept(), (std::vector<std::string>{"chrome", "curl"}));
  EXPECT_EQ(config::format_timestamp(tls13->first_seen), at_text(1));
  EXPECT_EQ(config::format_timestamp(tls13->last_seen), at_text(9));
  EXPECT_EQ(row(route, InventoryKind::protocol, "TLS1.2")->handshakes, 1u);
  EXPECT_EQ(row(route, InventoryKind::cipher, "TLS_RSA_WITH_AES_128_CBC_SHA")->handshakes, 1u);
  EXPECT_EQ(row(route, InventoryKind::group, "X25519")->handshakes, 3u);
  EXPECT_EQ(row(route, InventoryKind::group, "none")->handshakes, 1u) << "static RSA";
  EXPECT_EQ(row(route, InventoryKind::certificate, "RSA2048")->handshakes, 1u);
  EXPECT_EQ(row(route, InventoryKind::upstream_protocol, "TLS1.3"), nullptr);
  // Rows in kind order, heaviest first within a kind.
  const auto rows = route.rows();
  EXPECT_EQ(rows.front()->kind, InventoryKind::protocol);
  EXPECT_EQ(rows.front()->value, "TLS1.3");
  EXPECT_EQ(routes[1]->route, "shop");
}

TEST(InventoryTest, RendersAsTextJsonAndCsv) {
  const Inventory inventory = inventory_of(known_log());
  std::ostringstream text;
  render_inventory_text(inventory, text);
  EXPECT_NE(text.str().find("handshakes       6 (5 completed, the rows count those)"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("LISTENER  ROUTE    KIND"), std::string::npos) << text.str();

  const auto json = nlohmann::json::parse(render_inventory_json(inventory));
  EXPECT_EQ(json["completed"], 5);
  EXPECT_EQ(json["routes"][0]["protocols"][0]["value"], "TLS1.3");
  EXPECT_EQ(json["routes"][0]["protocols"][0]["clients"], 2);
  EXPECT_EQ(json["routes"][0]["groups"][1]["value"], "none");
  EXPECT_EQ(json["routes"][1]["upstream_ciphers"], nlohmann::json::array());

  const std::string csv = render_inventory_csv(inventory);
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")),
            "listener,route,kind,value,handshakes,clients,clients_at_least,families,first_seen,"
            "last_seen");
  EXPECT_NE(csv.find("\r\napi,default,protocol,TLS1.3,3,2,false,chrome;curl," + at_text(1) + "," +
                     at_text(9) + "\r\n"),
            std::string::npos)
      << csv;
}

TEST(InventoryTest, CsvQuotesWhatALogCouldSmuggleIn) {
  Inventory inventory;
  ParsedLine parsed = parse_handshake_line(line_of({.client = "192.0.2.1", .family = "a,\"b\""}));
  ASSERT_TRUE(parsed.record);
  parsed.record->listener = "x,y";
  inventory.add(*parsed.record);
  const std::string csv = render_inventory_csv(inventory);
  EXPECT_NE(csv.find("\r\n\"x,y\",default,protocol,TLS1.3,1,1,false,\"a,\"\"b\"\"\","),
            std::string::npos)
      << csv;
}

TEST(InventoryTest, ClientsStopBeingCountedAtTheBound) {
  DistinctClients clients;
  for (std::uint32_t i = 0; i < DistinctClients::kMaxCounted + 10; ++i) {
    const std::array<std::uint8_t, 4> address{
        static_cast<std::uint8_t>(i >> 24), static_cast<std::uint8_t>(i >> 16),
        static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    clients.add(config::ipv4_address(address));
  }
  EXPECT_EQ(clients.count(), DistinctClients::kMaxCounted);
  EXPECT_TRUE(clients.is_lower_bound());
}

// The command reads a large log in pieces on several threads and merges their inventories in
// order: whatever the cuts, the merged inventory renders as the one read whole.
TEST(InventoryTest, PiecesMergedInOrderRenderAsTheWholeLog) {
  std::vector<std::string> lines = known_log();
  for (int i = 0; i < 40; ++i) {
    lines.push_back(line_of({.client = "198.51.100." + std::to_string(i % 7),
                             .route = i % 3 == 0 ? "shop" : "default",
                             .version = i % 4 == 0 ? kTls1_2 : kTls1_3,
                             .family = i % 5 == 0 ? "" : "family-" + std::to_string(i % 3),
                             .offset = 100 - i}));
  }
  const Inventory whole = inventory_of(lines);
  const std::string expected = render_inventory_json(whole) + render_inventory_csv(whole);
  for (const std::size_t parts : {2u, 3u, 7u, 46u}) {
    Inventory merged;
    for (std::size_t part = 0; part < parts; ++part) {
      const std::size_t from = lines.size() * part / parts;
      const std::size_t to = lines.size() * (part + 1) / parts;
      Inventory piece;
      if (part == 0) piece.count_file();
      for (std::size_t i = from; i < to; ++i) {
        piece.add(*parse_handshake_line(lines[i]).record);
      }
      merged.merge(std::move(piece));
    }
    EXPECT_EQ(render_inventory_json(merged) + render_inventory_csv(merged), expected) << parts;
  }
}

TEST(InventoryTest, MergedClientsStopBeingCountedAtTheBoundToo) {
  DistinctClients first;
  DistinctClients second;
  for (std::uint32_t i = 0; i < DistinctClients::kMaxCounted; ++i) {
    const std::array<std::uint8_t, 4> address{
        static_cast<std::uint8_t>(i >> 24), static_cast<std::uint8_t>(i >> 16),
        static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    (i % 2 == 0 ? first : second).add(config::ipv4_address(address));
  }
  first.merge(second);
  EXPECT_EQ(first.count(), DistinctClients::kMaxCounted);
  EXPECT_FALSE(first.is_lower_bound()) << "exactly the bound, nothing left out";
  const std::array<std::uint8_t, 4> beyond{10, 0, 0, 1};
  second.add(config::ipv4_address(beyond));
  first.merge(second);
  EXPECT_TRUE(first.is_lower_bound());
}

}  // namespace
}  // namespace tlsfloor::report
