// Certificates for a fleet: RSA and ECDSA for the same names side by side, each client getting
// the one it can verify (checked with our BoringSSL client restricted to RSA-only and
// ECDSA-capable offers at every version, and with openssl s_client); what each listener serves
// is exported (expiry and load time per certificate) and follows reloads.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/child_process.h"
#include "tests/support/files.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(CertificatesTest, EachServedCertificateHasItsExpiryAndLoadTime) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {make_self_signed(dir, "ec", {"api.test", "www.api.test"}),
                       make_self_signed(dir, "rsa", {"legacy.api.test"}, KeyType::rsa_2048)};
  const PemFiles shop = make_self_signed(dir, "shop", {"shop.test"});
  spec.extra_yaml =
      "    routes:\n"
      "      - name: shop\n"
      "        server_names: [shop.test]\n"
      "        certificates: [{cert: " +
      shop.cert_path + ", key: " + shop.key_path + "}]\n";
  const std::string path = dir.write("tlsfloor.yaml", proxy_yaml({spec}));
  const double before = now_seconds();
  auto proxy = RunningProxy::from_file(path);
  const auto expiry = [&](const Labels& labels) {
    return proxy->metric("tlsfloor_certificate_expiry_timestamp_seconds", labels);
  };
  // make_self_signed: valid for a day from now, serial 1.
  const Labels ec = {{"listener", "api"},
                     {"route", "default"},
                     {"subject", "api.test"},
                     {"serial", "01"},
                     {"key_type", "EC256"}};
  const Labels rsa = {{"listener", "api"},
                      {"route", "default"},
                      {"subject", "legacy.api.test"},
                      {"serial", "01"},
                      {"key_type", "RSA2048"}};
  const Labels own = {
      {"listener", "api"}, {"route", "shop"}, {"subject", "shop.test"}, {"key_type", "EC256"}};
  for (const Labels& labels : {ec, rsa, own}) {
    const auto expires = expiry(labels);
    ASSERT_TRUE(expires.has_value()) << labels.at("subject");
    EXPECT_NEAR(*expires, before + 86400, 120) << labels.at("subject");
    const auto loaded = proxy->metric("tlsfloor_certificate_loaded_timestamp_seconds", labels);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_GE(*loaded, before - 1);
    EXPECT_LE(*loaded, now_seconds() + 1);
  }

  // A reload that drops the RSA certificate drops its series.
  spec.certificates.pop_back();
  dir.write("tlsfloor.yaml", proxy_yaml({spec}));
  ASSERT_EQ(http_request(proxy->admin_port(), "POST", "/reload").status, 200);
  EXPECT_TRUE(expiry(ec).has_value());
  EXPECT_FALSE(expiry(rsa).has_value());
  EXPECT_TRUE(expiry(own).has_value());
}

struct Offer {
  const char* name;
  std::uint16_t version;
  std::string cipher_list;                          // TLS 1.0-1.2 suites; empty: BoringSSL's
  std::vector<std::uint16_t> signature_algorithms;  // empty: BoringSSL's
  std::string server_name;
  const char* expected;  // the key type served
};

