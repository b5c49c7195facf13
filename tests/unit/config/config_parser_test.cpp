#include "config/config_parser.h"
#include "tests/unit/config/parsed_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace tlsfloor::config {
namespace {

using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

constexpr const char* kSource = "t.yaml";

// A listener with only the required keys, appended to tests that are about something else.
// Line 1 is `listeners:`; positions in tests below depend on this exact text.
constexpr std::string_view kMinimalListeners =
    "listeners:\n"
    "  - name: api\n"
    "    listen: 0.0.0.0:8443\n"
    "    upstream: {address: 127.0.0.1:8080}\n"
    "    certificates: [{cert: a.crt, key: a.key}]\n";

ParseResult parse(std::string_view yaml) { return parse_config(yaml, kSource); }

// The parse must fail with exactly these `file:line:column: message` strings, in this order.
void expect_errors(std::string_view yaml, const std::vector<std::string>& expected) {
  const ParseResult result = parse(yaml);
  EXPECT_FALSE(result.config.has_value());
  EXPECT_EQ(error_strings(result), expected) << "for YAML:\n" << yaml;
}

std::string with_listeners(std::string_view before, std::string_view after = "") {
  return std::string(before) + std::string(kMinimalListeners) + std::string(after);
}

// --- valid configurations ------------------------------------------------------------------------

TEST(ConfigParserTest, MinimalConfigGetsEveryDefault) {
  const ParseResult result = parse(kMinimalListeners);
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  ASSERT_TRUE(result.config.has_value());
  const Config& config = *result.config;

  EXPECT_EQ(config.source_path, "t.yaml");
  EXPECT_EQ(config.admin, std::nullopt);
  EXPECT_EQ(config.threads, 0u);
  EXPECT_EQ(config.drain_timeout, 30s);
  ASSERT_EQ(config.listeners.size(), 1u);
  const ListenerConfig& listener = config.listeners[0];
  EXPECT_EQ(listener.name, "api");
  EXPECT_EQ(listener.listen, (Endpoint{"0.0.0.0", 8443}));
  EXPECT_EQ(listener.upstream.address, (Endpoint{"127.0.0.1", 8080}));
  EXPECT_EQ(listener.upstream.connect_timeout, 5s);
  EXPECT_EQ(listener.tls.min_version, TlsVersion::tls1_2);
  EXPECT_EQ(listener.tls.max_version, TlsVersion::tls1_3);
  EXPECT_EQ(listener.enforcement.mode, EnforcementMode::enforce);
  EXPECT_EQ(listener.timeouts.handshake, 10s);
  EXPECT_EQ(listener.timeouts.idle, 300s);
  EXPECT_EQ(listener.where, (SourceMark{"t.yaml", 2, 5}));
  ASSERT_EQ(listener.certificates.size(), 1u);
  // No '/' in the source name: relative paths stay as written.
  EXPECT_EQ(listener.certificates[0].cert_path, "a.crt");
  EXPECT_EQ(listener.certificates[0].key_path, "a.key");
  EXPECT_EQ(listener.certificates[0].where, (SourceMark{"t.yaml", 5, 20}));
  EXPECT_EQ(listener.access_log, std::nullopt);
  EXPECT_EQ(config.access_log, std::nullopt);
  EXPECT_EQ(config.legacy_clients.ipv4_prefix, 32u);
  EXPECT_EQ(config.legacy_clients.ipv6_prefix, 128u);
  EXPECT_EQ(config.legacy_clients.top_k, 1000u);
  EXPECT_EQ(config.legacy_clients.metrics_top_n, 50u);
  EXPECT_EQ(listener.limits, LimitsConfig{});
  EXPECT_EQ(config.limits, LimitsConfig{});
  EXPECT_EQ(config.descriptor_reserve, std::nullopt);
}

TEST(ConfigParserTest, ListenerLimitsTakeTheTopLevelOnesKeyByKey) {
  const ParseResult result = parse_config(
      "limits: {max_connections: 900, max_handshakes_per_source: 7, descriptor_reserve: 50}\n"
      "listeners:\n"
      "  - name: api\n"
      "    listen: 0.0.0.0:8443\n"
      "    upstream: {address: 127.0.0.1:8080}\n"
      "    certificates: [{cert: a.crt, key: a.key}]\n"
      "    limits: {max_handshakes_in_flight: 30, max_handshakes_per_source: 3}\n"
      "  - name: web\n"
      "    listen: 0.0.0.0:9443\n"
      "    upstream: {address: 127.0.0.1:8080}\n"
      "    certificates: [{cert: a.crt, key: a.key}]\n",
      kSource);
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  const Config& config = *result.config;
  EXPECT_EQ(config.descriptor_reserve, 50u);
  EXPECT_EQ(config.listeners[0].limits, (LimitsConfig{.max_connections = 900,
                                                      .max_handshakes_in_flight = 30,
                                                      .max_handshakes_per_source = 3}));
  EXPECT_EQ(config.listeners[1].limits,
            (LimitsConfig{.max_connections = 900,
                          .max_handshakes_in_flight = LimitsConfig{}.max_handshakes_in_flight,
                          .max_handshakes_per_source = 7}));
}

TEST(ConfigParserTest, LimitErrorsNameTheirPosition) {
  expect_errors(with_listeners("limits: {max_connections: 0, descriptor_reserve: -1}\n",
                               "    limits: {max_handshakes_in_flight: 20000000, "
                               "descriptor_reserve: 5}\n"),
                {"t.yaml:1:27: invalid max_connections \"0\" (expected an integer from 1 to "
                 "10000000)",
                 "t.yaml:1:50: invalid descriptor_reserve \"-1\" (expected an integer from 0 to "
                 "1000000)",
                 "t.yaml:7:40: invalid max_handshakes_in_flight \"20000000\" (expected an "
                 "integer from 1 to 10000000)",
                 "t.yaml:7:50: unknown key \"descriptor_reserve\" in limits (expected one of: "
                 "max_connections, max_handshakes_in_flight, max_handshakes_per_source, "
                 "source_ipv4_prefix, source_ipv6_prefix)"});
}

TEST(ConfigParserTest, TheDescriptorReserveIsAShareOfTheLimit) {
  // Default: a tenth, at least 16, at most 1000; never more than half the limit.
  EXPECT_EQ(descriptor_reserve(1024, std::nullopt).reserve, 102u);
  EXPECT_EQ(descriptor_reserve(1024, std::nullopt).first_refused, 922u);
  EXPECT_EQ(descriptor_reserve(100, std::nullopt).reserve, 16u);
  EXPECT_EQ(descriptor_reserve(1048576, std::nullopt).reserve, 1000u);
  EXPECT_EQ(descriptor_reserve(20, std::nullopt).reserve, 10u);
  EXPECT_EQ(descriptor_reserve(1024, 50u).reserve, 50u);
  EXPECT_EQ(descriptor_reserve(1024, 0u).first_refused, 1024u);
  EXPECT_EQ(descriptor_reserve(1024, 900u).reserve, 512u);
  // The admin port's connections always fit in the automatic reserve (not in a configured one:
  // the operator said how many).
  EXPECT_EQ(descriptor_reserve(256, std::nullopt, 32).reserve, 48u);
  EXPECT_EQ(descriptor_reserve(1024, std::nullopt, 32).reserve, 102u);
  EXPECT_EQ(descriptor_reserve(1024, 20u, 32).reserve, 20u);
  EXPECT_EQ(descriptor_reserve(64, std::nullopt, 100).reserve, 32u) << "half the limit at most";
}

TEST(ConfigParserTest, LegacyClientsAndAccessLogs) {
  const ParseResult result = parse_config(
      "legacy_clients: {ipv4_prefix: 24, ipv6_prefix: 64, top_k: 200, metrics_top_n: 200}\n"
      "access_log:\n"
      "  path: logs/handshakes.log\n"
      "state_file: state/tlsfloor.json\n"
      "listeners:\n"
      "  - name: api\n"
      "    listen: 0.0.0.0:8443\n"
      "    upstream: {address: 127.0.0.1:8080}\n"
      "    certificates: [{cert: a.crt, key: a.key}]\n"
      "    access_log: {path: /var/log/api.log, legacy_only: true}\n"
      "  - name: web\n"
      "    listen: 0.0.0.0:9443\n"
      "    upstream: {address: 127.0.0.1:8080}\n"
      "    certificates: [{cert: a.crt, key: a.key}]\n",
      "/etc/tlsfloor/t.yaml");
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  const Config& config = *result.config;
  EXPECT_EQ(config.legacy_clients.ipv4_prefix, 24u);
  EXPECT_EQ(config.legacy_clients.ipv6_prefix, 64u);
  EXPECT_EQ(config.legacy_clients.top_k, 200u);
  EXPECT_EQ(config.legacy_clients.metrics_top_n, 200u);
  ASSERT_TRUE(config.access_log.has_value());
  // Relative to the config file, like certificates.
  EXPECT_EQ(config.access_log->path, "/etc/tlsfloor/logs/handshakes.log");
  EXPECT_FALSE(config.access_log->legacy_only);
  EXPECT_EQ(config.access_log->where, (SourceMark{"/etc/tlsfloor/t.yaml", 3, 9}));
  EXPECT_EQ(config.state_file, "/etc/tlsfloor/state/tlsfloor.json");
  const auto& api_log = config.access_log_of(config.listeners[0]);
  ASSERT_TRUE(api_log.has_value());
  EXPECT_EQ(api_log->path, "/var/log/api.log");
  EXPECT_TRUE(api_log->legacy_only);
  // A listener without its own log uses the global one.
  const auto& web_log = config.access_log_of(config.listeners[1]);
  ASSERT_TRUE(web_log.has_value());
  EXPECT_EQ(web_log->path, "/etc/tlsfloor/logs/handshakes.log");
}

TEST(ConfigParserTest, TheClientLedgerIsBesideTheStateFileUnlessGivenAPath) {
  const ParseResult defaults = parse(with_listeners("state_file: /var/lib/tlsfloor/state.json\n"));
  ASSERT_TRUE(defaults.errors.empty()) << testing::PrintToString(error_strings(defaults));
  const ClientLedgerConfig& ledger = defaults.config->legacy_clients.ledger;
  EXPECT_EQ(ledger.horizon, std::chrono::days(400));
  EXPECT_EQ(ledger.max_entries, 10000u);
  EXPECT_EQ(client_ledger_path(ledger, defaults.config->state_file),
            "/var/lib/tlsfloor/state.clients.json");
  EXPECT_EQ(client_ledger_path(ledger, std::nullopt), std::nullopt);
  const ParseResult set =
      parse_config(with_listeners("legacy_clients: {ledger: {path: clients.json, horizon: 3650d, "
                                  "max_entries: 0}}\n"),
                   "/etc/tlsfloor/t.yaml");
  ASSERT_TRUE(set.errors.empty()) << testing::PrintToString(error_strings(set));
  const ClientLedgerConfig& own = set.config->legacy_clients.ledger;
  EXPECT_EQ(client_ledger_path(own, "/var/lib/state.json"), "/etc/tlsfloor/clients.json");
  EXPECT_EQ(own.horizon, std::chrono::days(3650));
  EXPECT_EQ(own.max_entries, 0u);
}

TEST(ConfigParserTest, AnAccessLogNamesItsSchema) {
  const ParseResult result = parse(with_listeners("access_log: {path: h.log, schema: otel}\n"));
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  EXPECT_EQ(result.config->access_log->schema, LogSchema::otel);
  const ParseResult plain = parse(with_listeners("access_log: {path: h.log}\n"));
  EXPECT_EQ(plain.config->access_log->schema, LogSchema::tlsfloor);
}

TEST(ConfigParserTest, TopKZeroNeedsMetricsTopNZero) {
  const ParseResult result =
      parse(with_listeners("legacy_clients: {top_k: 0, metrics_top_n: 0}\n"));
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  EXPECT_EQ(result.config->legacy_clients.top_k, 0u);
}

TEST(ConfigParserTest, FullConfigSetsEveryField) {
  const std::string yaml =
      "admin:\n"
      "  listen: 127.0.0.1:9901\n"
      "threads: 1024\n"
      "drain_timeout: 0s\n"  // 0 is allowed here: close at once
      "listeners:\n"
      "  - name: api.v2_public-1\n"
      "    listen: 0.0.0.0:8443\n"
      "    upstream: { address: backend.internal:8080, connect_timeout: 250ms }\n"
      "    certificates:\n"
      "      - { cert: /etc/tlsfloor/api.crt, key: /etc/tlsfloor/api.key }\n"
      "      - cert: /etc/tlsfloor/api-ec.crt\n"
      "        key: /etc/tlsfloor/api-ec.key\n"
      "    tls: { min_version: TLS1.0, max_version: TLS1.2 }\n"
      "    enforcement: { mode: observe }\n"
      "    timeouts: { handshake: 2s, idle: 1h }\n"
      "  - name: second\n"
      "    listen: \"[::1]:9443\"\n"
      "    upstream:\n"
      "      address: \"[2001:db8::5]:80\"\n"
      "    certificates:\n"
      "      - cert: /c.pem\n"
      "        key: /k.pem\n"
      "    tls: { min_version: TLS1.3 }\n";
  const ParseResult result = parse(yaml);
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  const Config& config = *result.config;

  ASSERT_TRUE(config.admin.has_value());
  EXPECT_EQ(config.admin->listen, (Endpoint{"127.0.0.1", 9901}));
  EXPECT_EQ(config.threads, 1024u);
  EXPECT_EQ(config.drain_timeout, 0s);
  ASSERT_EQ(config.listeners.size(), 2u);

  const ListenerConfig& api = config.listeners[0];
  EXPECT_EQ(api.name, "api.v2_public-1");
  EXPECT_EQ(api.where, (SourceMark{"t.yaml", 6, 5}));
  EXPECT_EQ(api.listen, (Endpoint{"0.0.0.0", 8443}));
  EXPECT_EQ(api.upstream.address, (Endpoint{"backend.internal", 8080}));
  EXPECT_EQ(api.upstream.connect_timeout, 250ms);
  ASSERT_EQ(api.certificates.size(), 2u);
  EXPECT_EQ(api.certificates[0].cert_path, "/etc/tlsfloor/api.crt");
  EXPECT_EQ(api.certificates[0].key_path, "/etc/tlsfloor/api.key");
  EXPECT_EQ(api.certificates[0].where, (SourceMark{"t.yaml", 10, 9}));
  EXPECT_EQ(api.certificates[1].cert_path, "/etc/tlsfloor/api-ec.crt");
  EXPECT_EQ(api.certificates[1].key_path, "/etc/tlsfloor/api-ec.key");
  EXPECT_EQ(api.certificates[1].where, (SourceMark{"t.yaml", 11, 9}));
  EXPECT_EQ(api.tls.min_version, TlsVersion::tls1_0);
  EXPECT_EQ(api.tls.max_version, TlsVersion::tls1_2);
  EXPECT_EQ(api.enforcement.mode, EnforcementMode::observe);
  EXPECT_EQ(api.timeouts.handshake, 2s);
  EXPECT_EQ(api.timeouts.idle, 1h);

  const ListenerConfig& second = config.listeners[1];
  EXPECT_EQ(second.name, "second");
  EXPECT_EQ(second.where, (SourceMark{"t.yaml", 16, 5}));
  EXPECT_EQ(second.listen, (Endpoint{"::1", 9443}));
  EXPECT_EQ(second.upstream.address, (Endpoint{"2001:db8::5", 80}));
  EXPECT_EQ(second.upstream.connect_timeout, 5s);
  EXPECT_EQ(second.tls.min_version, TlsVersion::tls1_3);
  EXPECT_EQ(second.tls.max_version, TlsVersion::tls1_3);
  EXPECT_EQ(second.enforcement.mode, EnforcementMode::enforce);
  EXPECT_EQ(second.timeouts.handshake, 10s);
  EXPECT_EQ(second.timeouts.idle, 300s);
}

TEST(ConfigParserTest, AcceptsTheDocumentedExample) {
  const ParseResult result = parse(
      "admin:\n"
      "  listen: 127.0.0.1:9901\n"
      "threads: 0\n"
      "drain_timeout: 30s\n"
      "listeners:\n"
      "  - name: api\n"
      "    listen: 0.0.0.0:8443\n"
      "    upstream: { address: 127.0.0.1:8080, connect_timeout: 5s }\n"
      "    certificates:\n"
      "      - { cert: /etc/tlsfloor/api.crt, key: /etc/tlsfloor/api.key }\n"
      "    tls: { min_version: TLS1.2, max_version: TLS1.3 }\n"
      "    enforcement: { mode: enforce }     # observe | enforce\n"
      "    timeouts: { handshake: 10s, idle: 300s }\n");
  EXPECT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  EXPECT_TRUE(result.config.has_value());
}

TEST(ConfigParserTest, PortZeroMayRepeat) {
  // Port 0 lets the kernel pick, so several listeners (and admin) may ask for it; tests do.
  const ParseResult result = parse(
      "admin: {listen: 127.0.0.1:0}\n"
      "listeners:\n"
      "  - {name: a, listen: 127.0.0.1:0, upstream: {address: x:1}, certificates: [{cert: c, key: "
      "k}]}\n"
      "  - {name: b, listen: 127.0.0.1:0, upstream: {address: x:1}, certificates: [{cert: c, key: "
      "k}]}\n");
  EXPECT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  ASSERT_TRUE(result.config.has_value());
  EXPECT_EQ(result.config->listeners.size(), 2u);
}

TEST(ConfigParserTest, ThreadsAcceptsZeroToLimit) {
  for (const auto& [text, expected] : std::vector<std::pair<std::string, unsigned>>{
           {"0", 0}, {"1", 1}, {"16", 16}, {"1024", 1024}}) {
    SCOPED_TRACE(text);
    const ParseResult result = parse(with_listeners("threads: " + text + "\n"));
    ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(error_strings(result));
    EXPECT_EQ(result.config->threads, expected);
  }
}

// --- unknown keys and duplicate keys -------------------------------------------------------------

struct ErrorCase {
  std::string name;
  std::string yaml;
  std::string error;  // the only expected error
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class SingleErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(SingleErrorTest, ReportsExactlyThisError) {
  expect_errors(GetParam().yaml, {GetParam().error});
}

std::string case_name(const testing::TestParamInfo<ErrorCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(
    UnknownKeys, SingleErrorTest,
    testing::Values(
        ErrorCase{
            "TopLevel", with_listeners("thread: 4\n"),
            "t.yaml:1:1: unknown key \"thread\" at the top level (expected one of: admin, "
            "threads, signing_threads, handshake_threads, handshake_storm_rate, drain_timeout, "
            "legacy_clients, "
            "access_log, state_file, limits, session_tickets, certificate_reload, listeners, "
            "keyserver, owners_file)"},
        ErrorCase{"Admin", with_listeners("admin:\n  listen: 127.0.0.1:9901\n  lisen: x\n"),
                  "t.yaml:3:3: unknown key \"lisen\" in admin (expected one of: listen, "
                  "server_names, token_file, reloads_per_minute, max_connections)"},
        ErrorCase{"Listener", with_listeners("", "    timeout: {idle: 5s}\n"),
                  "t.yaml:6:5: unknown key \"timeout\" in listener (expected one of: name, "
                  "listen, upstream, upstream_by_alpn, certificates, tls, enforcement, timeouts, "
                  "access_log, exceptions, limits, routes, proxy_protocol, client_auth)"},
        ErrorCase{"Upstream",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080, timeout: 5s}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:4:41: unknown key \"timeout\" in upstream (expected one of: address, "
                  "connect_timeout, proxy_protocol, tls, client_certificate_tlv)"},
        ErrorCase{"Certificate",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: [{cert: a.crt, key: a.key, chain: b.crt}]\n",
                  "t.yaml:5:46: unknown key \"chain\" in certificate (expected one of: cert, key, "
                  "keyserver)"},
        ErrorCase{"Tls", with_listeners("", "    tls: {min_verison: TLS1.3}\n"),
                  "t.yaml:6:11: unknown key \"min_verison\" in tls (expected one of: "
                  "profile, min_version, max_version, alpn, ciphers, legacy_ciphers, groups)"},
        ErrorCase{
            "Enforcement",
            with_listeners("", "    enforcement:\n      mode: enforce\n      dry_run: true\n"),
            "t.yaml:8:7: unknown key \"dry_run\" in enforcement (expected one of: mode, "
            "cipher_mode, groups_mode, brownout, on_reject, http, schedule)"},
        ErrorCase{"Timeouts", with_listeners("", "    timeouts: {handshake: 10s, idel: 300s}\n"),
                  "t.yaml:6:32: unknown key \"idel\" in timeouts (expected one of: handshake, "
                  "idle)"},
        // A repeated key must not let a later line silently override (or be overridden by) an
        // earlier one.
        ErrorCase{
            "DuplicateKey",
            with_listeners("", "    enforcement:\n      mode: enforce\n      mode: observe\n"),
            "t.yaml:8:7: duplicate key \"mode\" in enforcement (first set at line 7)"},
        ErrorCase{"NonScalarKey", with_listeners("", "    ? [a, b]\n    : 1\n"),
                  "t.yaml:6:7: expected a plain key in listener, got a list"}),
    case_name);

// --- missing keys and wrong types ----------------------------------------------------------------

INSTANTIATE_TEST_SUITE_P(
    MissingKeys, SingleErrorTest,
    testing::Values(
        ErrorCase{"Listeners", "threads: 2\ndrain_timeout: 5s\n",
                  "t.yaml:1:1: missing required key \"listeners\" at the top level"},
        ErrorCase{"AdminListen", with_listeners("admin: {}\n"),
                  "t.yaml:1:8: missing required key \"listen\" in admin"},
        ErrorCase{"Name",
                  "listeners:\n"
                  "  - listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:2:5: missing required key \"name\" in listener"},
        ErrorCase{"Listen",
                  "listeners:\n"
                  "  - name: api\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:2:5: missing required key \"listen\" in listener"},
        ErrorCase{"Upstream",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:2:5: missing required key \"upstream\" in listener"},
        ErrorCase{"UpstreamAddress",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {connect_timeout: 1s}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:4:15: missing required key \"address\" in upstream"},
        ErrorCase{"Certificates",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n",
                  "t.yaml:2:5: missing required key \"certificates\" in listener"},
        ErrorCase{"Cert",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates:\n"
                  "      - key: a.key\n",
                  "t.yaml:6:9: missing required key \"cert\" in certificate"},
        ErrorCase{"EmptyListeners", "listeners: []\n",
                  "t.yaml:1:12: listeners must not be empty (at least one listener is required)"},
        ErrorCase{"EmptyCertificates",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: []\n",
                  "t.yaml:5:19: certificates must not be empty (at least one cert/key pair is "
                  "required)"}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    WrongTypes, SingleErrorTest,
    testing::Values(
        ErrorCase{"TopLevelList", "- a\n- b\n",
                  "t.yaml:1:1: expected a map at the top level, got a list"},
        ErrorCase{"TopLevelScalar", "listeners\n",
                  "t.yaml:1:1: expected a map at the top level, got the scalar \"listeners\""},
        ErrorCase{"ListenersMap", "listeners:\n  api: {}\n",
                  "t.yaml:2:3: expected a list for listeners, got a map"},
        ErrorCase{"ListenerScalar", "listeners:\n  - api\n",
                  "t.yaml:2:5: expected a map for listener, got the scalar \"api\""},
        ErrorCase{"AdminTokenFileMissing",
                  with_listeners("admin: {listen: 127.0.0.1:9901, token_file: /nonexistent/t}\n"),
                  "t.yaml:1:45: cannot read admin token file /nonexistent/t: No such file or "
                  "directory"},
        ErrorCase{"AdminReloadRateZero",
                  with_listeners("admin: {listen: 127.0.0.1:9901, reloads_per_minute: 0}\n"),
                  "t.yaml:1:53: invalid reloads_per_minute \"0\" (expected an integer from 1 to "
                  "600)"},
        ErrorCase{"AdminServerNameWithPort",
                  with_listeners("admin: {listen: 127.0.0.1:9901, server_names: [\"a.test:1\"]}\n"),
                  "t.yaml:1:48: invalid admin server name \"a.test:1\" (a host name, without "
                  "port or wildcard)"},
        ErrorCase{"AdminScalar", with_listeners("admin: 127.0.0.1:9901\n"),
                  "t.yaml:1:8: expected a map for admin, got the scalar \"127.0.0.1:9901\""},
        // A key with nothing after it points at the key, not at the next line.
        ErrorCase{"TlsNull", with_listeners("", "    tls:\n    timeouts: {idle: 5s}\n"),
                  "t.yaml:6:5: expected a map for tls, got no value"},
        ErrorCase{"TlsScalar", with_listeners("", "    tls: TLS1.3\n"),
                  "t.yaml:6:10: expected a map for tls, got the scalar \"TLS1.3\""},
        ErrorCase{"NameList",
                  "listeners:\n"
                  "  - name: [api]\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:2:11: expected a string for name, got a list"},
        ErrorCase{"CertificatesMap",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: {cert: a.crt, key: a.key}\n",
                  "t.yaml:5:19: expected a list for certificates, got a map"},
        ErrorCase{"ModeMap", with_listeners("", "    enforcement: {mode: {x: 1}}\n"),
                  "t.yaml:6:25: expected a string for mode, got a map"},
        ErrorCase{"ThreadsNull", with_listeners("threads: ~\n"),
                  "t.yaml:1:1: expected an integer for threads, got no value"}),
    case_name);

// --- values --------------------------------------------------------------------------------------

INSTANTIATE_TEST_SUITE_P(
    LegacyClientsAndAccessLog, SingleErrorTest,
    testing::Values(
        ErrorCase{"Ipv4PrefixTooLong", with_listeners("legacy_clients: {ipv4_prefix: 33}\n"),
                  "t.yaml:1:31: invalid ipv4_prefix \"33\" (expected an integer from 0 to 32)"},
        ErrorCase{"Ipv6PrefixNegative", with_listeners("legacy_clients: {ipv6_prefix: -1}\n"),
                  "t.yaml:1:31: invalid ipv6_prefix \"-1\" (expected an integer from 0 to 128)"},
        ErrorCase{"TopKTooLarge", with_listeners("legacy_clients: {top_k: 10001}\n"),
                  "t.yaml:1:25: invalid top_k \"10001\" (expected an integer from 0 to "
                  "10000)"},
        ErrorCase{"TopNAboveTopK",
                  with_listeners("legacy_clients: {top_k: 10, metrics_top_n: 11}\n"),
                  "t.yaml:1:44: metrics_top_n 11 is above top_k 10 (only tracked clients can be "
                  "exported)"},
        ErrorCase{"DefaultTopNAboveTopK", with_listeners("legacy_clients: {top_k: 10}\n"),
                  "t.yaml:1:25: metrics_top_n 50 (the default) is above top_k 10 (only tracked "
                  "clients can be exported)"},
        ErrorCase{"UnknownKey", with_listeners("legacy_clients: {prefix: 24}\n"),
                  "t.yaml:1:18: unknown key \"prefix\" in legacy_clients (expected one of: "
                  "ipv4_prefix, ipv6_prefix, top_k, metrics_top_n, key, ledger)"},
        ErrorCase{"LedgerHorizonTooLong",
                  with_listeners("legacy_clients: {ledger: {horizon: 3651d}}\n"),
                  "t.yaml:1:36: horizon \"3651d\" is longer than the longest duration allowed, "
                  "3650d"},
        ErrorCase{"LedgerTooLarge",
                  with_listeners("legacy_clients: {ledger: {max_entries: 1000001}}\n"),
                  "t.yaml:1:40: invalid max_entries \"1000001\" (expected an integer from 0 to "
                  "1000000; 0 keeps no ledger)"},
        ErrorCase{"LedgerUnknownKey", with_listeners("legacy_clients: {ledger: {file: x}}\n"),
                  "t.yaml:1:27: unknown key \"file\" in ledger (expected one of: path, horizon, "
                  "max_entries)"},
        ErrorCase{"AccessLogSchema", with_listeners("access_log: {path: h.log, schema: elastic}\n"),
                  "t.yaml:1:35: invalid schema \"elastic\" (expected one of: tlsfloor, ecs, "
                  "otel)"},
        ErrorCase{"AccessLogPath", with_listeners("access_log: {legacy_only: true}\n"),
                  "t.yaml:1:13: missing required key \"path\" in access_log"},
        ErrorCase{"AccessLogEmptyPath", with_listeners("access_log: {path: \"\"}\n"),
                  "t.yaml:1:20: path must not be empty"},
        // YAML 1.1 spellings (yes, on) are not booleans in YAML 1.2: refuse rather than guess.
        ErrorCase{"LegacyOnlyYes",
                  with_listeners("", "    access_log: {path: a.log, legacy_only: yes}\n"),
                  "t.yaml:6:44: invalid legacy_only \"yes\" (expected true or false)"},
        ErrorCase{"AccessLogScalar", with_listeners("access_log: a.log\n"),
                  "t.yaml:1:13: expected a map for access_log, got the scalar \"a.log\""}),
    case_name);

constexpr std::string_view kVersionHint = "(expected one of: TLS1.0, TLS1.1, TLS1.2, TLS1.3)";
constexpr std::string_view kDurationHint =
    "(expected a number with a unit: 250ms, 5s, 10m, 1h, 14d)";

INSTANTIATE_TEST_SUITE_P(
    Values, SingleErrorTest,
    testing::Values(
        // `    tls: {min_version: ` is 23 characters, so the value is at column 24.
        ErrorCase{"VersionUnknown", with_listeners("", "    tls: {min_version: TLS1.4}\n"),
                  "t.yaml:6:24: invalid TLS version \"TLS1.4\" for min_version " +
                      std::string(kVersionHint)},
        ErrorCase{"VersionLowerCase", with_listeners("", "    tls: {max_version: tls1.3}\n"),
                  "t.yaml:6:24: invalid TLS version \"tls1.3\" for max_version " +
                      std::string(kVersionHint)},
        ErrorCase{"VersionNumber", with_listeners("", "    tls: {min_version: 1.2}\n"),
                  "t.yaml:6:24: invalid TLS version \"1.2\" for min_version " +
                      std::string(kVersionHint)},
        ErrorCase{"MinAboveMax",
                  with_listeners("", "    tls: {min_version: TLS1.3, max_version: TLS1.2}\n"),
                  "t.yaml:6:24: min_version TLS1.3 is above max_version TLS1.2"},
        ErrorCase{"MaxBelowDefaultMin", with_listeners("", "    tls: {max_version: TLS1.1}\n"),
                  "t.yaml:6:24: min_version TLS1.2 (the default) is above max_version TLS1.1"},
        ErrorCase{"Mode", with_listeners("", "    enforcement: {mode: block}\n"),
                  "t.yaml:6:25: invalid enforcement mode \"block\" (expected one of: observe, "
                  "brownout, enforce)"},
        ErrorCase{"ModeCapitalised", with_listeners("", "    enforcement: {mode: Enforce}\n"),
                  "t.yaml:6:25: invalid enforcement mode \"Enforce\" (expected one of: observe, "
                  "brownout, enforce)"},
        ErrorCase{"ThreadsNegative", with_listeners("threads: -1\n"),
                  "t.yaml:1:10: invalid threads \"-1\" (expected an integer from 0 to 1024; 0 "
                  "means one per core)"},
        ErrorCase{"ThreadsFraction", with_listeners("threads: 1.5\n"),
                  "t.yaml:1:10: invalid threads \"1.5\" (expected an integer from 0 to 1024; 0 "
                  "means one per core)"},
        ErrorCase{"ThreadsTooMany", with_listeners("threads: 1025\n"),
                  "t.yaml:1:10: invalid threads \"1025\" (expected an integer from 0 to 1024; 0 "
                  "means one per core)"},
        ErrorCase{"ThreadsHuge", with_listeners("threads: 99999999999\n"),
                  "t.yaml:1:10: invalid threads \"99999999999\" (expected an integer from 0 to "
                  "1024; 0 means one per core)"},
        ErrorCase{"DrainBareNumber", with_listeners("drain_timeout: 5\n"),
                  "t.yaml:1:16: invalid duration \"5\" " + std::string(kDurationHint)},
        ErrorCase{"DrainNegative", with_listeners("drain_timeout: -1s\n"),
                  "t.yaml:1:16: invalid duration \"-1s\" " + std::string(kDurationHint)},
        ErrorCase{"DrainFraction", with_listeners("drain_timeout: 1.5s\n"),
                  "t.yaml:1:16: invalid duration \"1.5s\" " + std::string(kDurationHint)},
        ErrorCase{"DrainSpace", with_listeners("drain_timeout: 5 s\n"),
                  "t.yaml:1:16: invalid duration \"5 s\" " + std::string(kDurationHint)},
        ErrorCase{"DrainUnit", with_listeners("drain_timeout: 5sec\n"),
                  "t.yaml:1:16: invalid duration \"5sec\" " + std::string(kDurationHint)},
        ErrorCase{"DrainOverflow", with_listeners("drain_timeout: 99999999999999999999d\n"),
                  "t.yaml:1:16: drain_timeout \"99999999999999999999d\" is longer than the "
                  "longest duration allowed, 365d"},
        // Beyond a year: would have overflowed "now + timeout" in the proxy's clocks.
        ErrorCase{"DrainTooLong", with_listeners("drain_timeout: 200000d\n"),
                  "t.yaml:1:16: drain_timeout \"200000d\" is longer than the longest duration "
                  "allowed, 365d"},
        ErrorCase{"HandshakeTimeoutTooLong",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n"
                  "    timeouts: {handshake: 366d}\n",
                  "t.yaml:6:27: handshake \"366d\" is longer than the longest duration allowed, "
                  "365d"},
        ErrorCase{"ConnectTimeoutZero",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080, connect_timeout: 0s}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:4:58: connect_timeout must be greater than 0 (got \"0s\")"},
        ErrorCase{"HandshakeZero", with_listeners("", "    timeouts: {handshake: 0ms}\n"),
                  "t.yaml:6:27: handshake must be greater than 0 (got \"0ms\")"},
        ErrorCase{"IdleList", with_listeners("", "    timeouts: {idle: [5s]}\n"),
                  "t.yaml:6:22: expected a duration for idle, got a list"},
        ErrorCase{"IdleBareNumber", with_listeners("", "    timeouts: {idle: 300}\n"),
                  "t.yaml:6:22: invalid duration \"300\" " + std::string(kDurationHint)},
        ErrorCase{"NameEmpty",
                  "listeners:\n"
                  "  - name: \"\"\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:2:11: listener name must not be empty"},
        ErrorCase{"NameCharacters",
                  "listeners:\n"
                  "  - name: \"api\\\"}\"\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:2:11: invalid listener name \"api\"}\" (use only letters, digits, '_', "
                  "'.' and '-')"},
        ErrorCase{"ListenHostName",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: localhost:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:3:13: listen address \"localhost:8443\" must be an IP address such as "
                  "0.0.0.0:8443 or [::]:8443 (host names are only allowed for upstream "
                  "addresses)"},
        ErrorCase{"ListenNoPort",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:3:13: invalid listen address \"0.0.0.0\": missing port (expected "
                  "host:port or [ipv6]:port)"},
        ErrorCase{"UpstreamUnbracketedIpv6",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: \"::1:8080\"}\n"
                  "    certificates: [{cert: a.crt, key: a.key}]\n",
                  "t.yaml:4:25: invalid upstream address \"::1:8080\": IPv6 address must be in "
                  "brackets, e.g. [::1]:8443 (expected host:port or [ipv6]:port)"},
        ErrorCase{"AdminListenHostName", with_listeners("admin: {listen: \"localhost:9901\"}\n"),
                  "t.yaml:1:17: listen address \"localhost:9901\" must be an IP address such as "
                  "0.0.0.0:8443 or [::]:8443 (host names are only allowed for upstream "
                  "addresses)"},
        ErrorCase{"CertEmpty",
                  "listeners:\n"
                  "  - name: api\n"
                  "    listen: 0.0.0.0:8443\n"
                  "    upstream: {address: 127.0.0.1:8080}\n"
                  "    certificates: [{cert: \"\", key: a.key}]\n",
                  "t.yaml:5:27: cert must not be empty"}),
    case_name);

// --- uniqueness ----------------------------------------------------------------------------------

std::string listener_on(std::string_view name, std::string_view listen) {
  return "  - name: " + std::string(name) + "\n    listen: \"" + std::string(listen) +
         "\"\n    upstream: {address: 127.0.0.1:8080}\n    certificates: [{cert: c, key: k}]\n";
}

INSTANTIATE_TEST_SUITE_P(
    Uniqueness, SingleErrorTest,
    testing::Values(
        // The duplicate points at the second definition and names the line of the first.
        ErrorCase{"DuplicateName",
                  "listeners:\n" + listener_on("api", "0.0.0.0:1") +
                      listener_on("web", "0.0.0.0:2") + listener_on("api", "0.0.0.0:3"),
                  "t.yaml:10:11: duplicate listener name \"api\" (first defined at line 2)"},
        ErrorCase{
            "DuplicateListen",
            "listeners:\n" + listener_on("a", "0.0.0.0:8443") + listener_on("b", "0.0.0.0:8443"),
            "t.yaml:7:13: listen address 0.0.0.0:8443 is already used by listener \"a\" "
            "(line 3)"},
        // Two spellings of one IPv6 address are one socket address.
        ErrorCase{"DuplicateListenIpv6Spelling",
                  "listeners:\n" + listener_on("a", "[::1]:443") +
                      listener_on("b", "[0:0:0:0:0:0:0:1]:443"),
                  "t.yaml:7:13: listen address [0:0:0:0:0:0:0:1]:443 is already used by listener "
                  "\"a\" (line 3)"},
        ErrorCase{
            "ListenEqualsAdmin",
            "admin: {listen: 127.0.0.1:9901}\nlisteners:\n" + listener_on("a", "127.0.0.1:9901"),
            "t.yaml:4:13: listen address 127.0.0.1:9901 is already used by the admin "
            "listener (line 1)"},
        // Admin written after the listeners: the later one is the duplicate.
        ErrorCase{"AdminAfterListener",
                  "listeners:\n" + listener_on("a", "127.0.0.1:9901") +
                      "admin: {listen: 127.0.0.1:9901}\n",
                  "t.yaml:6:17: listen address 127.0.0.1:9901 is already used by listener \"a\" "
                  "(line 3)"}),
    case_name);

TEST(ConfigParserTest, DifferentPortsOrAddressesDoNotCollide) {
  const ParseResult result =
      parse("admin: {listen: 127.0.0.1:9901}\nlisteners:\n" + listener_on("a", "0.0.0.0:8443") +
            listener_on("b", "0.0.0.0:8444") + listener_on("c", "127.0.0.1:8443") +
            listener_on("d", "[::]:8443"));
  EXPECT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
}

// --- several errors at once ----------------------------------------------------------------------

TEST(ConfigParserTest, ReportsAllErrorsOfAllListenersTogether) {
  const std::string yaml =
      "listeners:\n"                                                 // 1
      "  - name: a\n"                                                // 2
      "    listen: 0.0.0.0:1\n"                                      // 3
      "    upstream: {address: 127.0.0.1:80}\n"                      // 4
      "    certificates: [{cert: a, key: b}]\n"                      // 5
      "    tls: {min_version: TLS1.4}\n"                             // 6
      "  - name: b c\n"                                              // 7
      "    listen: localhost:2\n"                                    // 8
      "    upstream: {address: 127.0.0.1:80, connect_timeout: 5}\n"  // 9
      "    certificates: []\n"                                       // 10
      "  - listen: 0.0.0.0:3\n"                                      // 11
      "    upstream: {address: 127.0.0.1:80}\n"                      // 12
      "    certificates: [{cert: a}]\n"                              // 13
      "    timeouts: {idle: 0s, handshake: 1s, idle: 2s}\n"          // 14
      "threads: many\n";                                             // 15
  const ParseResult result = parse(yaml);
  EXPECT_FALSE(result.config.has_value());
  ASSERT_EQ(result.errors.size(), 10u) << testing::PrintToString(error_strings(result));
  const Strings expected = {
      "t.yaml:6:24: invalid TLS version \"TLS1.4\" for min_version " + std::string(kVersionHint),
      "t.yaml:7:11: invalid listener name \"b c\" (use only letters, digits, '_', '.' and '-')",
      "t.yaml:8:13: listen address \"localhost:2\" must be an IP address such as 0.0.0.0:8443 "
      "or [::]:8443 (host names are only allowed for upstream addresses)",
      "t.yaml:9:56: invalid duration \"5\" " + std::string(kDurationHint),
      "t.yaml:10:19: certificates must not be empty (at least one cert/key pair is required)",
      "t.yaml:11:5: missing required key \"name\" in listener",
      "t.yaml:13:20: missing required key \"key\" in certificate",
      "t.yaml:14:22: idle must be greater than 0 (got \"0s\")",
      "t.yaml:14:41: duplicate key \"idle\" in timeouts (first set at line 14)",
      "t.yaml:15:10: invalid threads \"many\" (expected an integer from 0 to 1024; 0 means "
      "one per core)"};
  EXPECT_EQ(error_strings(result), expected);
  // The structured fields agree with the rendered string.
  EXPECT_EQ(result.errors[0].where, (SourceMark{"t.yaml", 6, 24}));
  EXPECT_EQ(result.errors[0].message,
            "invalid TLS version \"TLS1.4\" for min_version " + std::string(kVersionHint));
}

// --- YAML-level problems -------------------------------------------------------------------------

TEST(ConfigParserTest, YamlSyntaxErrorIsOneErrorAtItsPosition) {
  expect_errors(
      "listeners:\n"
      "  - name: api\n"
      "    listen: [0.0.0.0:8443\n"
      "    upstream: {address: 127.0.0.1:8080}\n",
      {"t.yaml:4:13: invalid YAML: end of sequence flow not found"});
  expect_errors("admin:\n  listen: 127.0.0.1:1\n\tthreads: 1\n",
                {"t.yaml:3:1: invalid YAML: illegal tab when looking for indentation"});
}

TEST(ConfigParserTest, UnquotedIpv6GetsAHint) {
  // YAML reads `[::1]` as a list, so the address must be quoted; say so instead of only
  // "end of map not found".
  expect_errors(
      "admin:\n"
      "  listen: [::1]:9901\n",
      {"t.yaml:2:16: invalid YAML: end of map not found (an IPv6 address must be quoted in YAML, "
       "e.g. listen: \"[::1]:8443\")"});
  expect_errors("admin: {listen: [2001:db8::1]:9901}\n",
                {"t.yaml:1:30: invalid YAML: end of map flow not found (an IPv6 address must be "
                 "quoted in YAML, e.g. listen: \"[::1]:8443\")"});
}

TEST(ConfigParserTest, EmptyDocumentIsAnError) {
  for (const std::string_view yaml : {"", "\n\n", "# nothing but a comment\n", "---\n", "~\n"}) {
    SCOPED_TRACE(testing::Message() << '"' << yaml << '"');
    expect_errors(yaml, {"t.yaml:1:1: configuration is empty"});
  }
}

TEST(ConfigParserTest, SecondDocumentIsAnError) {
  expect_errors(with_listeners("", "---\nthreads: 2\n"),
                {"t.yaml:7:1: only one YAML document is allowed per configuration file"});
}

// --- certificate paths ---------------------------------------------------------------------------

TEST(ConfigParserTest, RelativeCertificatePathsFollowTheConfigFile) {
  const struct {
    std::string source;
    std::string cert;
    std::string expected;
  } cases[] = {
      {"/etc/tlsfloor/tlsfloor.yaml", "certs/api.crt", "/etc/tlsfloor/certs/api.crt"},
      {"/etc/tlsfloor/tlsfloor.yaml", "/srv/api.crt", "/srv/api.crt"},
      {"/etc/tlsfloor/tlsfloor.yaml", "../shared/api.crt", "/etc/tlsfloor/../shared/api.crt"},
      {"conf/tlsfloor.yaml", "api.crt", "conf/api.crt"},
      {"./tlsfloor.yaml", "api.crt", "./api.crt"},
      {"/tlsfloor.yaml", "api.crt", "/api.crt"},
      {"tlsfloor.yaml", "api.crt", "api.crt"},  // no '/': relative to the working directory
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.source + " + " + c.cert);
    const ParseResult result =
        parse_config("listeners:\n" + listener_on("a", "0.0.0.0:1")
                                          .replace(listener_on("a", "0.0.0.0:1").find("{cert: c"),
                                                   8, "{cert: \"" + c.cert + "\""),
                     c.source);
    ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(error_strings(result));
    const CertificateConfig& certificate = result.config->listeners[0].certificates[0];
    EXPECT_EQ(certificate.cert_path, c.expected);
    EXPECT_EQ(certificate.where.file, c.source);
    EXPECT_EQ(result.config->source_path, c.source);
  }
}

// --- files ---------------------------------------------------------------------------------------

class LoadConfigFileTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "tlsfloor-config-XXXXXX");
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, std::string_view text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(LoadConfigFileTest, MissingFileIsOneErrorNamingThePath) {
  const std::string path = (dir_ / "absent.yaml").string();
  const ParseResult result = load_config_file(path);
  EXPECT_FALSE(result.config.has_value());
  EXPECT_EQ(error_strings(result),
            Strings{path + ":0:0: cannot read config file: No such file or directory"});
}

TEST_F(LoadConfigFileTest, DirectoryIsOneError) {
  const ParseResult result = load_config_file(dir_.string());
  EXPECT_EQ(error_strings(result),
            Strings{dir_.string() + ":0:0: cannot read config file: Is a directory"});
}

TEST_F(LoadConfigFileTest, LoadsAndResolvesRelativeToTheFile) {
  const std::string path = write("tlsfloor.yaml",
                                 "listeners:\n"
                                 "  - name: api\n"
                                 "    listen: 0.0.0.0:8443\n"
                                 "    upstream: {address: 127.0.0.1:8080}\n"
                                 "    certificates:\n"
                                 "      - cert: certs/api.crt\n"
                                 "        key: /abs/api.key\n");
  const ParseResult result = load_config_file(path);
  ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(error_strings(result));
  EXPECT_EQ(result.config->source_path, path);
  const CertificateConfig& certificate = result.config->listeners[0].certificates[0];
  EXPECT_EQ(certificate.cert_path, (dir_ / "certs/api.crt").string());
  EXPECT_EQ(certificate.key_path, "/abs/api.key");
  EXPECT_EQ(certificate.where, (SourceMark{path, 6, 9}));
}

TEST_F(LoadConfigFileTest, ErrorsNameTheFile) {
  const std::string path = write("bad.yaml", "listeners: []\n");
  EXPECT_EQ(error_strings(load_config_file(path)),
            Strings{path + ":1:12: listeners must not be empty (at least one listener is "
                           "required)"});
}

// --- small pieces --------------------------------------------------------------------------------

TEST(ConfigErrorTest, ToStringIsFileLineColumnMessage) {
  EXPECT_EQ((ConfigError{SourceMark{"/etc/x.yaml", 7, 21}, "bad"}.to_string()),
            "/etc/x.yaml:7:21: bad");
}

TEST(EnforcementModeTest, ToStringMatchesConfigSpelling) {
  EXPECT_EQ(to_string(EnforcementMode::observe), "observe");
  EXPECT_EQ(to_string(EnforcementMode::enforce), "enforce");
}

}  // namespace
}  // namespace tlsfloor::config

