// upstream.tls as the TLS layer loads it: every file problem at its config position (also when
// the configuration has other errors), and the one-word reasons an upstream handshake fails.
#include "proxy/tls/upstream_tls.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config_parser.h"
#include "proxy/tls/certificate_set.h"
#include "tests/support/test_pki.h"

namespace tlsfloor::tls {
namespace {

using test::TempDir;

std::vector<std::string> texts(const std::vector<config::ConfigError>& errors) {
  std::vector<std::string> out;
  for (const auto& error : errors) out.push_back(error.to_string());
  return out;
}

TEST(UpstreamTlsLoadTest, LoadsAVerifiedContextWithAClientCertificate) {
  TempDir dir;
  const auto ca = test::make_self_signed(dir, "ca", {"backend.internal"});
  const auto client = test::make_self_signed(dir, "client", {"tlsfloor.internal"});
  config::UpstreamTlsConfig config;
  config.ca_file = ca.cert_path;
  config.client_certificate = config::CertificateConfig{client.cert_path, client.key_path, {}};
  std::vector<config::ConfigError> errors;
  const auto loaded = UpstreamTls::load(config, errors);
  EXPECT_TRUE(errors.empty()) << testing::PrintToString(texts(errors));
  ASSERT_NE(loaded, nullptr);
  UpstreamSessions sessions;
  const auto ssl = loaded->new_connection({"backend.internal", 443}, sessions, "h2");
  ASSERT_NE(ssl, nullptr);
  EXPECT_STREQ(SSL_get_servername(ssl.get(), TLSEXT_NAMETYPE_host_name), "backend.internal");
  // An address is verified as one, and never sent as SNI.
  const auto by_address = loaded->new_connection({"10.0.0.7", 443}, sessions, "");
  ASSERT_NE(by_address, nullptr);
  EXPECT_EQ(SSL_get_servername(by_address.get(), TLSEXT_NAMETYPE_host_name), nullptr);
}

TEST(UpstreamTlsLoadTest, FileProblemsAreNamedAtTheirPositionAllAtOnce) {
  TempDir dir;
  const auto pair = test::make_self_signed(dir, "client", {"tlsfloor.internal"});
  const auto other = test::make_self_signed(dir, "other", {"other.internal"});
  const std::string not_pem = dir.write("ca.txt", "not a certificate\n");
  const std::string yaml =
      "listeners:\n"
      "  - name: api\n"
      "    listen: 127.0.0.1:8443\n"
      "    upstream: {address: 10.0.0.7:443, tls: {ca_file: " +
      (dir.path() / "missing.pem").string() +
      "}}\n"
      "    certificates: [{cert: " +
      pair.cert_path + ", key: " + pair.key_path +
      "}]\n"
      "    routes:\n"
      "      - name: b\n"
      "        server_names: [b.example]\n"
      "        upstream: {tls: {ca_file: " +
      not_pem + ", cert: " + pair.cert_path + ", key: " + other.key_path +
      "}}\n"
      "  - name: broken\n"
      "    listen: 127.0.0.1:8444\n"
      "    upstream: {address: 10.0.0.7:443}\n"
      "    certificates: [{cert: " +
      pair.cert_path + ", key: " + pair.key_path +
      "}]\n"
      "    timeouts: {handshake: soon}\n";
  config::ParseResult parsed = config::parse_config(yaml, "t.yaml");
  ASSERT_FALSE(parsed.config.has_value());
  add_certificate_errors(parsed);
  const auto errors = texts(parsed.errors);
  ASSERT_EQ(errors.size(), 4u) << testing::PrintToString(errors);
  EXPECT_EQ(errors[0].rfind("t.yaml:4:", 0), 0u);
  EXPECT_NE(errors[0].find("cannot read CA file " + (dir.path() / "missing.pem").string() +
                           ": No such file or directory"),
            std::string::npos);
  EXPECT_EQ(errors[1].rfind("t.yaml:9:", 0), 0u);
  EXPECT_NE(errors[1].find("no usable PEM certificate in CA file " + not_pem), std::string::npos);
  EXPECT_EQ(errors[2].rfind("t.yaml:9:", 0), 0u);
  EXPECT_NE(errors[2].find("does not match certificate"), std::string::npos);
  EXPECT_EQ(errors[3].rfind("t.yaml:14:", 0), 0u);  // the other listener's error, in order
}

TEST(UpstreamFailureReasonTest, NamesWhatWentWrong) {
  const auto verify_failed = ERR_PACK(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED);
  EXPECT_EQ(
      upstream_failure_reason(SSL_ERROR_SSL, X509_V_ERR_HOSTNAME_MISMATCH, verify_failed, false),
      "certificate_name_mismatch");
  EXPECT_EQ(
      upstream_failure_reason(SSL_ERROR_SSL, X509_V_ERR_IP_ADDRESS_MISMATCH, verify_failed, false),
      "certificate_name_mismatch");
  EXPECT_EQ(upstream_failure_reason(SSL_ERROR_SSL, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
                                    verify_failed, false),
            "certificate_untrusted");
  EXPECT_EQ(
      upstream_failure_reason(SSL_ERROR_SSL, X509_V_ERR_CERT_HAS_EXPIRED, verify_failed, false),
      "certificate_expired");
  EXPECT_EQ(
      upstream_failure_reason(SSL_ERROR_SSL, X509_V_ERR_INVALID_PURPOSE, verify_failed, false),
      "certificate_invalid");
  // A verify result is only read when verification is what failed.
  EXPECT_EQ(
      upstream_failure_reason(SSL_ERROR_SSL, X509_V_ERR_INVALID_CALL,
                              ERR_PACK(ERR_LIB_SSL, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION), false),
      "version_mismatch");
  EXPECT_EQ(upstream_failure_reason(SSL_ERROR_SSL, 0,
                                    ERR_PACK(ERR_LIB_SSL, SSL_R_UNSUPPORTED_PROTOCOL), false),
            "version_mismatch");
  EXPECT_EQ(
      upstream_failure_reason(SSL_ERROR_SSL, 0,
                              ERR_PACK(ERR_LIB_SSL, SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE), false),
      "handshake_refused");
  EXPECT_EQ(
      upstream_failure_reason(SSL_ERROR_SSL, 0,
                              ERR_PACK(ERR_LIB_SSL, SSL_R_TLSV1_ALERT_CERTIFICATE_REQUIRED), false),
      "certificate_required");
  EXPECT_EQ(upstream_failure_reason(SSL_ERROR_SYSCALL, 0, 0, false), "closed");
  EXPECT_EQ(upstream_failure_reason(SSL_ERROR_SYSCALL, 0, 0, true), "timeout");
  EXPECT_EQ(
      upstream_failure_reason(SSL_ERROR_SSL, 0, ERR_PACK(ERR_LIB_SSL, SSL_R_DECODE_ERROR), false),
      "protocol_error");
}

}  // namespace
}  // namespace tlsfloor::tls
