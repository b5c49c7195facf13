// The verdict on client chains: every result, the caps on hostile chains, the allow list, and
// what a resumption rechecks. Certificates, CRLs and CAs are made by the test.
#include "proxy/tls/client_auth.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/support/test_pki.h"

namespace tlsfloor::tls {
namespace {

using config::ClientCertificateResult;
using test::IssueOptions;
using test::TempDir;
using test::TestCa;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The chain a client sends: every certificate of a PEM file, leaf first.
struct Chain {
  bssl::UniquePtr<STACK_OF(CRYPTO_BUFFER)> buffers{sk_CRYPTO_BUFFER_new_null()};
  void add_der(const std::string& der) {
    sk_CRYPTO_BUFFER_push(
        buffers.get(),
        CRYPTO_BUFFER_new(reinterpret_cast<const std::uint8_t*>(der.data()), der.size(), nullptr));
  }
  void add_pem_file(const std::string& path) {
    const std::string pem = read(path);
    bssl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      bssl::UniquePtr<X509> owned(cert);
      std::uint8_t* der = nullptr;
      const int length = i2d_X509(cert, &der);
      bssl::UniquePtr<std::uint8_t> free_der(der);
      add_der(std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length)));
    }
    ERR_clear_error();
  }
  const STACK_OF(CRYPTO_BUFFER) * get() const { return buffers.get(); }
};

Chain chain_of(const std::string& cert_path) {
  Chain chain;
  chain.add_pem_file(cert_path);
  return chain;
}

config::ClientAuthConfig auth_config(const std::string& ca_file, const std::string& crl_file = "") {
  config::ClientAuthConfig config;
  config.mode = config::ClientAuthMode::require;
  config.ca_file = ca_file;
  config.crl_file = crl_file;
  return config;
}

std::shared_ptr<const ClientAuthority> load(const config::ClientAuthConfig& config) {
  std::vector<config::ConfigError> errors;
  auto authority = ClientAuthority::load(config, errors);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors[0].to_string());
  return authority;
}

std::time_t now() { return std::time(nullptr); }

TEST(ClientAuthorityTest, AChainToTheBundleIsVerifiedWithItsFacts) {
  TempDir dir;
  TestCa root(dir, "root");
  const TestCa issuing = root.intermediate("issuing");
  IssueOptions options;
  options.organization = "Example";
  options.dns_names = {"partner-a.example"};
  long serial = 0;
  const auto client = issuing.issue("client", "partner-a", options, &serial);
  auto authority = load(auth_config(root.cert_path()));
  ASSERT_TRUE(authority);
  const Chain chain = chain_of(client.cert_path);  // the leaf, then the intermediate
  ASSERT_EQ(sk_CRYPTO_BUFFER_num(chain.get()), 2u);
  const ClientVerification verification = authority->verify(chain.get(), now());
  EXPECT_EQ(verification.result, ClientCertificateResult::verified) << verification.detail;
  EXPECT_EQ(verification.alert, 0);
  ASSERT_TRUE(verification.facts);
  EXPECT_EQ(verification.facts->subject, "CN=partner-a,O=Example");
  EXPECT_EQ(verification.facts->issuer, "CN=issuing,O=tlsfloor tests");
  EXPECT_EQ(verification.facts->common_name, "partner-a");
  char hex[8];
  std::snprintf(hex, sizeof hex, "%02lX", serial);
  EXPECT_EQ(verification.facts->serial, hex);  // as the certificate metrics write serials
  EXPECT_EQ(verification.facts->sha256.size(), 64u);
  EXPECT_EQ(verification.facts->subject_alt_names, std::vector<std::string>{"partner-a.example"});
  EXPECT_GT(verification.facts->not_after, std::chrono::system_clock::now());
}