TEST(CertificatesTest, EachClientGetsTheKeyTypeItCanVerify) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  // ECDSA first: it is also what a client without SNI gets, if it can verify it.
  spec.certificates = {make_self_signed(dir, "ec", {"api.test"}),
                       make_self_signed(dir, "rsa", {"api.test"}, KeyType::rsa_2048)};
  spec.mode = "observe";  // TLS 1.0 clients are let in (and recorded in the per-client table)
  const std::string log = (dir.path() / "handshakes.log").string();
  RunningProxy proxy(proxy_yaml({spec}, "5s", "access_log: {path: \"" + log + "\"}\n"));
  const std::vector<std::uint16_t> rsa_only = {0x0804, 0x0401};  // rsa_pss_rsae, pkcs1 SHA-256
  const std::vector<Offer> offers = {
      {"TLS 1.3, default offer", TLS1_3_VERSION, "", {}, "api.test", "EC"},
      {"TLS 1.3, RSA signatures only", TLS1_3_VERSION, "", rsa_only, "api.test", "RSA"},
      {"TLS 1.2, ECDSA and RSA suites",
       TLS1_2_VERSION,
       "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
       {},
       "api.test",
       "EC"},
      {"TLS 1.2, RSA suites only",
       TLS1_2_VERSION,
       "ECDHE-RSA-AES128-GCM-SHA256",
       {},
       "api.test",
       "RSA"},
      {"TLS 1.2, ECDSA suite, RSA signatures only", TLS1_2_VERSION,
       "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256", rsa_only, "api.test", "RSA"},
      {"TLS 1.0, ECDHE_ECDSA suite",
       TLS1_VERSION,
       "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA",
       {},
       "api.test",
       "EC"},
      {"TLS 1.0, RSA suites only",
       TLS1_VERSION,
       "ECDHE-RSA-AES128-SHA:AES128-SHA",
       {},
       "api.test",
       "RSA"},
      {"no SNI, ECDSA-capable", TLS1_3_VERSION, "", {}, "", "EC"},
      {"no SNI, RSA only", TLS1_3_VERSION, "", rsa_only, "", "RSA"},
  };
  for (const Offer& offer : offers) {
    ClientOptions options;
    options.min_version = options.max_version = offer.version;
    options.cipher_list = offer.cipher_list;
    options.signature_algorithms = offer.signature_algorithms;
    options.server_name = offer.server_name;
    TlsClient client(proxy.port(), options);
    ASSERT_TRUE(client.handshake()) << offer.name;
    EXPECT_EQ(client.peer_key_type(), offer.expected) << offer.name;
  }
  // openssl s_client, an independent client: RSA when it allows only RSA signatures.
  const auto s_client = [&](std::vector<std::string> more) {
    std::vector<std::string> argv = {"openssl",     "s_client",
                                     "-connect",    "127.0.0.1:" + std::to_string(proxy.port()),
                                     "-servername", "api.test"};
    argv.insert(argv.end(), more.begin(), more.end());
    return run_command(argv).output;
  };
  EXPECT_NE(s_client({}).find("Server public key is 256 bit"), std::string::npos);
  EXPECT_NE(s_client({"-sigalgs", "rsa_pss_rsae_sha256:rsa_pkcs1_sha256"})
                .find("Server public key is 2048 bit"),
            std::string::npos);

  // The key type served is in the per-client table and in the log.
  const auto table = nlohmann::json::parse(http_get(proxy.admin_port(), "/legacy-clients").body);
  ASSERT_EQ(table["clients"].size(), 1u) << table;
  EXPECT_EQ(table["clients"][0]["last_certificate"],
            "RSA2048");  // the TLS 1.0 RSA client came last
  proxy.stop();
  std::ifstream in(log);
  std::map<std::string, int> served;
  for (std::string line; std::getline(in, line);) {
    served[nlohmann::json::parse(line)["certificate"].get<std::string>()] += 1;
  }
  EXPECT_EQ(served, (std::map<std::string, int>{{"EC256", 5}, {"RSA2048", 6}}));
}

}  // namespace
}  // namespace tlsfloor::test

namespace tlsfloor::test {
namespace {

std::string served_name(std::uint16_t port) {
  TlsClient client(port);
  return client.handshake() ? client.peer_common_name() : "(no handshake)";
}

// certbot writes in place or renames over; Kubernetes swaps a `..data` symlink. Either way the
// change is picked up within certificate_reload.interval, and a half-written file is never
// served: the reload fails (counted once the ten-second settle window has passed without the
// write completing), and the running certificate stays.
TEST(CertificateReloadTest, ChangedFilesAreServedAndAHalfWrittenOneNever) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  const PemFiles first = make_self_signed(dir, "first", {"first.test"});
  const PemFiles second = make_self_signed(dir, "second", {"second.test"});
  const PemFiles third = make_self_signed(dir, "third", {"third.test"});
  std::filesystem::create_directories(dir.path() / "v1");
  std::filesystem::create_directories(dir.path() / "v2");
  dir.write("v1/tls.crt", contents_of(first.cert_path));
  dir.write("v1/tls.key", contents_of(first.key_path));
  std::filesystem::create_directory_symlink("v1", dir.path() / "live");
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {
      {(dir.path() / "live/tls.crt").string(), (dir.path() / "live/tls.key").string()}};
  const std::string path = dir.write(
      "tlsfloor.yaml", proxy_yaml({spec}, "5s", "certificate_reload: {interval: 200ms}\n"));
  auto proxy = RunningProxy::from_file(path);
  // Counts are "at least": the check may also catch a file between its truncation and its
  // write, which is one more refused (half-written) state.
  const auto reloads = [&](const char* result) {
    return eventually_equals(
        [&] {
          return proxy->metric("tlsfloor_certificate_reloads_total", {{"result", result}})
                     .value_or(0) >= 1;
        },
        true);
  };
  const auto served = [&](const std::string& name) {
    return eventually_equals([&] { return served_name(proxy->port()); }, name);
  };
  EXPECT_EQ(served_name(proxy->port()), "first.test");
  TlsClient open_before(proxy->port());
  ASSERT_TRUE(open_before.handshake());

