// Certificates for a fleet: what each listener serves is exported (expiry and load time per
// certificate, labelled so that a person can find it), and follows reloads.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"

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

}  // namespace
}  // namespace tlsfloor::test