TEST(ClientAuthorityTest, EachRefusalHasItsResultAndTheStandardsAlert) {
  TempDir dir;
  TestCa root(dir, "root");
  TestCa stranger(dir, "stranger");
  long revoked_serial = 0;
  const auto revoked = root.issue("revoked", "revoked", {}, &revoked_serial);
  const auto good = root.issue("good", "good");
  IssueOptions expired_options;
  expired_options.valid_from = -std::chrono::hours(48);
  expired_options.valid_for = std::chrono::hours(24);
  const auto expired = root.issue("expired", "expired", expired_options);
  IssueOptions future_options;
  future_options.valid_from = std::chrono::hours(24);
  const auto future = root.issue("future", "future", future_options);
  IssueOptions server_options;
  server_options.client_usage = false;
  const auto server_only = root.issue("server", "server-only", server_options);
  const auto foreign = stranger.issue("foreign", "foreign");
  const std::string crl = root.write_crl("root.crl", {revoked_serial});
  auto authority = load(auth_config(root.cert_path(), crl));
  ASSERT_TRUE(authority);
  struct Case {
    std::string cert;
    ClientCertificateResult result;
    std::uint8_t alert;
  };
  for (const Case& c : std::vector<Case>{
           {good.cert_path, ClientCertificateResult::verified, 0},
           {revoked.cert_path, ClientCertificateResult::revoked, SSL_AD_CERTIFICATE_REVOKED},
           {expired.cert_path, ClientCertificateResult::expired, SSL_AD_CERTIFICATE_EXPIRED},
           {future.cert_path, ClientCertificateResult::expired, SSL_AD_CERTIFICATE_EXPIRED},
           {server_only.cert_path, ClientCertificateResult::invalid,
            SSL_AD_UNSUPPORTED_CERTIFICATE},
           {foreign.cert_path, ClientCertificateResult::untrusted, SSL_AD_UNKNOWN_CA},
       }) {
    const ClientVerification verification = authority->verify(chain_of(c.cert).get(), now());
    EXPECT_EQ(verification.result, c.result) << c.cert << ": " << verification.detail;
    EXPECT_EQ(alert_name(verification.alert), std::string(alert_name(c.alert))) << c.cert;
    // The facts are kept whatever the verdict: the log names who was refused.
    EXPECT_TRUE(verification.facts) << c.cert;
  }
  EXPECT_EQ(authority->verify(Chain{}.get(), now()).result, ClientCertificateResult::absent);
}

TEST(ClientAuthorityTest, AMissingOrStaleCrlLeavesTheCertificateUntrusted) {
  TempDir dir;
  TestCa root(dir, "root");
  TestCa other(dir, "other");
  const auto client = root.issue("client", "client");
  const std::string bundle = dir.write("bundle.pem", root.cert_pem() + other.cert_pem());
  // Only the other CA's CRL: the client's issuer has none.
  auto only_other = load(auth_config(bundle, other.write_crl("other.crl", {})));
  ASSERT_TRUE(only_other);
  EXPECT_EQ(only_other->verify(chain_of(client.cert_path).get(), now()).result,
            ClientCertificateResult::untrusted);
  EXPECT_EQ(only_other->recheck(chain_of(client.cert_path).get(), now()).result,
            ClientCertificateResult::untrusted);
  auto stale =
      load(auth_config(root.cert_path(), root.write_crl("stale.crl", {}, -std::chrono::hours(1))));
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->verify(chain_of(client.cert_path).get(), now()).result,
            ClientCertificateResult::untrusted);
  EXPECT_EQ(stale->recheck(chain_of(client.cert_path).get(), now()).result,
            ClientCertificateResult::untrusted);
}