namespace tlsfloor::config {
namespace {

// --- exceptions, brownouts and refusals ------------------------------------------------------

TEST(ConfigParserTest, ExceptionsBrownoutAndHttpRefusal) {
  const ParseResult result = parse(
      "listeners:\n"
      "  - name: api\n"
      "    listen: 0.0.0.0:8443\n"
      "    upstream: {address: 127.0.0.1:8080}\n"
      "    certificates: [{cert: a.crt, key: a.key}]\n"
      "    enforcement:\n"
      "      mode: brownout\n"
      "      brownout:\n"
      "        windows: [{ start: 2026-12-01T10:00:00Z, end: 2026-12-01T11:00:00Z }]\n"
      "        every: { period: 1h, duration: 10m }\n"
      "        fraction: 0.25\n"
      "      on_reject: http\n"
      "      http: {status: 403, body: \"upgrade your TLS\"}\n"
      "    exceptions:\n"
      "      - name: payroll-batch\n"
      "        clients: [10.20.0.0/16, 192.0.2.10, \"2001:db8::/48\"]\n"
      "        server_names: [Legacy.Example.com, \"*.old.example.com\"]\n"
      "        ja4: [t10d070600_c50f5591e341_1a3805c3aa63]\n"
      "        min_version: TLS1.1\n"
      "        expires: 2027-03-31T00:00:00Z\n"
      "        note: \"OPS-1234: vendor upgrade due in Q1\"\n"
      "        unused_after: 30d\n"
      "      - name: scanner\n"
      "        ja4: [t10i070600_c50f5591e341_1a3805c3aa63]\n"
      "        expires: 2026-12-31T00:00:00+01:00\n");
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  const ListenerConfig& api = result.config->listeners[0];
  EXPECT_EQ(api.enforcement.mode, EnforcementMode::brownout);
  using namespace std::chrono;
  const auto day = sys_days{year{2026} / 12 / 1};
  ASSERT_EQ(api.enforcement.brownout.windows.size(), 1u);
  EXPECT_EQ(api.enforcement.brownout.windows[0], (BrownoutWindow{day + 10h, day + 11h}));
  ASSERT_TRUE(api.enforcement.brownout.every.has_value());
  EXPECT_EQ(api.enforcement.brownout.every->period, 1h);
  EXPECT_EQ(api.enforcement.brownout.every->duration, 10min);
  EXPECT_EQ(api.enforcement.brownout.fraction, 0.25);
  EXPECT_EQ(api.enforcement.on_reject, RejectStyle::http);
  EXPECT_EQ(api.enforcement.http.status, 403u);
  EXPECT_EQ(api.enforcement.http.body, "upgrade your TLS");

  ASSERT_EQ(api.exceptions.size(), 2u);
  const ExceptionConfig& payroll = api.exceptions[0];
  EXPECT_EQ(payroll.name, "payroll-batch");
  ASSERT_EQ(payroll.clients.size(), 3u);
  EXPECT_EQ(to_string(payroll.clients[0]), "10.20.0.0/16");
  EXPECT_EQ(payroll.clients[0].length, 16);
  EXPECT_TRUE(payroll.clients[2].is_ipv6());
  EXPECT_EQ(payroll.server_names, (Strings{"legacy.example.com", "*.old.example.com"}));
  EXPECT_EQ(payroll.ja4, (Strings{"t10d070600_c50f5591e341_1a3805c3aa63"}));
  EXPECT_EQ(payroll.min_version, TlsVersion::tls1_1);
  EXPECT_EQ(payroll.expires, sys_days{year{2027} / 3 / 31});
  EXPECT_EQ(payroll.note, "OPS-1234: vendor upgrade due in Q1");
  EXPECT_EQ(payroll.unused_after, days(30));
  EXPECT_EQ(payroll.where, (SourceMark{"t.yaml", 15, 9}));
  const ExceptionConfig& scanner = api.exceptions[1];
  EXPECT_EQ(scanner.min_version, TlsVersion::tls1_0) << "the default";
  EXPECT_EQ(scanner.unused_after, days(14)) << "the default";
  EXPECT_EQ(scanner.expires, sys_days{year{2026} / 12 / 30} + 23h);
  EXPECT_TRUE(scanner.clients.empty());
}

TEST(ConfigParserTest, DefaultsOfEnforcement) {
  const ParseResult result = parse(kMinimalListeners);
  ASSERT_TRUE(result.config.has_value());
  const EnforcementConfig& enforcement = result.config->listeners[0].enforcement;
  EXPECT_EQ(enforcement.on_reject, RejectStyle::alert);
  EXPECT_EQ(enforcement.http.status, 426u);
  EXPECT_EQ(enforcement.http.body, "");
  EXPECT_TRUE(result.config->listeners[0].exceptions.empty());
}

// One exception per case, after the minimal listener (whose lines are 1-5).
std::string with_exception(std::string_view body) {
  return std::string(kMinimalListeners) + "    exceptions:\n      - " + std::string(body) + "\n";
}

INSTANTIATE_TEST_SUITE_P(
    ExceptionsAndBrownouts, SingleErrorTest,
    testing::Values(
        ErrorCase{"NoSelector", with_exception("{name: a, expires: 2027-01-01T00:00:00Z}"),
                  "t.yaml:7:9: exception \"a\" needs at least one selector: clients, "
                  "server_names or ja4"},
        ErrorCase{"NoExpiry", with_exception("{name: a, clients: [10.0.0.0/8]}"),
                  "t.yaml:7:9: missing required key \"expires\" in exception"},
        ErrorCase{"BadExpiry",
                  with_exception("{name: a, clients: [10.0.0.0/8], expires: 2027-01-01}"),
                  "t.yaml:7:51: invalid expires \"2027-01-01\" (expected an RFC 3339 time such "
                  "as 2027-03-31T00:00:00Z)"},
        ErrorCase{"HostBits",
                  with_exception("{name: a, clients: [10.0.0.1/8], expires: 2027-01-01T00:00:00Z}"),
                  "t.yaml:7:29: invalid client \"10.0.0.1/8\": host bits are set after the prefix "
                  "length (write the network address) (expected an address or a CIDR such as "
                  "10.20.0.0/16)"},
        ErrorCase{"BadJa4", with_exception("{name: a, ja4: [abc], expires: 2027-01-01T00:00:00Z}"),
                  "t.yaml:7:25: invalid ja4 \"abc\" (expected a JA4 such as "
                  "t10d070600_c50f5591e341_1a3805c3aa63)"},
        ErrorCase{"BadServerName",
                  with_exception("{name: a, server_names: [\"a.*.com\"], expires: "
                                 "2027-01-01T00:00:00Z}"),
                  "t.yaml:7:34: invalid server name \"a.*.com\" (a host name, or *.domain for "
                  "any name one label longer)"},
        ErrorCase{"FloorNotBelowListener",
                  with_exception("{name: a, ja4: [t10d070600_c50f5591e341_1a3805c3aa63], "
                                 "min_version: TLS1.2, expires: 2027-01-01T00:00:00Z}"),
                  "t.yaml:7:77: exception min_version TLS1.2 is not below the listener's "
                  "min_version TLS1.2 (the exception would let in no one the floor refuses)"},
        ErrorCase{"DuplicateName",
                  std::string(kMinimalListeners) +
                      "    exceptions:\n"
                      "      - {name: a, clients: [10.0.0.0/8], expires: 2027-01-01T00:00:00Z}\n"
                      "      - {name: a, clients: [11.0.0.0/8], expires: 2027-01-01T00:00:00Z}\n",
                  "t.yaml:8:16: duplicate exception name \"a\" in this listener (first defined "
                  "at line 7)"},
        ErrorCase{"BrownoutWithoutSection",
                  with_listeners("", "    enforcement: {mode: brownout}\n"),
                  "t.yaml:6:25: mode brownout needs a brownout section with windows or every "
                  "(when to refuse)"},
        ErrorCase{"BrownoutSectionUnused",
                  with_listeners("", "    enforcement: {brownout: {fraction: 0.5}}\n"),
                  "t.yaml:6:29: brownout is only used with mode, cipher_mode or groups_mode "
                  "brownout (mode is enforce, cipher_mode enforce, groups_mode enforce)"},
        ErrorCase{"BrownoutNoWhen",
                  with_listeners("",
                                 "    enforcement: {mode: brownout, brownout: {fraction: "
                                 "0.5}}\n"),
                  "t.yaml:6:45: brownout needs windows or every (when to refuse)"},
        ErrorCase{"WindowBackwards",
                  with_listeners("",
                                 "    enforcement: {mode: brownout, brownout: {windows: "
                                 "[{start: 2026-12-01T11:00:00Z, end: "
                                 "2026-12-01T10:00:00Z}]}}\n"),
                  "t.yaml:6:91: brownout window must end after it starts (start "
                  "2026-12-01T11:00:00.000Z, end 2026-12-01T10:00:00.000Z)"},
        ErrorCase{"EveryTooLong",
                  with_listeners("",
                                 "    enforcement: {mode: brownout, brownout: {every: "
                                 "{period: 1h, duration: 1h}}}\n"),
                  "t.yaml:6:76: brownout duration must be shorter than its period (a window "
                  "that never ends is mode: enforce)"},
        ErrorCase{"Fraction",
                  with_listeners("",
                                 "    enforcement: {mode: brownout, brownout: {every: "
                                 "{period: 1h, duration: 5m}, fraction: 1.5}}\n"),
                  "t.yaml:6:91: invalid fraction \"1.5\" (expected a number above 0 and at most "
                  "1, e.g. 0.25)"},
        ErrorCase{"OnReject", with_listeners("", "    enforcement: {on_reject: html}\n"),
                  "t.yaml:6:30: invalid on_reject \"html\" (expected one of: alert, http)"},
        ErrorCase{"HttpWithoutOnReject",
                  with_listeners("", "    enforcement: {http: {status: 426}}\n"),
                  "t.yaml:6:25: http is only used with on_reject: http"},
        ErrorCase{"HttpStatus",
                  with_listeners("", "    enforcement: {on_reject: http, http: {status: 99}}\n"),
                  "t.yaml:6:51: invalid status \"99\" (expected an integer from 200 to 599)"}),
    case_name);

// --- cipher floor --------------------------------------------------------------------------------

TEST(ConfigParserTest, SigningThreadsDefaultToTheWorkersAndZeroSignsInPlace) {
  ParseResult result = parse(kMinimalListeners);
  ASSERT_TRUE(result.config.has_value());
  EXPECT_FALSE(result.config->signing_threads.has_value());
  result = parse(with_listeners("signing_threads: 0\n"));
  ASSERT_TRUE(result.config.has_value());
  EXPECT_EQ(result.config->signing_threads, 0u);
}

TEST(ConfigParserTest, HandshakeThreadsDefaultToTheWorkersAndZeroKeepsHandshakesOnThem) {
  ParseResult result = parse(kMinimalListeners);
  ASSERT_TRUE(result.config.has_value());
  EXPECT_FALSE(result.config->handshake_threads.has_value());
  result = parse(with_listeners("handshake_threads: 0\n"));
  ASSERT_TRUE(result.config.has_value());
  EXPECT_EQ(result.config->handshake_threads, 0u);
  result = parse(with_listeners("handshake_threads: 3\n"));
  ASSERT_TRUE(result.config.has_value());
  EXPECT_EQ(result.config->handshake_threads, 3u);
  expect_errors(with_listeners("handshake_threads: -1\n"),
                {"t.yaml:1:20: invalid handshake_threads \"-1\" (expected an integer from 0 to "
                 "1024; 0 runs handshakes on the worker threads themselves)"});
}

TEST(ConfigParserTest, HandshakeStormRateDefaultsTo200AndZeroAlwaysUsesTheHandshakeThreads) {
  ParseResult result = parse(kMinimalListeners);
  ASSERT_TRUE(result.config.has_value());
  EXPECT_EQ(result.config->handshake_storm_rate, 200u);
  result = parse(with_listeners("handshake_storm_rate: 0\n"));
  ASSERT_TRUE(result.config.has_value());
  EXPECT_EQ(result.config->handshake_storm_rate, 0u);
  result = parse(with_listeners("handshake_storm_rate: 1500\n"));
  ASSERT_TRUE(result.config.has_value());
  EXPECT_EQ(result.config->handshake_storm_rate, 1500u);
  expect_errors(with_listeners("handshake_storm_rate: fast\n"),
                {"t.yaml:1:23: invalid handshake_storm_rate \"fast\" (expected an integer from 0 "
                 "to 1000000; 0 sends every connection to the handshake threads)"});
}

TEST(ConfigParserTest, CiphersDefaultToTheSecureListEnforced) {
  const ParseResult result = parse(kMinimalListeners);
  ASSERT_TRUE(result.config.has_value());
  const ListenerConfig& listener = result.config->listeners.at(0);
  EXPECT_EQ(listener.tls.ciphers.text, kDefaultCiphers);
  EXPECT_FALSE(listener.tls.legacy_ciphers.has_value());
  EXPECT_EQ(listener.enforcement.cipher_mode, EnforcementMode::enforce);
  // No 3DES and no static-RSA key exchange: every entry is ECDHE.
  for (std::string_view rest = kDefaultCiphers; !rest.empty();) {
    const std::string_view entry = rest.substr(0, rest.find(':'));
    EXPECT_EQ(entry.substr(0, 6), "ECDHE-") << entry;
    EXPECT_EQ(entry.find("DES"), std::string_view::npos) << entry;
    rest.remove_prefix(std::min(rest.size(), entry.size() + 1));
  }
}

TEST(ConfigParserTest, CipherListsAreStringsOrListsOfNames) {
  const ParseResult result = parse(with_listeners(
      "",
      "    tls:\n"
      "      ciphers: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA]\n"
      "      legacy_ciphers: \"ECDHE+AES:DES-CBC3-SHA\"\n"
      "    enforcement: {cipher_mode: observe}\n"
      "    exceptions:\n"
      "      - {name: till, clients: [10.0.0.7/32], ciphers: [TLS_RSA_WITH_3DES_EDE_CBC_SHA],\n"
      "         expires: 2027-01-01T00:00:00Z}\n"));
  ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(error_strings(result));
  const ListenerConfig& listener = result.config->listeners.at(0);
  EXPECT_EQ(listener.tls.ciphers.text,
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
  EXPECT_EQ(listener.tls.ciphers.where, (SourceMark{kSource, 7, 16}));
  ASSERT_TRUE(listener.tls.legacy_ciphers.has_value());
  EXPECT_EQ(listener.tls.legacy_ciphers->text, "ECDHE+AES:DES-CBC3-SHA");
  EXPECT_EQ(listener.enforcement.cipher_mode, EnforcementMode::observe);
  ASSERT_EQ(listener.exceptions.size(), 1u);
  ASSERT_TRUE(listener.exceptions[0].ciphers.has_value());
  EXPECT_EQ(listener.exceptions[0].ciphers->text, "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  // Every list is handed to the TLS layer, which checks the names.
  EXPECT_EQ(result.cipher_lists.size(), 3u);
}

TEST(ConfigParserTest, ARouteInheritsItsListenersCiphersKeyByKey) {
  const ParseResult result = parse(with_listeners(
      "",
      "    tls: {ciphers: \"ECDHE+AESGCM:ECDHE+AES\", legacy_ciphers: \"ALL\"}\n"
      "    routes:\n"
      "      - {name: old, server_names: [old.example.com], tls: {ciphers: \"ECDHE+AES\"}}\n"));
  ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(error_strings(result));
  const RouteConfig& route = result.config->listeners.at(0).routes.at(0);
  EXPECT_EQ(route.tls.ciphers.text, "ECDHE+AES");
  ASSERT_TRUE(route.tls.legacy_ciphers.has_value());
  EXPECT_EQ(route.tls.legacy_ciphers->text, "ALL");
}

INSTANTIATE_TEST_SUITE_P(
    CipherFloor, SingleErrorTest,
    testing::Values(
        ErrorCase{"EmptyList", with_listeners("", "    tls: {ciphers: []}\n"),
                  "t.yaml:6:20: ciphers must name at least one cipher suite (TLS 1.3 suites are "
                  "fixed by BoringSSL and are not listed here)"},
        ErrorCase{"EmptyString", with_listeners("", "    tls: {legacy_ciphers: \"\"}\n"),
                  "t.yaml:6:27: legacy_ciphers must name at least one cipher suite (TLS 1.3 "
                  "suites are fixed by BoringSSL and are not listed here)"},
        ErrorCase{"TwoNamesInOneEntry",
                  with_listeners("", "    tls: {ciphers: [\"AES128-SHA:AES256-SHA\"]}\n"),
                  "t.yaml:6:21: invalid cipher suite name \"AES128-SHA:AES256-SHA\" (one name "
                  "per entry, such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)"},
        ErrorCase{"AdminConnectionsZero",
                  with_listeners("admin: {listen: 127.0.0.1:9901, max_connections: 0}\n"),
                  "t.yaml:1:50: invalid max_connections \"0\" (expected an integer from 1 to "
                  "1000)"},
        ErrorCase{"SourcePrefixTooLong", with_listeners("limits: {source_ipv6_prefix: 129}\n"),
                  "t.yaml:1:30: invalid source_ipv6_prefix \"129\" (expected an integer from 0 "
                  "to 128)"},
        ErrorCase{"CipherBrownoutWithoutWindows",
                  with_listeners("",
                                 "    tls: {legacy_ciphers: ALL}\n"
                                 "    enforcement: {cipher_mode: brownout}\n"),
                  "t.yaml:7:32: cipher_mode brownout needs a brownout section with windows or "
                  "every (when to refuse)"},
        ErrorCase{"CipherMode", with_listeners("", "    enforcement: {cipher_mode: warn}\n"),
                  "t.yaml:6:32: invalid enforcement cipher_mode \"warn\" (expected one of: "
                  "observe, brownout, enforce)"}),
    case_name);

TEST(ConfigParserTest, ACipherBrownoutSharesTheBrownoutSection) {
  const ParseResult result =
      parse(with_listeners("",
                           "    tls: {legacy_ciphers: ALL}\n"
                           "    enforcement:\n"
                           "      cipher_mode: brownout\n"
                           "      brownout: {every: {period: 1h, duration: 5m}}\n"));
  ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(error_strings(result));
  const EnforcementConfig& enforcement = result.config->listeners.at(0).enforcement;
  EXPECT_EQ(enforcement.mode, EnforcementMode::enforce);
  EXPECT_EQ(enforcement.cipher_mode, EnforcementMode::brownout);
  EXPECT_TRUE(enforcement.brownout.every.has_value());
}

TEST(ConfigParserTest, InputsThatMadeYamlCppLoopForEverAreErrors) {
  // Found by the config fuzzer: yaml-cpp 0.7's LoadAll allocates without end on these.
  for (const char* text : {",'", ",", "listeners:\n,'", "a: 1\n,\n"}) {
    const ParseResult result = parse(text);
    EXPECT_FALSE(result.config.has_value()) << text;
    EXPECT_FALSE(result.errors.empty()) << text;
  }
}

}  // namespace
}  // namespace tlsfloor::config

namespace tlsfloor::config {
namespace {

// --- routes ----------------------------------------------------------------------------------

constexpr std::string_view kEdgeListener =
    "listeners:\n"
    "  - name: edge\n"
    "    listen: 0.0.0.0:443\n"
    "    upstream: { address: 127.0.0.1:8080, connect_timeout: 2s }\n"
    "    certificates: [{ cert: edge.crt, key: edge.key }]\n"
    "    enforcement: { mode: enforce }\n"
    "    exceptions: [{ name: old-pos, clients: [10.9.0.0/16], expires: 2027-06-30T00:00:00Z }]\n"
    "    routes:\n";

TEST(ConfigParserRoutesTest, ARouteTakesWhatItDoesNotSetFromItsListener) {
  const ParseResult result =
      parse(std::string(kEdgeListener) +
            "      - name: legacy\n"
            "        server_names: [Legacy.Example.com., \"*.old.example.com\"]\n"
            "        upstream: { address: 10.0.0.7:9000 }\n"
            "        enforcement: { mode: observe }\n"
            "      - name: shop\n"
            "        server_names: [shop.example.com]\n"
            "        certificates: [{ cert: shop.crt, key: shop.key }]\n"
            "        tls: { min_version: TLS1.1 }\n"
            "        enforcement: { mode: brownout, brownout: { every: { "
            "period: 1h, duration: 10m } } }\n"
            "        exceptions: [{ name: pos, clients: [10.9.0.0/16], "
            "expires: 2027-06-30T00:00:00Z }]\n");
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  const ListenerConfig& edge = result.config->listeners[0];
  ASSERT_EQ(edge.routes.size(), 2u);
  const RouteConfig& legacy = edge.routes[0];
  EXPECT_EQ(legacy.name, "legacy");
  EXPECT_EQ(legacy.server_names, (Strings{"legacy.example.com", "*.old.example.com"}));
  EXPECT_EQ(legacy.upstream.address, (Endpoint{"10.0.0.7", 9000}));
  EXPECT_EQ(legacy.upstream.connect_timeout, 2s);  // inherited key by key
  EXPECT_EQ(legacy.enforcement.mode, EnforcementMode::observe);
  // Not written anywhere: the cipher floor is staged with the route's own mode.
  EXPECT_EQ(legacy.enforcement.cipher_mode, EnforcementMode::observe);
  EXPECT_TRUE(legacy.certificates.empty());  // the listener's are used
  ASSERT_EQ(legacy.exceptions.size(), 1u);   // the listener's
  EXPECT_EQ(legacy.exceptions[0].name, "old-pos");
  EXPECT_EQ(legacy.exceptions[0].route, "default");
  EXPECT_EQ(legacy.where, (SourceMark{kSource, 9, 9}));
  const RouteConfig& shop = edge.routes[1];
  EXPECT_EQ(shop.upstream.address, (Endpoint{"127.0.0.1", 8080}));
  ASSERT_EQ(shop.certificates.size(), 1u);
  EXPECT_EQ(shop.certificates[0].cert_path, "shop.crt");
  EXPECT_EQ(shop.tls.min_version, TlsVersion::tls1_1);
  EXPECT_EQ(shop.tls.max_version, TlsVersion::tls1_3);
  EXPECT_EQ(shop.enforcement.mode, EnforcementMode::brownout);
  ASSERT_EQ(shop.exceptions.size(), 1u);  // its own replace the listener's
  EXPECT_EQ(shop.exceptions[0].name, "pos");
  EXPECT_EQ(shop.exceptions[0].route, "shop");
  EXPECT_EQ(edge.exceptions[0].route, "default");
  // shop (brownout) reaches the default route's upstream: said, not refused.
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].message.find("routes \"shop\" (TLS1.1 brownout) and \"default\""),
            std::string::npos)
      << result.warnings[0].message;
}

TEST(ConfigParserRoutesTest, EveryRouteProblemIsNamedWithItsPosition) {
  expect_errors(std::string(kEdgeListener) +
                    "      - name: legacy\n"
                    "        server_names: [legacy.example.com, \"*.old.example.com\"]\n"
                    "      - name: legacy\n"
                    "        server_names: [LEGACY.example.com, \"*.Old.example.com.\"]\n"
                    "      - name: default\n"
                    "        server_names: [\"a*.example.com\", 192.0.2.1, \"[::1]\", \"a..b\"]\n"
                    "      - name: empty\n"
                    "        server_names: []\n"
                    "      - name: nameless\n"
                    "        upstream: { connect_timeout: 1s }\n",
                {"t.yaml:11:15: duplicate route name \"legacy\" in this listener (first defined "
                 "at line 9)",
                 "t.yaml:12:24: server name \"legacy.example.com\" is already claimed by route "
                 "\"legacy\" at line 10 (each name belongs to one route)",
                 "t.yaml:12:44: server name \"*.old.example.com\" is already claimed by route "
                 "\"legacy\" at line 10 (each name belongs to one route)",
                 "t.yaml:13:15: route name \"default\" is taken by the listener's own keys (the "
                 "default route)",
                 "t.yaml:14:24: invalid server name \"a*.example.com\": a wildcard is only "
                 "allowed as the whole first label (*.example.com)",
                 "t.yaml:14:42: invalid server name \"192.0.2.1\": an IP address is never sent "
                 "as SNI (clients that connect by address get the default route)",
                 "t.yaml:14:53: invalid server name \"[::1]\": expected a host name (letters, "
                 "digits, '-' and '_' in dot-separated labels)",
                 "t.yaml:14:62: invalid server name \"a..b\": expected a host name (letters, "
                 "digits, '-' and '_' in dot-separated labels)",
                 "t.yaml:16:23: server_names must not be empty (a route needs at least one name)",
                 "t.yaml:17:9: missing required key \"server_names\" in route"});
}

TEST(ConfigParserRoutesTest, RoutesWithDifferentFloorsSharingAnUpstreamAreWarnedAbout) {
  const ParseResult result = parse(std::string(kEdgeListener) +
                                   "      - name: legacy\n"
                                   "        server_names: [legacy.example.com]\n"
                                   "        enforcement: { mode: observe }\n"
                                   "      - name: strict\n"
                                   "        server_names: [strict.example.com]\n"
                                   "        upstream: { address: 10.0.0.7:9000 }\n"
                                   "      - name: lax\n"
                                   "        server_names: [lax.example.com]\n"
                                   "        upstream: { address: 10.0.0.7:9000 }\n"
                                   "        tls: { min_version: TLS1.0 }\n");
  ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(error_strings(result));
  std::vector<std::string> warnings;
  for (const auto& warning : result.warnings) warnings.push_back(warning.to_string());
  const std::string tail =
      ": a client reaches it through the laxer route by sending that route's SNI or connecting "
      "to its port, so the stricter floor does not protect it";
  EXPECT_EQ(warnings,
            (Strings{"t.yaml:9:9: routes \"legacy\" (TLS1.2 observe) and \"default\" (TLS1.2 "
                     "enforce) of listener \"edge\" share upstream 127.0.0.1:8080" +
                         tail,
                     "t.yaml:15:9: routes \"lax\" (TLS1.0 enforce) and \"strict\" (TLS1.2 "
                     "enforce) of listener \"edge\" share upstream 10.0.0.7:9000" +
                         tail}));
}

TEST(ConfigParserRoutesTest, ListenersReachingOneUpstreamByAnotherNameAreComparedToo) {
  // Another listener, the same upstream under its name (localhost resolves to 127.0.0.1 here,
  // as everywhere /etc/hosts says so), a floor that differs only in its suites.
  const ParseResult result = parse(
      "listeners:\n"
      "  - name: edge\n"
      "    listen: 0.0.0.0:8443\n"
      "    upstream: { address: 127.0.0.1:8080 }\n"
      "    certificates: [{ cert: c.crt, key: c.key }]\n"
      "  - name: legacy-port\n"
      "    listen: 0.0.0.0:9443\n"
      "    upstream: { address: localhost:8080 }\n"
      "    certificates: [{ cert: c.crt, key: c.key }]\n"
      "    tls: { ciphers: \"ECDHE+AESGCM:RSA+AES\" }\n");
  ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(error_strings(result));
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_EQ(result.warnings[0].to_string(),
            "t.yaml:6:5: route \"default\" of listener \"legacy-port\" (TLS1.2 enforce, suites "
            "\"ECDHE+AESGCM:RSA+AES\" (cipher_mode enforce)) and route \"default\" of listener "
            "\"edge\" (TLS1.2 enforce, suites of the default list (cipher_mode enforce)) share "
            "upstream localhost:8080 (also reached as 127.0.0.1:8080): a client reaches it through "
            "the laxer route by sending that route's SNI or connecting to its port, so the "
            "stricter floor does not protect it");
  // The same floor on both: nothing to say.
  EXPECT_TRUE(parse("listeners:\n"
                    "  - name: edge\n"
                    "    listen: 0.0.0.0:8443\n"
                    "    upstream: { address: 127.0.0.1:8080 }\n"
                    "    certificates: [{ cert: c.crt, key: c.key }]\n"
                    "  - name: other\n"
                    "    listen: 0.0.0.0:9443\n"
                    "    upstream: { address: localhost:8080 }\n"
                    "    certificates: [{ cert: c.crt, key: c.key }]\n")
                  .warnings.empty());
}

}  // namespace
}  // namespace tlsfloor::config

