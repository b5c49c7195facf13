// The tlsfloor binary end to end, as an operator runs it: --version, --check with good and
// bad configs, serving OpenSSL's command-line client (an independent TLS stack), SIGTERM, and
// clients that would exhaust the file descriptors.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "config/timestamp.h"
#include "tests/integration/binaries.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/child_process.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/test_pki.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

// The port in a start-up line such as "listener api on 127.0.0.1:40123 -> ...".
std::uint16_t port_in(const std::string& line, const std::string& before) {
  const std::regex pattern(before + R"(\S*:(\d+))");
  std::smatch match;
  if (!std::regex_search(line, match, pattern)) return 0;
  return static_cast<std::uint16_t>(std::stoi(match[1]));
}

class BinaryTest : public testing::Test {
 protected:
  // Listener "api" to the echo upstream with a certificate for localhost.
  ListenerSpec api_spec() {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"localhost"})};
    return spec;
  }
  // SIGTERM, and the process must exit 0.
  void stop_cleanly() {
    proxy_->signal(SIGTERM);
    EXPECT_EQ(proxy_->wait_exit(), 0) << proxy_->output();
  }
  std::string write_config(const std::string& mode = "enforce") {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {make_self_signed(dir_, "api", {"localhost"}, KeyType::rsa_2048)};
    spec.mode = mode;
    return dir_.write("tlsfloor.yaml", proxy_yaml({spec}));
  }
  // Starts the binary and reads the ports it bound from its log.
  void start(const std::string& config, std::optional<unsigned> max_open_files = std::nullopt) {
    proxy_.emplace(std::vector<std::string>{kBinary, "--config", config}, max_open_files);
    admin_port_ = port_in(proxy_->wait_for_line("admin listening on"), "on ");
    port_ = port_in(proxy_->wait_for_line("listener api on"), "on ");
    ASSERT_NE(admin_port_, 0) << proxy_->output();
    ASSERT_NE(port_, 0) << proxy_->output();
  }
  std::optional<double> metric(const std::string& name, const Labels& labels) {
    return metric_value(http_get(admin_port_, "/metrics").body, name, labels);
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
  std::optional<ChildProcess> proxy_;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
};