TEST(ClientAuthorityTest, TheAllowListLetsInAnyEntryItNames) {
  TempDir dir;
  TestCa root(dir, "root");
  IssueOptions a_options;
  a_options.organization = "Example";
  const auto a = root.issue("a", "partner-a", a_options);
  IssueOptions b_options;
  b_options.dns_names = {"Partner-B.example"};
  const auto b = root.issue("b", "partner-b", b_options);
  const auto c = root.issue("c", "partner-c");
  const auto d = root.issue("d", "partner-d");
  auto open = load(auth_config(root.cert_path()));
  const auto pin_of_c = open->verify(chain_of(c.cert_path).get(), now()).facts->spki_sha256;
  auto config = auth_config(root.cert_path());
  config.subjects = {"CN=partner-a,O=Example"};
  config.sans = {"partner-b.example"};
  config.spki_sha256 = {pin_of_c};
  auto authority = load(config);
  for (const auto* files : {&a, &b, &c}) {
    EXPECT_EQ(authority->verify(chain_of(files->cert_path).get(), now()).result,
              ClientCertificateResult::verified)
        << files->cert_path;
  }
  const auto refused = authority->verify(chain_of(d.cert_path).get(), now());
  EXPECT_EQ(refused.result, ClientCertificateResult::not_allowed);
  EXPECT_EQ(refused.alert, SSL_AD_ACCESS_DENIED);
  // A subject is the whole subject: its CN alone is not it.
  config.subjects = {"CN=partner-a"};
  config.sans.clear();
  config.spki_sha256.clear();
  EXPECT_EQ(load(config)->verify(chain_of(a.cert_path).get(), now()).result,
            ClientCertificateResult::not_allowed);
}

TEST(ClientAuthorityTest, VerifyDepthCountsIntermediates) {
  TempDir dir;
  TestCa root(dir, "root");
  const TestCa middle = root.intermediate("middle");
  const TestCa issuing = middle.intermediate("issuing");
  const auto client = issuing.issue("client", "deep");  // leaf, issuing, middle
  auto config = auth_config(root.cert_path());
  for (unsigned depth : {2u, 3u}) {
    config.verify_depth = depth;
    EXPECT_EQ(load(config)->verify(chain_of(client.cert_path).get(), now()).result,
              ClientCertificateResult::verified)
        << depth;
  }
  config.verify_depth = 1;
  const auto refused = load(config)->verify(chain_of(client.cert_path).get(), now());
  EXPECT_EQ(refused.result, ClientCertificateResult::untrusted) << refused.detail;
  EXPECT_EQ(refused.alert, SSL_AD_UNKNOWN_CA);
}

// What a client can make tlsfloor hold: at most kMaxPresentedCertificates certificates and
// kMaxCertificateMessage bytes; beyond either, refused before any chain is built.
TEST(ClientAuthorityTest, HostileChainsAreRefusedAtTheCaps) {
  TempDir dir;
  TestCa root(dir, "root");
  const auto client = root.issue("client", "client");
  const std::string leaf = test::pem_to_der(read(client.cert_path));
  const std::string ca = test::pem_to_der(root.cert_pem());
  auto authority = load(auth_config(root.cert_path()));

  Chain at_cap;  // the leaf and nine copies of the CA: verifies (the copies are ignored)
  at_cap.add_der(leaf);
  for (std::size_t i = 1; i < kMaxPresentedCertificates; ++i) at_cap.add_der(ca);
  EXPECT_EQ(authority->verify(at_cap.get(), now()).result, ClientCertificateResult::verified);
  Chain too_long = chain_of(client.cert_path);
  for (std::size_t i = 0; i < kMaxPresentedCertificates; ++i) too_long.add_der(ca);
  const auto long_verdict = authority->verify(too_long.get(), now());
  EXPECT_EQ(long_verdict.result, ClientCertificateResult::invalid);
  EXPECT_EQ(long_verdict.alert, SSL_AD_BAD_CERTIFICATE);
  EXPECT_NE(long_verdict.detail.find("over the caps"), std::string::npos);
  Chain too_big = chain_of(client.cert_path);
  too_big.add_der(std::string(kMaxCertificateMessage, 'x'));  // one huge blob
  EXPECT_EQ(authority->verify(too_big.get(), now()).result, ClientCertificateResult::invalid);
  Chain garbage;
  garbage.add_der("not a certificate");
  const auto garbage_verdict = authority->verify(garbage.get(), now());
  EXPECT_EQ(garbage_verdict.result, ClientCertificateResult::invalid);
  EXPECT_FALSE(garbage_verdict.facts);
}