namespace tlsfloor::config {
namespace {

TEST(ConfigParserProxyProtocolTest, TrustedBalancersAndTheirTimeout) {
  const ParseResult result = parse(with_listeners(
      "", "    proxy_protocol: { trusted: [10.0.0.0/8, \"fd00::/8\", 192.0.2.7], timeout: 1s }\n"));
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  const auto& proxy_protocol = result.config->listeners[0].proxy_protocol;
  ASSERT_TRUE(proxy_protocol.has_value());
  ASSERT_EQ(proxy_protocol->trusted.size(), 3u);
  EXPECT_EQ(to_string(proxy_protocol->trusted[1]), "fd00::/8");
  EXPECT_EQ(proxy_protocol->timeout, std::chrono::seconds(1));
  EXPECT_FALSE(parse(kMinimalListeners).config->listeners[0].proxy_protocol.has_value());
}

TEST(ConfigParserProxyProtocolTest, EveryProblemIsNamed) {
  expect_errors(with_listeners("", "    proxy_protocol: { trusted: [], timeout: 0s }\n"),
                {"t.yaml:6:32: trusted must not be empty (the load balancers' addresses or "
                 "networks, e.g. [10.0.0.0/8])",
                 "t.yaml:6:45: timeout must be greater than 0 (got \"0s\")"});
  expect_errors(with_listeners("", "    proxy_protocol: { trusted: [10.0.0.1/8, nonsense] }\n"),
                {"t.yaml:6:33: invalid trusted address \"10.0.0.1/8\": host bits are set after "
                 "the prefix length (write the network address) (expected an address or a CIDR "
                 "such as 10.0.0.0/8)",
                 "t.yaml:6:45: invalid trusted address \"nonsense\": not an IP address (expected "
                 "an address or a CIDR such as 10.0.0.0/8)"});
  expect_errors(with_listeners("", "    proxy_protocol: { timeout: 1s }\n"),
                {"t.yaml:6:21: missing required key \"trusted\" in proxy_protocol"});
}

}  // namespace
}  // namespace tlsfloor::config