  // Mid-write: half of the new certificate, and its key.
  const std::string pem = contents_of(second.cert_path);
  dir.write("v1/tls.crt", pem.substr(0, pem.size() / 2));
  dir.write("v1/tls.key", contents_of(second.key_path));
  EXPECT_TRUE(reloads("failure"));
  EXPECT_EQ(served_name(proxy->port()), "first.test");

  // The write completes.
  dir.write("v1/tls.crt", pem);
  EXPECT_EQ(served("second.test"), "second.test");
  EXPECT_TRUE(reloads("success"));

  // Kubernetes: the new pair in a new directory, then the symlink swapped in one rename.
  dir.write("v2/tls.crt", contents_of(third.cert_path));
  dir.write("v2/tls.key", contents_of(third.key_path));
  std::filesystem::create_directory_symlink("v2", dir.path() / "live.new");
  std::filesystem::rename(dir.path() / "live.new", dir.path() / "live");
  EXPECT_EQ(served("third.test"), "third.test");
  EXPECT_TRUE(
      proxy->metric("tlsfloor_certificate_expiry_timestamp_seconds", {{"subject", "third.test"}})
          .has_value());

  // The connection opened before all this keeps its certificate and still works.
  EXPECT_EQ(open_before.peer_common_name(), "first.test");
  ASSERT_TRUE(open_before.write_all("still here"));
  EXPECT_EQ(open_before.read_exactly(10), "still here");
}

// Renewals are often written in two steps (the certificate, a moment later its key). Between
// them the pair does not match: the changed files are retried for a settle window before the
// reload counts as failed, so the renewal is served and nothing fires the reload alert.
TEST(CertificateReloadTest, ACertificateWrittenBeforeItsKeyIsNoFailure) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  const PemFiles first = make_self_signed(dir, "first", {"first.test"});
  const PemFiles renewed = make_self_signed(dir, "renewed", {"renewed.test"});
  dir.write("tls.crt", contents_of(first.cert_path));
  dir.write("tls.key", contents_of(first.key_path));
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {{(dir.path() / "tls.crt").string(), (dir.path() / "tls.key").string()}};
  const std::string path = dir.write(
      "tlsfloor.yaml", proxy_yaml({spec}, "5s", "certificate_reload: {interval: 200ms}\n"));
  auto proxy = RunningProxy::from_file(path);
  dir.write("tls.crt", contents_of(renewed.cert_path));
  // Well past the check interval and the settle second, well within the ten-second window.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(served_name(proxy->port()), "first.test") << "a mismatched pair is never served";
  dir.write("tls.key", contents_of(renewed.key_path));
  EXPECT_EQ(eventually_equals([&] { return served_name(proxy->port()); }, "renewed.test"),
            "renewed.test");
  EXPECT_EQ(proxy->metric("tlsfloor_certificate_reloads_total", {{"result", "failure"}}), 0);
  EXPECT_EQ(proxy->metric("tlsfloor_config_reloads_total", {{"result", "failure"}}), 0);
  EXPECT_EQ(proxy->metric("tlsfloor_certificate_reloads_total", {{"result", "success"}}), 1);
}

}  // namespace
}  // namespace tlsfloor::test
