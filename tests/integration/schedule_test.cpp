// Deadlines with real clients: a dated step of enforcement.schedule changes a running route's
// policy at its instant, without a reload, and every view follows. In-process with an injected
// clock (time is moved, never waited for), and once with the binary and the real clock.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/test_clock.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using namespace std::chrono;
using nlohmann::json;

const config::Timestamp kStart = sys_days{year{2026} / 12 / 1} + 9h;
const std::string kTen = "2026-12-01T10:00:00.000Z";  // kStart + 1h, as the log writes it

// What the process logs, for the time a test holds it (set up before the proxy starts, taken
// down after it stopped: spdlog's sinks may not change while others log).
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  /// Polls the log until a line containing `needle` appears (20 s at most); returns it.
  std::string line_with(const std::string& needle) {
    return eventually_equals([&] { return find(needle); }, true) ? last_found_ : "";
  }

 private:
  bool find(const std::string& needle) {
    sink_->flush();
    std::istringstream lines(text_.str());
    for (std::string line; std::getline(lines, line);) {
      if (line.find(needle) != std::string::npos) {
        last_found_ = line;
        return true;
      }
    }
    return false;
  }
  std::ostringstream text_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  std::string last_found_;
};

class ScheduleTest : public testing::Test {
 protected:
  ListenerSpec spec(const std::string& mode, const std::string& enforcement) {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"api.test"})};
    spec.mode = mode;
    spec.enforcement_extra = enforcement;
    return spec;
  }
  // A TLS 1.0-only client from `source`: true when let in (and relayed), false when refused
  // with a protocol_version alert.
  bool tls10_gets_in(RunningProxy& proxy, const std::string& source = "127.0.0.3") {
    ClientOptions options;
    options.source = source;
    options.min_version = options.max_version = TLS1_VERSION;
    TlsClient client(proxy.port(), options);
    if (!client.handshake()) {
      EXPECT_EQ(client.alert_received(), kAlertProtocolVersion) << source;
      return false;
    }
    EXPECT_TRUE(client.write_all("ping"));
    EXPECT_EQ(client.read_exactly(4), "ping");
    return true;
  }
  std::optional<double> legacy(RunningProxy& proxy, const char* decision, double expected) {
    return proxy.metric_eventually(
        "tlsfloor_legacy_handshakes_total",
        {{"listener", "api"}, {"version", "TLS1.0"}, {"decision", decision}}, expected);
  }

  TestClock clock_{kStart};
  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
};

TEST_F(ScheduleTest, AStepChangesTheRunningPolicyAtItsInstant) {
  LogCapture log;
  ListenerSpec observing = spec("observe", "schedule: [{at: 2026-12-01T10:00:00Z, mode: enforce}]");
  observing.extra_yaml =
      "    exceptions: [{name: payroll, clients: [127.0.0.2], expires: 2027-03-31T00:00:00Z}]\n";
  RunningProxy proxy(proxy_yaml({observing}), clock_.function());
  const Labels route{{"listener", "api"}, {"route", "default"}};
  EXPECT_NE(log.line_with("listener api route default: schedule: its own keys until " + kTen +
                          ": mode observe, cipher_mode observe; next step " + kTen +
                          ": mode enforce, cipher_mode enforce"),
            "");

  // 09:00: observing, the step announced.
  EXPECT_TRUE(tls10_gets_in(proxy));
  EXPECT_EQ(legacy(proxy, "would_reject", 1), 1.0);
  EXPECT_EQ(proxy.metric("tlsfloor_policy_info", {{"listener", "api"}, {"mode", "observe"}}), 1.0);
  EXPECT_EQ(proxy.metric("tlsfloor_enforcement_next_change_timestamp_seconds",
                         {{"listener", "api"}, {"route", "default"}, {"mode", "enforce"}}),
            config::to_unix_seconds(kStart + 1h));
  // A legacy client connected before the step keeps its connection through it.
  ClientOptions old_options;
  old_options.source = "127.0.0.4";
  old_options.min_version = old_options.max_version = TLS1_VERSION;
  TlsClient connected(proxy.port(), old_options);
  ASSERT_TRUE(connected.handshake());

  // 10:00: the step's instant. No reload: the clock moves, the proxy notices by itself.
  clock_.set(kStart + 1h);
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_policy_info",
                                    {{"listener", "api"}, {"mode", "enforce"}}, 1),
            1.0);
  EXPECT_NE(log.line_with("listener api route default: schedule step " + kTen +
                          ": mode enforce (was observe), cipher_mode enforce (was observe)"),
            "");
  EXPECT_EQ(proxy.metric("tlsfloor_policy_info", {{"listener", "api"}, {"mode", "observe"}}),
            std::nullopt);
  EXPECT_EQ(proxy.metric("tlsfloor_enforcement_next_change_timestamp_seconds", route), std::nullopt)
      << "no step left";
  EXPECT_FALSE(tls10_gets_in(proxy)) << "refused from the instant on";
  EXPECT_EQ(legacy(proxy, "rejected", 1), 1.0);
  EXPECT_EQ(legacy(proxy, "would_reject", 2), 2.0) << "the two let in before stay counted so";
  EXPECT_TRUE(tls10_gets_in(proxy, "127.0.0.2")) << "exceptions still let their clients in";
  EXPECT_EQ(legacy(proxy, "allowed_exception", 1), 1.0);
  const json exceptions = json::parse(http_get(proxy.admin_port(), "/exceptions").body);
  ASSERT_EQ(exceptions["exceptions"].size(), 1u);
  EXPECT_EQ(exceptions["exceptions"][0]["status"], "active");
  EXPECT_EQ(exceptions["exceptions"][0]["handshakes"], 1);
  ASSERT_TRUE(connected.write_all("pong"));
  EXPECT_EQ(connected.read_exactly(4), "pong") << "no connection is dropped";
  EXPECT_EQ(proxy.metric("tlsfloor_config_reloads_total", {{"result", "success"}}), 0.0);
}