namespace tlsfloor::config {
namespace {

TEST(ConfigParserProxyProtocolTest, TheUpstreamMayGetAHeaderToo) {
  const std::string listener =
      "listeners:\n"
      "  - name: api\n"
      "    listen: 0.0.0.0:8443\n"
      "    upstream: {address: 127.0.0.1:8080, proxy_protocol: v2}\n"
      "    certificates: [{cert: a.crt, key: a.key}]\n"
      "    routes:\n"
      "      - name: nginx\n"
      "        server_names: [n.example]\n"
      "        upstream: {proxy_protocol: v2-addresses}\n";
  const ParseResult result = parse(listener);
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  const ListenerConfig& api = result.config->listeners[0];
  EXPECT_EQ(api.upstream.proxy_protocol, UpstreamProxyProtocol::v2);
  EXPECT_EQ(api.routes[0].upstream.proxy_protocol, UpstreamProxyProtocol::v2_addresses);
  EXPECT_EQ(api.routes[0].upstream.address, (Endpoint{"127.0.0.1", 8080}));
  EXPECT_EQ(parse(kMinimalListeners).config->listeners[0].upstream.proxy_protocol,
            UpstreamProxyProtocol::none);
  expect_errors(
      "listeners:\n"
      "  - name: api\n"
      "    listen: 0.0.0.0:8443\n"
      "    upstream: {address: 127.0.0.1:8080, proxy_protocol: v3}\n"
      "    certificates: [{cert: a.crt, key: a.key}]\n",
      {"t.yaml:4:57: invalid proxy_protocol \"v3\" (expected one of: v1, v2, v2-addresses, none)"});
}

}  // namespace
}  // namespace tlsfloor::config