TEST_F(BinaryTest, VersionNamesTheTlsLibrary) {
  const auto result = run_command({kBinary, "--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.output.find("tlsfloor 0."), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("TLS library: BoringSSL"), std::string::npos) << result.output;
}

TEST_F(BinaryTest, CheckAcceptsAGoodConfig) {
  const auto result = run_command({kBinary, "--config", write_config(), "--check"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("configuration OK"), std::string::npos) << result.output;
}

TEST_F(BinaryTest, CheckListsEverySchemaErrorWithItsPosition) {
  const std::string config = dir_.write("bad.yaml",
                                        "threads: 2\n"
                                        "listeners:\n"
                                        "  - name: api\n"
                                        "    listen: 127.0.0.1:0\n"
                                        "    upstream: { address: 127.0.0.1:1 }\n"
                                        "    certificates: [{ cert: a.crt, key: a.key }]\n"
                                        "    tls: { min_verison: TLS1.2, max_version: TLS1.4 }\n");
  const auto result = run_command({kBinary, "--config", config, "--check"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find(config + ":7:12: unknown key \"min_verison\""), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find(config + ":7:46:"), std::string::npos) << result.output;
  // a.crt does not exist either: said in the same run.
  EXPECT_NE(result.output.find(config + ":6:20: cannot read certificate file"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("3 configuration errors"), std::string::npos) << result.output;
}

TEST_F(BinaryTest, CheckReportsEveryCertificateProblem) {
  const auto good = make_self_signed(dir_, "good", {"localhost"});
  const auto other = make_self_signed(dir_, "other", {"localhost"});
  const std::string garbage = dir_.write("garbage.crt", "not a certificate\n");
  const std::string config = dir_.write("certs.yaml",
                                        "listeners:\n"
                                        "  - name: api\n"
                                        "    listen: 127.0.0.1:0\n"
                                        "    upstream: { address: 127.0.0.1:1 }\n"
                                        "    certificates:\n"
                                        "      - { cert: missing.crt, key: missing.key }\n"
                                        "      - { cert: " +
                                            good.cert_path + ", key: " + other.key_path +
                                            " }\n"
                                            "      - { cert: " +
                                            garbage + ", key: " + good.key_path + " }\n");
  const auto result = run_command({kBinary, "--config", config, "--check"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find(config + ":6:9: cannot read certificate file"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find(config + ":7:9: key " + other.key_path + " does not match"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find(config + ":8:9: no PEM certificate in " + garbage),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("3 configuration errors"), std::string::npos) << result.output;
}

// One run lists every problem: a schema error does not hide a certificate error.
TEST_F(BinaryTest, CheckListsSchemaAndCertificateErrorsTogether) {
  const std::string config = dir_.write("both.yaml",
                                        "listeners:\n"
                                        "  - name: api\n"
                                        "    listen: 127.0.0.1:0\n"
                                        "    upstream: { address: 127.0.0.1:1 }\n"
                                        "    tls: { min_version: TLS1.5 }\n"
                                        "    certificates:\n"
                                        "      - { cert: missing.crt, key: missing.key }\n");
  const auto result = run_command({kBinary, "--config", config, "--check"});
  EXPECT_EQ(result.exit_code, 1);
  const auto schema = result.output.find(config + ":5:25: invalid TLS version \"TLS1.5\"");
  const auto certificate = result.output.find(config + ":7:9: cannot read certificate file");
  EXPECT_NE(schema, std::string::npos) << result.output;
  EXPECT_NE(certificate, std::string::npos) << result.output;
  EXPECT_LT(schema, certificate) << "in file order";
  EXPECT_NE(result.output.find("2 configuration errors"), std::string::npos) << result.output;
}

TEST_F(BinaryTest, CheckCreatesNoLogAndListsLogErrorsOnceInFileOrder) {
  ListenerSpec api = api_spec();
  ListenerSpec web = api_spec();
  web.name = "web";
  // Two listeners inherit one unwritable log; a certificate error comes before it in the file.
  api.certificates = {{(dir_.path() / "missing.crt").string(), (dir_.path() / "k.key").string()}};
  const std::string config =
      dir_.write("logs.yaml",
                 "access_log: {path: /nonexistent-dir/handshakes.log}\n" + proxy_yaml({api, web}));
  const auto result = run_command({kBinary, "--config", config, "--check"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  const auto log_error = result.output.find(config + ":1:20: cannot open access log");
  const auto certificate = result.output.find("cannot read certificate file");
  ASSERT_NE(log_error, std::string::npos) << result.output;
  ASSERT_NE(certificate, std::string::npos) << result.output;
  EXPECT_LT(log_error, certificate) << "in file order";
  const auto first = result.output.find("cannot open access log");
  EXPECT_EQ(result.output.find("cannot open access log", first + 1), std::string::npos)
      << "once, not once per listener: " << result.output;
  EXPECT_NE(result.output.find("2 configuration errors"), std::string::npos) << result.output;

  // A good configuration: --check says so and creates nothing.
  const auto log = dir_.path() / "created-by-check.log";
  const std::string good = dir_.write(
      "good.yaml", "access_log: {path: " + log.string() + "}\n" + proxy_yaml({api_spec()}));
  const auto checked = run_command({kBinary, "--config", good, "--check"});
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_FALSE(std::filesystem::exists(log)) << "--check created the log";
}

TEST_F(BinaryTest, ASecondInstanceOnTheSameAddressRefusesToStart) {
  ListenerSpec spec = api_spec();
  spec.listen = "127.0.0.1:" + std::to_string(unused_port());
  const std::string config = dir_.write("fixed.yaml", proxy_yaml({spec}));
  start(config);
  // The same configuration again, as a stray start or a half-finished deploy would.
  const auto second = run_command({kBinary, "--config", config});
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_NE(
      second.output.find("listener api: " + spec.listen + " is already in use by another process"),
      std::string::npos)
      << second.output;
  // A deliberate hand-over: the new process shares the port, then the old one leaves.
  ChildProcess next({kBinary, "--config", config, "--share-ports"});
  EXPECT_NE(next.wait_for_line("listener api on"), "") << next.output();
  stop_cleanly();
  TlsClient client(port_);
  ASSERT_TRUE(client.handshake()) << "the new process serves the address alone";
  EXPECT_TRUE(client.write_all("ping"));
  EXPECT_EQ(client.read_exactly(4), "ping");
  next.signal(SIGTERM);
  EXPECT_EQ(next.wait_exit(), 0) << next.output();
}

TEST_F(BinaryTest, CheckWarnsAboutRoutesWithDifferentFloorsOnOneUpstream) {
  const auto cert = make_self_signed(dir_, "edge", {"localhost"});
  const std::string config = dir_.write("routes.yaml",
                                        "listeners:\n"
                                        "  - name: edge\n"
                                        "    listen: 127.0.0.1:0\n"
                                        "    upstream: { address: 127.0.0.1:9000 }\n"
                                        "    certificates: [{ cert: " +
                                            cert.cert_path + ", key: " + cert.key_path +
                                            " }]\n"
                                            "    routes:\n"
                                            "      - name: old\n"
                                            "        server_names: [old.example.test]\n"
                                            "        tls: { min_version: TLS1.0 }\n");
  const auto result = run_command({kBinary, "--config", config, "--check"});
  EXPECT_EQ(result.exit_code, 0) << result.output;  // a warning, not an error
  EXPECT_NE(result.output.find("warning: " + config +
                               ":7:9: routes \"old\" (TLS1.0 enforce) and "
                               "\"default\" (TLS1.2 enforce) of listener \"edge\" share upstream "
                               "127.0.0.1:9000"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("configuration OK"), std::string::npos) << result.output;
}

TEST_F(BinaryTest, AMissingConfigFileIsAClearError) {
  const auto result = run_command({kBinary, "--config", "/nonexistent/tlsfloor.yaml", "--check"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("/nonexistent/tlsfloor.yaml"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("No such file"), std::string::npos) << result.output;
}

TEST_F(BinaryTest, ServesOpensslClientsAndStopsOnSigterm) {
  start(write_config());
  const std::string address = "127.0.0.1:" + std::to_string(port_);

  // TLS 1.3 through OpenSSL's client: a different TLS stack from the proxy's.
  ChildProcess modern({"openssl", "s_client", "-connect", address, "-tls1_3", "-quiet"});
  modern.write_stdin("ping from openssl\n");
  EXPECT_EQ(modern.wait_for_line("ping from openssl"), "ping from openssl") << modern.output();
  modern.signal(SIGTERM);
  modern.wait_exit();

  // TLS 1.0 (Debian's OpenSSL needs security level 0 to even try it): refused by the floor.
  const auto legacy = run_command(
      {"openssl", "s_client", "-connect", address, "-tls1", "-cipher", "DEFAULT@SECLEVEL=0"});
  EXPECT_NE(legacy.exit_code, 0);
  EXPECT_NE(legacy.output.find("alert protocol version"), std::string::npos) << legacy.output;

  EXPECT_EQ(metric("tlsfloor_handshakes_total",
                   {{"listener", "api"}, {"version", "TLS1.3"}, {"outcome", "accepted"}}),
            1.0);
  EXPECT_EQ(metric("tlsfloor_legacy_handshakes_total",
                   {{"listener", "api"}, {"version", "TLS1.0"}, {"decision", "rejected"}}),
            1.0);

  proxy_->signal(SIGTERM);
  EXPECT_EQ(proxy_->wait_exit(), 0) << proxy_->output();
  EXPECT_NE(proxy_->output().find("stopped"), std::string::npos);
}

// logrotate renames the file, then sends SIGUSR1: the next lines go to a fresh file.
TEST_F(BinaryTest, SigusrReopensTheHandshakeLog) {
  ListenerSpec spec = api_spec();
  const auto log = dir_.path() / "handshakes.log";
  start(dir_.write("logged.yaml",
                   proxy_yaml({spec}, "5s", "access_log: {path: \"" + log.string() + "\"}\n")));
  const auto lines_in = [](const std::filesystem::path& path) {
    std::ifstream in(path);
    std::size_t count = 0;
    for (std::string line; std::getline(in, line);) ++count;
    return count;
  };
  {
    TlsClient client(port_);
    ASSERT_TRUE(client.handshake());
  }
  ASSERT_EQ(eventually_equals([&] { return lines_in(log); }, std::size_t{1}), 1u);
  std::filesystem::rename(log, dir_.path() / "handshakes.log.1");
  proxy_->signal(SIGUSR1);
  ASSERT_NE(proxy_->wait_for_line("reopened"), "") << proxy_->output();
  {
    TlsClient client(port_);
    ASSERT_TRUE(client.handshake());
  }
  EXPECT_EQ(eventually_equals([&] { return lines_in(log); }, std::size_t{1}), 1u);
  EXPECT_EQ(lines_in(dir_.path() / "handshakes.log.1"), 1u);
  stop_cleanly();
}

// SIGHUP re-reads the file: a raised floor refuses the next TLS 1.1 client, with no restart.
TEST_F(BinaryTest, SighupReloadsTheConfiguration) {
  ListenerSpec spec = api_spec();
  spec.min_version = "TLS1.1";
  const std::string config = dir_.write("reloaded.yaml", proxy_yaml({spec}));
  start(config);
  ClientOptions tls11;
  tls11.min_version = tls11.max_version = TLS1_1_VERSION;
  {
    TlsClient client(port_, tls11);
    EXPECT_TRUE(client.handshake());
  }
  spec.min_version = "TLS1.2";
  dir_.write("reloaded.yaml", proxy_yaml({spec}));
  proxy_->signal(SIGHUP);
  // The reload says what it does to enforcement, then that it is done.
  EXPECT_NE(proxy_->wait_for_line("reload: listener api route default: min_version TLS1.1 -> "
                                  "TLS1.2"),
            "")
      << proxy_->output();
  ASSERT_NE(proxy_->wait_for_line("configuration reloaded"), "") << proxy_->output();
  {
    TlsClient client(port_, tls11);
    EXPECT_FALSE(client.handshake());
  }
  EXPECT_EQ(metric("tlsfloor_config_reloads_total", {{"result", "success"}}), 1.0);
  stop_cleanly();
}

// An exception is said to expire when it does, not only at the next load or reload.
TEST_F(BinaryTest, AnExpiringExceptionIsLoggedWhenItExpires) {
  ListenerSpec spec = api_spec();
  const auto expires =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) +
      std::chrono::seconds(3);
  spec.extra_yaml = "    exceptions: [{name: soon, clients: [192.0.2.0/24], expires: " +
                    config::format_timestamp(expires) + "}]\n";
  start(dir_.write("expiring.yaml", proxy_yaml({spec})));
  const std::string line = proxy_->wait_for_line("exception soon expired at");
  EXPECT_NE(line.find("listener api route default: exception soon expired at " +
                      config::format_timestamp(expires) + "; it matches no client from now on"),
            std::string::npos)
      << proxy_->output();
  stop_cleanly();
}

TEST_F(BinaryTest, ASecondSigtermEndsTheDrainAtOnce) {
  ListenerSpec spec = api_spec();
  // A drain far longer than the harness waits for an exit: only the second signal can end it.
  start(dir_.write("slow-drain.yaml", proxy_yaml({spec}, "300s")));
  TlsClient client(port_);
  ASSERT_TRUE(client.handshake());
  ASSERT_TRUE(client.write_all("hold"));
  EXPECT_EQ(client.read_exactly(4), "hold");
  proxy_->signal(SIGTERM);
  EXPECT_NE(proxy_->wait_for_line("SIGTERM: stopping"), "");
  proxy_->signal(SIGTERM);
  EXPECT_EQ(proxy_->wait_exit(), 0) << proxy_->output();
  EXPECT_NE(proxy_->output().find("SIGTERM again: closing open connections now"),
            std::string::npos);
  EXPECT_EQ(client.read_to_end(), "");
}

// Clients that connect and say nothing, from one address, under the 256-descriptor limit
// that once let 300 of them time out a legitimate client and /healthz.
TEST_F(BinaryTest, SilentClientsUnderADescriptorLimitLeaveRoomForOthers) {
  start(write_config(), 256u);
  std::vector<int> silent;
  for (int i = 0; i < 300; ++i) silent.push_back(connect_tcp(port_, "127.0.0.1", "127.0.0.2"));
  // 100 handshakes in flight per source by default: the other 200 are refused at once.
  const Labels per_source{{"listener", "api"}, {"limit", "handshakes_per_source"}};
  EXPECT_EQ(eventually_equals([&] { return metric("tlsfloor_limit_rejections_total", per_source); },
                              std::optional<double>(200)),
            200)
      << proxy_->output();
  EXPECT_EQ(http_get(admin_port_, "/healthz").status, 200);
  {
    TlsClient client(port_);
    EXPECT_TRUE(client.handshake() && client.write_all("alive") &&
                client.read_exactly(5) == "alive");
  }
  for (int fd : silent) ::close(fd);
  stop_cleanly();
}

// With no per-source limit to stop them, silent clients run into the descriptor reserve: the
// admin port still answers and a handshake already admitted still reaches its upstream.
TEST_F(BinaryTest, TheDescriptorReserveKeepsTheAdminPortAndUpstreamConnects) {
  const std::string config =
      dir_.write("reserve.yaml", proxy_yaml({api_spec()}, "5s",
                                            "limits: { max_handshakes_per_source: 1000, "
                                            "descriptor_reserve: 40 }\n"));
  start(config, 256u);
  // Admitted before the flood, handshaking after it: its upstream connect needs a descriptor.
  auto admitted = std::make_unique<TlsClient>(port_);
  const Labels active{{"listener", "api"}};
  EXPECT_EQ(eventually_equals([&] { return metric("tlsfloor_connections_active", active); },
                              std::optional<double>(1)),
            1);
  std::vector<int> silent;
  for (int i = 0; i < 300; ++i) silent.push_back(connect_tcp(port_, "127.0.0.1", "127.0.0.2"));
  const Labels descriptors{{"listener", "api"}, {"limit", "descriptors"}};
  const auto refused = [&] { return metric("tlsfloor_limit_rejections_total", descriptors); };
  EXPECT_TRUE(eventually_equals([&] { return refused().value_or(0) > 0; }, true))
      << proxy_->output();
  EXPECT_EQ(http_get(admin_port_, "/healthz").status, 200);
  EXPECT_TRUE(admitted->handshake() && admitted->write_all("through") &&
              admitted->read_exactly(7) == "through")
      << proxy_->output();
  // A new client is refused while the reserve is all that is left (the admitted client still
  // holds its descriptors), and served once it is not.
  const auto served = [&] {
    try {
      TlsClient client(port_);
      return client.handshake() && client.write_all("alive") && client.read_exactly(5) == "alive";
    } catch (const std::runtime_error&) {
      return false;
    }
  };
  EXPECT_FALSE(served());
  admitted.reset();
  for (int fd : silent) ::close(fd);
  EXPECT_TRUE(eventually_equals(served, true)) << proxy_->output();
  EXPECT_EQ(metric("tlsfloor_accept_errors_total", active), 0);
  stop_cleanly();
}

// The review's admin flood: more idle admin connections than the process has descriptors, and
// POSTs that each try to hold a 64 KB body. The admin port keeps its cap (the connection idle
// the longest makes room), /healthz and TLS clients are served, and memory stays put.
TEST_F(BinaryTest, TheAdminPortHoldsItsCapUnderAFlood) {
  start(write_config(), 600u);
  const std::size_t resident_before = proxy_->resident_kib();
  std::vector<int> idle;
  for (int i = 0; i < 650; ++i) idle.push_back(connect_tcp(admin_port_));
  EXPECT_EQ(http_get(admin_port_, "/healthz").status, 200) << proxy_->output();
  EXPECT_LE(metric("tlsfloor_admin_connections", {}).value_or(1000), 32);
  EXPECT_GE(metric("tlsfloor_admin_connections_closed_total", {{"reason", "evicted"}}).value_or(0),
            600);
  {
    TlsClient client(port_);
    EXPECT_TRUE(client.handshake() && client.write_all("alive") &&
                client.read_exactly(5) == "alive");
  }
  for (int fd : idle) ::close(fd);
  // Bodies over the admin port's bound are refused as soon as their header says so.
  const std::string head =
      "POST /reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 65536\r\n\r\n";
  const std::string body(60 * 1024, 'x');
  for (int wave = 0; wave < 4; ++wave) {
    std::vector<int> posting;
    for (int i = 0; i < 500; ++i) {
      const int fd = connect_tcp(admin_port_);
      send_raw(fd, head);
      send_raw(fd, body);  // may fail once the admin port has closed it: that is the point
      posting.push_back(fd);
    }
    for (int fd : posting) ::close(fd);
  }
  EXPECT_EQ(http_get(admin_port_, "/healthz").status, 200);
  const std::size_t resident_after = proxy_->resident_kib();
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory resident in its quarantine (up to 256 MiB) to catch
  // uses after free, so resident memory measures the sanitizer there: the bound is the plain
  // build's (the suite runs both), and the sanitizer checks that nothing leaks.
  (void)resident_before;
  (void)resident_after;
#else
  EXPECT_LT(resident_after, resident_before + 16 * 1024)
      << "resident memory grew from " << resident_before << " to " << resident_after << " KiB";
#endif
  stop_cleanly();
}

// Every admitted client is counted for its upstream's descriptor too: under a small descriptor
// limit, a flood of handshakes admitted at once is cut short at admission (a reset, counted),
// and every client whose handshake completes reaches its upstream; none fails with EMFILE.
TEST_F(BinaryTest, EveryAdmittedClientHasADescriptorForItsUpstream) {
  const std::string config =
      dir_.write("budget.yaml",
                 proxy_yaml({api_spec()}, "5s", "limits: { max_handshakes_per_source: 1000 }\n"));
  start(config, 256u);
  // All connected before any handshake: they are admitted (or not) together.
  std::vector<std::unique_ptr<TlsClient>> clients;
  for (int i = 0; i < 180; ++i) clients.push_back(std::make_unique<TlsClient>(port_));
  int relayed = 0;
  int refused = 0;
  for (auto& client : clients) {
    if (!client->handshake()) {
      ++refused;
      continue;
    }
    if (client->write_all("up") && client->read_exactly(2) == "up") ++relayed;
  }
  EXPECT_GT(relayed, 50) << proxy_->output();
  EXPECT_EQ(relayed + refused, 180);
  EXPECT_EQ(metric("tlsfloor_upstream_connect_failures_total",
                   {{"listener", "api"}, {"route", "default"}}),
            0)
      << proxy_->output();
  EXPECT_EQ(
      metric("tlsfloor_limit_rejections_total", {{"listener", "api"}, {"limit", "descriptors"}}),
      refused);
  clients.clear();
  stop_cleanly();
}

}  // namespace
}  // namespace tlsfloor::test

namespace tlsfloor::test {
namespace {

// Two tlsfloor processes, as two replicas behind a balancer: given the same keys file, a ticket
// one issued resumes on the other, at TLS 1.2 and 1.3.
TEST(BinaryFleetTest, ATicketFromOneProcessResumesOnAnotherWithTheSameKeysFile) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  const std::string keys = dir.write(
      "ticket.keys", run_command({"sh", "-c", "openssl rand 80 | base64 -w0"}).output + "\n");
  ::chmod(keys.c_str(), 0600);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {make_self_signed(dir, "api", {"localhost"})};
  const std::string config = dir.write(
      "tlsfloor.yaml", proxy_yaml({spec}, "5s", "session_tickets: {keys_file: " + keys + "}\n"));
  std::vector<std::unique_ptr<ChildProcess>> replicas;
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 2; ++i) {
    replicas.push_back(
        std::make_unique<ChildProcess>(std::vector<std::string>{kBinary, "--config", config}));
    ports.push_back(port_in(replicas.back()->wait_for_line("listener api on"), "on "));
    ASSERT_NE(ports.back(), 0) << replicas.back()->output();
  }
  for (const std::uint16_t version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    ClientOptions options;
    options.min_version = options.max_version = version;
    bssl::UniquePtr<SSL_SESSION> ticket;
    {
      TlsClient first(ports[0], options);
      ASSERT_TRUE(first.handshake());
      ASSERT_TRUE(first.write_all("1"));  // a TLS 1.3 ticket comes after the handshake
      ASSERT_EQ(first.read_exactly(1), "1");
      ticket = first.session();
    }
    ASSERT_TRUE(ticket);
    options.resume = ticket.get();
    TlsClient second(ports[1], options);
    ASSERT_TRUE(second.handshake());
    EXPECT_TRUE(second.session_reused()) << "TLS version " << std::hex << version;
  }
  for (auto& replica : replicas) {
    replica->signal(SIGTERM);
    EXPECT_EQ(replica->wait_exit(), 0) << replica->output();
  }
}

}  // namespace
}  // namespace tlsfloor::test