TEST(ClientAuthorityTest, AResumptionRechecksExpiryAndTheCrlsInForceNow) {
  TempDir dir;
  TestCa root(dir, "root");
  long serial = 0;
  const auto client = root.issue("client", "client", {}, &serial);
  const Chain chain = chain_of(client.cert_path);
  auto before = load(auth_config(root.cert_path(), root.write_crl("before.crl", {})));
  auto after = load(auth_config(root.cert_path(), root.write_crl("after.crl", {serial})));
  EXPECT_EQ(before->recheck(chain.get(), now()).result, ClientCertificateResult::verified);
  const auto revoked = after->recheck(chain.get(), now());
  EXPECT_EQ(revoked.result, ClientCertificateResult::revoked);
  EXPECT_EQ(revoked.alert, SSL_AD_CERTIFICATE_REVOKED);
  ASSERT_TRUE(revoked.facts);
  // Two days on, the (25-hour) certificate has expired: the session does not outlive it.
  const auto expired = before->recheck(chain.get(), now() + 2 * 86400);
  EXPECT_EQ(expired.result, ClientCertificateResult::expired);
  EXPECT_EQ(expired.alert, SSL_AD_CERTIFICATE_EXPIRED);
  // Sessions are bound to the CAs, not to the CRLs: a new CRL keeps them (rechecked instead).
  EXPECT_EQ(before->identity(), after->identity());
}

TEST(ClientAuthorityTest, TheIdentityFollowsTheCasModeAndAllowList) {
  TempDir dir;
  TestCa root(dir, "root");
  TestCa other(dir, "other");
  const auto base = auth_config(root.cert_path());
  const std::string identity = load(base)->identity();
  EXPECT_EQ(load(base)->identity(), identity);
  auto changed = base;
  changed.ca_file = other.cert_path();
  EXPECT_NE(load(changed)->identity(), identity);
  changed = base;
  changed.mode = config::ClientAuthMode::optional;
  EXPECT_NE(load(changed)->identity(), identity);
  changed = base;
  changed.subjects = {"CN=x"};
  EXPECT_NE(load(changed)->identity(), identity);
  changed = base;
  changed.verify_depth = 1;
  EXPECT_NE(load(changed)->identity(), identity);
}

TEST(ClientAuthorityTest, BrokenFilesAreConfigurationErrorsAtTheirPositions) {
  TempDir dir;
  TestCa root(dir, "root");
  TestCa stranger(dir, "stranger");
  auto config = auth_config(dir.path().string() + "/missing.pem");
  config.ca_file_where = {"t.yaml", 3, 16};
  config.crl_file_where = {"t.yaml", 4, 17};
  std::vector<config::ConfigError> errors;
  EXPECT_FALSE(ClientAuthority::load(config, errors));
  config.ca_file = dir.write("empty.pem", "");
  EXPECT_FALSE(ClientAuthority::load(config, errors));
  config.ca_file = root.cert_path();
  config.crl_file = stranger.write_crl("stranger.crl", {});
  EXPECT_FALSE(ClientAuthority::load(config, errors));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].to_string(),
            "t.yaml:3:16: cannot read client_auth ca_file " + dir.path().string() + "/missing.pem");
  EXPECT_EQ(errors[1].to_string(), "t.yaml:3:16: no PEM certificate in client_auth ca_file " +
                                       dir.path().string() + "/empty.pem");
  EXPECT_EQ(errors[2].to_string(), "t.yaml:4:17: a CRL in client_auth crl_file " + config.crl_file +
                                       " is not signed by a CA of ca_file");
}

TEST(ClientAuthorityTest, TheCertificateRequestNamesTheBundlesCas) {
  TempDir dir;
  TestCa root(dir, "root");
  TestCa other(dir, "other");
  auto authority = load(auth_config(dir.write("bundle.pem", root.cert_pem() + other.cert_pem())));
  bssl::UniquePtr<STACK_OF(CRYPTO_BUFFER)> names(authority->ca_names());
  ASSERT_TRUE(names);
  EXPECT_EQ(sk_CRYPTO_BUFFER_num(names.get()), 2u);
}

}  // namespace
}  // namespace tlsfloor::tls