namespace tlsfloor::config {
namespace {

TEST(ConfigParserAlpnTest, ProtocolsInOrderAndTheirErrors) {
  const ParseResult result = parse(with_listeners("", "    tls: { alpn: [h2, http/1.1] }\n"));
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  EXPECT_EQ(result.config->listeners[0].tls.alpn, (Strings{"h2", "http/1.1"}));
  expect_errors(with_listeners("", "    tls: { alpn: [] }\n"),
                {"t.yaml:6:18: alpn must not be empty (leave it out for no ALPN)"});
  expect_errors(
      with_listeners("", "    tls: { alpn: [h2, \"\", h2, " + std::string(256, 'x') + "] }\n"),
      {"t.yaml:6:23: invalid ALPN protocol \"\" (1 to 255 bytes, such as h2 or http/1.1)",
       "t.yaml:6:27: ALPN protocol \"h2\" is listed twice",
       "t.yaml:6:31: invalid ALPN protocol \"" + std::string(256, 'x') +
           "\" (1 to 255 bytes, such as h2 or http/1.1)"});
}

}  // namespace
}  // namespace tlsfloor::config

namespace tlsfloor::config {
namespace {

std::string with_upstream_tls(std::string_view tls, std::string_view routes = "") {
  return "listeners:\n"
         "  - name: api\n"
         "    listen: 0.0.0.0:8443\n"
         "    upstream: {address: legacy.internal:443, tls: " +
         std::string(tls) +
         "}\n"
         "    certificates: [{cert: a.crt, key: a.key}]\n" +
         std::string(routes);
}

TEST(ConfigParserUpstreamTlsTest, VerifiedByDefaultAndChangedKeyByKeyInRoutes) {
  const ParseResult result = parse(with_upstream_tls(
      "{min_version: TLS1.0, ca_file: /etc/ca.pem, alpn: [h2], cert: c.crt, key: c.key}",
      "    routes:\n"
      "      - name: other\n"
      "        server_names: [o.example]\n"
      "        upstream: {tls: {server_name: other.internal}}\n"));
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  EXPECT_TRUE(result.warnings.empty());
  const ListenerConfig& api = result.config->listeners[0];
  ASSERT_TRUE(api.upstream.tls.has_value());
  const UpstreamTlsConfig& tls = *api.upstream.tls;
  EXPECT_TRUE(tls.verify);
  EXPECT_EQ(tls.server_name, "");  // the upstream's host name is used
  EXPECT_EQ(tls.ca_file, "/etc/ca.pem");
  EXPECT_EQ(tls.ca_file_where, (SourceMark{"t.yaml", 4, 82}));
  EXPECT_EQ(tls.min_version, TlsVersion::tls1_0);
  EXPECT_EQ(tls.max_version, TlsVersion::tls1_3);
  EXPECT_EQ(tls.alpn, (Strings{"h2"}));
  ASSERT_TRUE(tls.client_certificate.has_value());
  EXPECT_EQ(tls.client_certificate->cert_path, "c.crt");
  const UpstreamTlsConfig& route = *api.routes[0].upstream.tls;
  EXPECT_EQ(route.server_name, "other.internal");
  EXPECT_EQ(route.min_version, TlsVersion::tls1_0);  // inherited
  EXPECT_EQ(route.ca_file, "/etc/ca.pem");
  EXPECT_EQ(result.upstream_tls.size(), 2u);  // both mappings, for the TLS layer to check
  EXPECT_FALSE(parse(kMinimalListeners).config->listeners[0].upstream.tls.has_value());
}

TEST(ConfigParserUpstreamTlsTest, VerifyFalseIsWarnedOnce) {
  const ParseResult result = parse(with_upstream_tls("{verify: false}",
                                                     "    routes:\n"
                                                     "      - name: other\n"
                                                     "        server_names: [o.example]\n"));
  ASSERT_TRUE(result.config.has_value());
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_EQ(result.warnings[0].to_string(),
            "t.yaml:4:51: TLS to upstream legacy.internal:443 is not verified (verify: false): "
            "anyone on the path to it can read and change the traffic");
}

TEST(ConfigParserUpstreamTlsTest, ErrorsNameTheirPositionAllAtOnce) {
  expect_errors(
      with_upstream_tls("{min_version: TLS1.3, max_version: TLS1.2, verify: maybe, cert: c.crt, "
                        "alpn: [\"\"], server_name: \"a b\", sni: x}"),
      {"t.yaml:4:65: min_version TLS1.3 is above max_version TLS1.2",
       "t.yaml:4:102: invalid verify \"maybe\" (expected true or false)",
       "t.yaml:4:115: upstream tls needs both cert and key for a client certificate, or neither",
       "t.yaml:4:129: invalid ALPN protocol \"\" (1 to 255 bytes, such as h2 or http/1.1)",
       "t.yaml:4:147: invalid server_name \"a b\" (a host name such as backend.example.com)",
       "t.yaml:4:154: unknown key \"sni\" in upstream tls (expected one of: server_name, ca_file, "
       "verify, min_version, max_version, cert, key, alpn, ciphers)"});
}

}  // namespace
}  // namespace tlsfloor::config