TEST_F(ScheduleTest, ABrownoutStepBringsItsWindows) {
  // 09:00 observe; from 09:30 brownout with a window 10:00-11:00; enforce from 12:00.
  RunningProxy proxy(
      proxy_yaml({spec("observe",
                       "schedule: [{at: 2026-12-01T09:30:00Z, mode: brownout, brownout: {windows: "
                       "[{start: 2026-12-01T10:00:00Z, end: 2026-12-01T11:00:00Z}]}}, "
                       "{at: 2026-12-01T12:00:00Z, mode: enforce}]")}),
      clock_.function());
  const Labels brownout{{"listener", "api"}, {"mode", "brownout"}};
  const Labels next{{"listener", "api"}, {"route", "default"}, {"mode", "brownout"}};
  EXPECT_EQ(proxy.metric("tlsfloor_enforcement_next_change_timestamp_seconds", next),
            config::to_unix_seconds(kStart + 30min));
  clock_.set(kStart + 45min);  // 09:45: brownout, outside its window
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_policy_info", brownout, 1), 1.0);
  EXPECT_EQ(proxy.metric("tlsfloor_enforcement_next_change_timestamp_seconds",
                         {{"listener", "api"}, {"route", "default"}, {"mode", "enforce"}}),
            config::to_unix_seconds(kStart + 3h));
  EXPECT_TRUE(tls10_gets_in(proxy));
  EXPECT_EQ(proxy.metric("tlsfloor_brownout_active", {{"listener", "api"}}), 0.0);
  clock_.set(kStart + 1h + 30min);  // 10:30: inside the step's window
  EXPECT_FALSE(tls10_gets_in(proxy));
  EXPECT_EQ(legacy(proxy, "rejected_brownout", 1), 1.0);
  EXPECT_EQ(proxy.metric("tlsfloor_brownout_active", {{"listener", "api"}}), 1.0);
}

TEST_F(ScheduleTest, APastStepAppliesAtLoad) {
  LogCapture log;
  RunningProxy proxy(
      proxy_yaml({spec("observe",
                       "schedule: [{at: 2026-11-01T00:00:00Z, mode: enforce}, "
                       "{at: 2027-01-15T00:00:00Z, mode: enforce, cipher_mode: enforce}]")}),
      clock_.function());
  EXPECT_FALSE(tls10_gets_in(proxy)) << "enforced since November";
  EXPECT_EQ(legacy(proxy, "rejected", 1), 1.0);
  EXPECT_EQ(proxy.metric("tlsfloor_policy_info", {{"listener", "api"}, {"mode", "enforce"}}), 1.0);
  EXPECT_EQ(proxy.metric("tlsfloor_enforcement_next_change_timestamp_seconds",
                         {{"listener", "api"}, {"route", "default"}, {"mode", "enforce"}}),
            config::to_unix_seconds(sys_days{year{2027} / 1 / 15}));
  EXPECT_NE(log.line_with("listener api route default: schedule step 2026-11-01T00:00:00.000Z in "
                          "force since then: mode enforce, cipher_mode enforce; next step "
                          "2027-01-15T00:00:00.000Z"),
            "");
  EXPECT_NE(log.line_with("(TLS1.2..TLS1.3, mode enforce, cipher_mode enforce"), "")
      << "the start-up line says the mode in force";
}