namespace tlsfloor::config {
namespace {

TEST(ConfigParserSessionTicketsTest, KeysFromAFileOrGeneratedWithARotation) {
  EXPECT_EQ(parse(kMinimalListeners).config->session_tickets.rotation, std::chrono::hours(12));
  EXPECT_TRUE(parse(kMinimalListeners).config->session_tickets.keys.empty());
  const ParseResult rotated = parse(with_listeners("session_tickets: {rotation: 1h}\n"));
  ASSERT_TRUE(rotated.config.has_value()) << testing::PrintToString(error_strings(rotated));
  EXPECT_EQ(rotated.config->session_tickets.rotation, std::chrono::hours(1));

  const std::string path = testing::TempDir() + "tlsfloor-ticket-keys-test";
  const auto write_keys = [&](const std::string& text, mode_t mode) {
    std::ofstream(path, std::ios::trunc) << text;
    ::chmod(path.c_str(), mode);
  };
  // 80 bytes: 16 of name, then 64 more.
  const std::string key =
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNE"
      "RUZHSElKS0xNTk8=";
  write_keys(key + "\n", 0600);
  const ParseResult loaded = parse(with_listeners("session_tickets: {keys_file: " + path + "}\n"));
  ASSERT_TRUE(loaded.config.has_value()) << testing::PrintToString(error_strings(loaded));
  ASSERT_EQ(loaded.config->session_tickets.keys.size(), 1u);
  EXPECT_EQ(loaded.config->session_tickets.keys[0].name[1], 1);

  write_keys(key + "\nAAAA\n", 0600);
  expect_errors(with_listeners("session_tickets: {keys_file: " + path + "}\n"),
                {"t.yaml:1:30: session ticket keys file " + path +
                 ", line 2: a key is 80 bytes (or 48), this one is 3"});
  write_keys(key + "\n", 0644);
  expect_errors(
      with_listeners("session_tickets: {keys_file: " + path + "}\n"),
      {"t.yaml:1:30: session ticket keys file " + path + " is readable by others (chmod o-rwx)"});
  expect_errors(with_listeners("session_tickets: {keys_file: " + path + ".missing}\n"),
                {"t.yaml:1:30: cannot read session ticket keys file " + path +
                 ".missing: No such file or directory"});
  write_keys(key + "\n", 0600);
  expect_errors(with_listeners("session_tickets: {keys_file: " + path + ", rotation: 1h}\n"),
                {"t.yaml:1:" + std::to_string(42 + path.size()) +
                 ": rotation applies to the keys tlsfloor makes itself, not to keys_file (rotate "
                 "by adding a key at the top of the file)"});
  std::remove(path.c_str());
}

}  // namespace
}  // namespace tlsfloor::config

namespace tlsfloor::config {
namespace {

TEST(ConfigParserCertificateReloadTest, IntervalAndTheFilesItWatches) {
  EXPECT_EQ(parse(kMinimalListeners).config->certificate_reload_interval, std::chrono::seconds(60));
  const ParseResult off = parse(with_listeners("certificate_reload: {interval: 0s}\n"));
  ASSERT_TRUE(off.config.has_value()) << testing::PrintToString(error_strings(off));
  EXPECT_EQ(off.config->certificate_reload_interval.count(), 0);
  expect_errors(with_listeners("certificate_reload: {every: 1m}\n"),
                {"t.yaml:1:22: unknown key \"every\" in certificate_reload (expected one of: "
                 "interval)"});
  const ParseResult routed = parse(
      "listeners:\n"
      "  - name: api\n"
      "    listen: 0.0.0.0:8443\n"
      "    upstream: {address: 10.0.0.1:443, tls: {ca_file: /etc/ca.pem, cert: /c.crt, key: "
      "/c.key}}\n"
      "    certificates: [{cert: /a.crt, key: /a.key}, {cert: /a.crt, key: /a2.key}]\n"
      "    routes:\n"
      "      - {name: b, server_names: [b.test], certificates: [{cert: /b.crt, key: /b.key}]}\n");
  ASSERT_TRUE(routed.config.has_value()) << testing::PrintToString(error_strings(routed));
  EXPECT_EQ(routed.config->reloadable_files(),
            (Strings{"/a.crt", "/a.key", "/a2.key", "/b.crt", "/b.key", "/c.crt", "/c.key",
                     "/etc/ca.pem"}));
}

}  // namespace
}  // namespace tlsfloor::config

namespace tlsfloor::config {
namespace {

// What is accepted but unsafe is said, with its position, every time it is loaded.
class ConfigParserWarningsTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "tlsfloor-warnings-XXXXXX");
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, std::string_view text, mode_t mode) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  Strings warnings_of(const std::string& yaml) {
    const ParseResult result = parse(yaml);
    EXPECT_TRUE(result.config.has_value()) << testing::PrintToString(error_strings(result));
    Strings warnings;
    for (const auto& warning : result.warnings) warnings.push_back(warning.to_string());
    return warnings;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigParserWarningsTest, APrivateKeyAnyUserMayReadIsWarnedAbout) {
  const std::string open_key = write("open.key", "not checked here", 0644);
  const std::string closed_key = write("closed.key", "not checked here", 0640);
  const std::string listener =
      "listeners:\n"
      "  - name: api\n"
      "    listen: 127.0.0.1:8443\n"
      "    upstream: {address: 127.0.0.1:8080, tls: {cert: c.crt, key: " +
      open_key +
      "}}\n"
      "    certificates:\n"
      "      - {cert: a.crt, key: " +
      open_key +
      "}\n"
      "      - {cert: b.crt, key: " +
      closed_key + "}\n";
  EXPECT_EQ(warnings_of(listener),
            (Strings{"t.yaml:4:65: private key " + open_key +
                         " is readable by every user of this machine (chmod o-rwx)",
                     "t.yaml:6:28: private key " + open_key +
                         " is readable by every user of this machine (chmod o-rwx)"}));
}