// The binary with the real clock: a step a few seconds ahead is taken at its instant and said.
TEST(ScheduleBinaryTest, TheRunningBinaryTakesAStepAndSaysSo) {
  TempDir dir;
  TcpUpstream upstream{UpstreamMode::echo};
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {make_self_signed(dir, "api", {"localhost"})};
  spec.mode = "observe";
  // Whole seconds, a few ahead: far enough for the process to load it as a future step.
  const auto at = time_point_cast<seconds>(system_clock::now()) + seconds(5);
  const std::string at_text = config::format_timestamp(at);
  spec.enforcement_extra = "schedule: [{at: " + at_text + ", mode: enforce}]";
  const std::string config = dir.write("scheduled.yaml", proxy_yaml({spec}));

  const auto check = run_command({TLSFLOOR_BINARY, "--config", config, "--check"});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("listener api route default: schedule\n"
                              "  until " +
                              at_text +
                              "  mode observe, cipher_mode observe  (in force)\n"
                              "  from  " +
                              at_text + "  mode enforce, cipher_mode enforce\n"),
            std::string::npos)
      << check.output;

  ChildProcess proxy({TLSFLOOR_BINARY, "--config", config});
  const auto port_in = [](const std::string& line) {
    std::smatch match;
    return std::regex_search(line, match, std::regex(R"(on \S*:(\d+))"))
               ? static_cast<std::uint16_t>(std::stoi(match[1]))
               : std::uint16_t{0};
  };
  const std::uint16_t admin = port_in(proxy.wait_for_line("admin listening on"));
  const std::uint16_t port = port_in(proxy.wait_for_line("listener api on"));
  ASSERT_NE(port, 0) << proxy.output();
  const std::string step = proxy.wait_for_line("schedule step " + at_text + ":");
  EXPECT_NE(step.find("listener api route default: schedule step " + at_text +
                      ": mode enforce (was observe)"),
            std::string::npos)
      << proxy.output();
  ClientOptions tls10;
  tls10.min_version = tls10.max_version = TLS1_VERSION;
  TlsClient client(port, tls10);
  EXPECT_FALSE(client.handshake());
  EXPECT_EQ(client.alert_received(), kAlertProtocolVersion);
  const auto metric = [&](const std::string& name, const Labels& labels) {
    return metric_value(http_get(admin, "/metrics").body, name, labels);
  };
  EXPECT_EQ(eventually_equals(
                [&] {
                  return metric(
                      "tlsfloor_legacy_handshakes_total",
                      {{"listener", "api"}, {"version", "TLS1.0"}, {"decision", "rejected"}});
                },
                std::optional<double>(1.0)),
            1.0);
  EXPECT_EQ(metric("tlsfloor_policy_info", {{"mode", "enforce"}}), 1.0);
  proxy.signal(SIGTERM);
  EXPECT_EQ(proxy.wait_exit(), 0) << proxy.output();
}

TEST(ScheduleBinaryTest, CheckRefusesStepsOutOfOrder) {
  TempDir dir;
  ListenerSpec spec;
  spec.upstream_port = 1;
  spec.certificates = {make_self_signed(dir, "api", {"localhost"})};
  spec.mode = "observe";
  spec.enforcement_extra =
      "schedule: [{at: 2027-01-15T00:00:00Z, mode: enforce}, {at: 2027-01-01T00:00:00Z, mode: "
      "enforce}]";
  const std::string config = dir.write("disordered.yaml", proxy_yaml({spec}));
  const auto check = run_command({TLSFLOOR_BINARY, "--config", config, "--check"});
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_NE(check.output.find(": schedule step at 2027-01-01T00:00:00.000Z must be after the step "
                              "before it (2027-01-15T00:00:00.000Z"),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("1 configuration error"), std::string::npos) << check.output;
}

}  // namespace
}  // namespace tlsfloor::test