TEST_F(ConfigParserWarningsTest, AShortAdminTokenIsWarnedAbout) {
  const std::string short_token = write("short", "0123456789abcdef\n", 0600);
  const std::string long_token =
      write("long", "0123456789abcdef0123456789abcdef0123456789abcdef\n", 0600);
  EXPECT_EQ(warnings_of(with_listeners(
                "admin: {listen: 127.0.0.1:9901, token_file: " + short_token + "}\n")),
            Strings{"t.yaml:1:45: admin token in " + short_token +
                    " is 16 characters; use 32 or more random ones (openssl rand -hex 32 > FILE)"});
  EXPECT_EQ(warnings_of(with_listeners("admin: {listen: 127.0.0.1:9901, token_file: " + long_token +
                                       "}\n")),
            Strings{});
}

TEST_F(ConfigParserWarningsTest, TrustingEveryAddressWithAProxyHeaderIsWarnedAbout) {
  EXPECT_EQ(
      warnings_of(with_listeners(
          "", "    proxy_protocol: { trusted: [10.0.0.0/8, 0.0.0.0/0, \"::/0\"] }\n")),
      (Strings{"t.yaml:6:45: trusted \"0.0.0.0/0\" trusts every address to send a PROXY header: "
               "any client can then name any source address (list the balancers' addresses)",
               "t.yaml:6:56: trusted \"::/0\" trusts every address to send a PROXY header: any "
               "client can then name any source address (list the balancers' addresses)"}));
}

}  // namespace
}  // namespace tlsfloor::config

namespace tlsfloor::config {
namespace {

// A listener that routes by ALPN (lines 1-8), then `routes` (line 9 on).
constexpr std::string_view kAlpnListener =
    "listeners:\n"
    "  - name: web\n"
    "    listen: 0.0.0.0:443\n"
    "    upstream: { address: 127.0.0.1:8080, connect_timeout: 2s, proxy_protocol: v2 }\n"
    "    upstream_by_alpn:\n"
    "      h2: { address: 127.0.0.1:8082 }\n"
    "      http/1.1: { address: \"[::1]:8081\", proxy_protocol: none }\n"
    "    certificates: [{ cert: c.crt, key: c.key }]\n";

TEST(ConfigParserAlpnRoutingTest, EntriesStartFromUpstreamKeyByKeyInTheOrderWritten) {
  const ParseResult result = parse(kAlpnListener);
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  EXPECT_TRUE(result.warnings.empty());
  const ListenerConfig& web = result.config->listeners[0];
  EXPECT_EQ(web.upstream.address, (Endpoint{"127.0.0.1", 8080}));
  ASSERT_EQ(web.upstream_by_alpn.size(), 2u);
  const AlpnUpstream& h2 = web.upstream_by_alpn[0];
  EXPECT_EQ(h2.protocol, "h2");
  EXPECT_EQ(h2.where, (SourceMark{kSource, 6, 7}));
  EXPECT_EQ(h2.upstream.address, (Endpoint{"127.0.0.1", 8082}));
  EXPECT_EQ(h2.upstream.connect_timeout, 2s);  // the listener's upstream's
  EXPECT_EQ(h2.upstream.proxy_protocol, UpstreamProxyProtocol::v2);
  const AlpnUpstream& http1 = web.upstream_by_alpn[1];
  EXPECT_EQ(http1.protocol, "http/1.1");
  EXPECT_EQ(http1.upstream.address, (Endpoint{"::1", 8081}));
  EXPECT_EQ(http1.upstream.proxy_protocol, UpstreamProxyProtocol::none);  // its own
  EXPECT_TRUE(web.tls.alpn.empty());  // nothing written: the map's protocols are offered
  EXPECT_TRUE(parse(kMinimalListeners).config->listeners[0].upstream_by_alpn.empty());
}

TEST(ConfigParserAlpnRoutingTest, ARouteKeepsItsListenersMapOnlyIfItNamesNoUpstreamOfItsOwn) {
  const ParseResult result = parse(
      std::string(kAlpnListener) +
      "    routes:\n"
      "      - name: same\n"
      "        server_names: [same.example.com]\n"
      "        tls: { min_version: TLS1.3 }\n"
      "      - name: own\n"
      "        server_names: [own.example.com]\n"
      "        upstream: { address: 10.0.0.7:9000 }\n"
      "      - name: grpc\n"
      "        server_names: [grpc.example.com]\n"
      "        tls: { alpn: [h2, acme-tls/1] }\n"
      "        upstream_by_alpn:\n"
      "          acme-tls/1: { address: 10.0.0.9:9443, tls: { server_name: acme.internal } }\n"
      "      - name: both\n"
      "        server_names: [both.example.com]\n"
      "        upstream: { address: 10.0.0.8:9000 }\n"
      "        upstream_by_alpn: { h2: { address: 10.0.0.8:9002 } }\n");
  ASSERT_TRUE(result.errors.empty()) << testing::PrintToString(error_strings(result));
  const ListenerConfig& web = result.config->listeners[0];
  ASSERT_EQ(web.routes.size(), 4u);
  // Neither upstream key written: the listener's map, whole.
  const RouteConfig& same = web.routes[0];
  ASSERT_EQ(same.upstream_by_alpn.size(), 2u);
  EXPECT_EQ(same.upstream_by_alpn[0].upstream.address, (Endpoint{"127.0.0.1", 8082}));
  // Its own upstream: that upstream for every protocol, never the listener's backends.
  EXPECT_EQ(web.routes[1].upstream.address, (Endpoint{"10.0.0.7", 9000}));
  EXPECT_TRUE(web.routes[1].upstream_by_alpn.empty());
  // Its own map replaces the listener's; its entries start from the route's upstream (here the
  // listener's, inherited).
  const RouteConfig& grpc = web.routes[2];
  ASSERT_EQ(grpc.upstream_by_alpn.size(), 1u);
  const UpstreamConfig& acme = grpc.upstream_by_alpn[0].upstream;
  EXPECT_EQ(grpc.upstream_by_alpn[0].protocol, "acme-tls/1");
  EXPECT_EQ(acme.address, (Endpoint{"10.0.0.9", 9443}));
  EXPECT_EQ(acme.connect_timeout, 2s);
  EXPECT_EQ(acme.proxy_protocol, UpstreamProxyProtocol::v2);
  ASSERT_TRUE(acme.tls.has_value());
  EXPECT_EQ(acme.tls->server_name, "acme.internal");
  EXPECT_FALSE(grpc.upstream.tls.has_value());
  EXPECT_EQ(result.upstream_tls.size(), 1u);  // for the TLS layer to check, like upstream.tls
  const RouteConfig& both = web.routes[3];
  EXPECT_EQ(both.upstream.address, (Endpoint{"10.0.0.8", 9000}));
  ASSERT_EQ(both.upstream_by_alpn.size(), 1u);
  EXPECT_EQ(both.upstream_by_alpn[0].upstream.address, (Endpoint{"10.0.0.8", 9002}));
  EXPECT_EQ(both.upstream_by_alpn[0].upstream.connect_timeout, 2s);
}

TEST(ConfigParserAlpnRoutingTest, EveryProblemIsNamedWithItsPositionAllAtOnce) {
  expect_errors(
      "listeners:\n"
      "  - name: web\n"
      "    listen: 0.0.0.0:443\n"
      "    upstream: { address: 127.0.0.1:8080 }\n"
      "    certificates: [{ cert: c.crt, key: c.key }]\n"
      "    tls: { alpn: [h2, http/1.1], min_version: TLS1.0, max_version: TLS1.1 }\n"
      "    upstream_by_alpn:\n"
      "      h2: { address: 127.0.0.1:8082 }\n"
      "      spdy/3: { address: 127.0.0.1:8083 }\n"
      "      \"\": { address: 127.0.0.1:8084 }\n"
      "      h2: { address: 127.0.0.1:8085 }\n"
      "      http/1.1: { connect_timeout: 1s }\n"
      "    routes:\n"
      "      - name: a\n"
      "        server_names: [a.example.com]\n"
      "        upstream_by_alpn: {}\n"
      "      - name: b\n"
      "        server_names: [b.example.com]\n"
      "        upstream_by_alpn: [h2]\n"
      "      - name: c\n"
      "        server_names: [c.example.com]\n"
      "        upstream_by_alpn:\n"
      "          http/1.1: { address: \"nope\", client_certificate_tlv: \"0xE1\" }\n"
      "          " +
          std::string(256, 'x') +
          ": { address: 127.0.0.1:1 }\n"
          "          [a, b]: { address: 127.0.0.1:1 }\n"
          "          h2: { address: 127.0.0.1:1, port: 2 }\n"
          "          acme:\n",
      {"t.yaml:8:7: h2 in upstream_by_alpn is never negotiated: HTTP/2 needs TLS1.2 or above "
       "(RFC 9113) and max_version is TLS1.1",
       "t.yaml:9:7: ALPN protocol \"spdy/3\" of upstream_by_alpn is not in tls.alpn (h2, "
       "http/1.1): no client can negotiate it (list it in tls.alpn, or leave tls.alpn out to "
       "offer upstream_by_alpn's protocols)",
       "t.yaml:10:7: invalid ALPN protocol \"\" in upstream_by_alpn (1 to 255 bytes, such as h2 "
       "or http/1.1)",
       "t.yaml:11:7: duplicate ALPN protocol \"h2\" in upstream_by_alpn (first set at line 8)",
       "t.yaml:12:17: missing required key \"address\" in upstream_by_alpn \"http/1.1\"",
       "t.yaml:16:27: upstream_by_alpn must not be empty (leave it out to send every client to "
       "upstream)",
       "t.yaml:19:27: expected a map of ALPN protocols to upstreams for upstream_by_alpn, got a "
       "list",
       "t.yaml:23:11: client_certificate_tlv needs upstream proxy_protocol v2 (the TLV travels "
       "in its header)",
       "t.yaml:23:32: invalid upstream address \"nope\": missing port (expected host:port or "
       "[ipv6]:port)",
       "t.yaml:24:11: invalid ALPN protocol \"" + std::string(256, 'x') +
           "\" in upstream_by_alpn (1 to 255 bytes, such as h2 or http/1.1)",
       "t.yaml:25:11: expected an ALPN protocol name (such as h2 or http/1.1) as a key of "
       "upstream_by_alpn, got a list",
       // Route c inherits the listener's tls: h2 is never negotiated there either.
       "t.yaml:26:11: h2 in upstream_by_alpn is never negotiated: HTTP/2 needs TLS1.2 or above "
       "(RFC 9113) and max_version is TLS1.1",
       "t.yaml:26:39: unknown key \"port\" in upstream_by_alpn \"h2\" (expected one of: address, "
       "connect_timeout, proxy_protocol, tls, client_certificate_tlv)",
       "t.yaml:27:11: expected a map for upstream_by_alpn \"acme\", got no value",
       "t.yaml:27:11: ALPN protocol \"acme\" of upstream_by_alpn is not in tls.alpn (h2, "
       "http/1.1): no client can negotiate it (list it in tls.alpn, or leave tls.alpn out to "
       "offer upstream_by_alpn's protocols)"});
}

TEST(ConfigParserAlpnRoutingTest, ARoutesOwnAlpnListMustKeepItsInheritedMapNegotiable) {
  // The map is the listener's; the route's tls.alpn leaves h2 out: said at the route's tls.
  expect_errors(std::string(kAlpnListener) +
                    "    routes:\n"
                    "      - name: old\n"
                    "        server_names: [old.example.com]\n"
                    "        tls: { alpn: [http/1.1] }\n",
                {"t.yaml:12:14: ALPN protocol \"h2\" of upstream_by_alpn is not in tls.alpn "
                 "(http/1.1): no client can negotiate it (list it in tls.alpn, or leave tls.alpn "
                 "out to offer upstream_by_alpn's protocols)"});
}

TEST(ConfigParserAlpnRoutingTest, EveryUpstreamOfARouteIsWeighedForWarnings) {
  // The legacy route observes; its h2 clients reach the backend the listener guards.
  const ParseResult result = parse(
      "listeners:\n"
      "  - name: web\n"
      "    listen: 0.0.0.0:443\n"
      "    upstream: { address: 127.0.0.1:8080 }\n"
      "    certificates: [{ cert: c.crt, key: c.key }]\n"
      "    routes:\n"
      "      - name: legacy\n"
      "        server_names: [legacy.example.com]\n"
      "        upstream: { address: 127.0.0.1:9000 }\n"
      "        upstream_by_alpn:\n"
      "          h2: { address: 127.0.0.1:8080, tls: { verify: false } }\n"
      "        enforcement: { mode: observe }\n");
  ASSERT_TRUE(result.config.has_value()) << testing::PrintToString(error_strings(result));
  std::vector<std::string> warnings;
  for (const auto& warning : result.warnings) warnings.push_back(warning.to_string());
  EXPECT_EQ(warnings,
            (Strings{"t.yaml:7:9: routes \"legacy\" (TLS1.2 observe) and \"default\" (TLS1.2 "
                     "enforce) of listener \"web\" share upstream 127.0.0.1:8080: a client "
                     "reaches it through the laxer route by sending that route's SNI or "
                     "connecting to its port, so the stricter floor does not protect it",
                     "t.yaml:11:47: TLS to upstream 127.0.0.1:8080 is not verified (verify: "
                     "false): anyone on the path to it can read and change the traffic"}));
}

}  // namespace
}  // namespace tlsfloor::config
