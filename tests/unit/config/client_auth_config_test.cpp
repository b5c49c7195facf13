// client_auth, legacy_clients.key, exceptions by certificate subject and the upstream's
// certificate TLV: what the parser accepts, and every error with its position.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/client_certificate_result.h"
#include "config/config_parser.h"
#include "tests/unit/config/parsed_config.h"

namespace tlsfloor::config {
namespace {

// Line 1 is `listeners:`; the listener's upstream is line 4 (`upstream_extra` inside it), and its
// extra keys start at line 6, indented by four.
std::string listener_with(std::string_view extra, std::string_view upstream_extra = "") {
  return "listeners:\n"
         "  - name: api\n"
         "    listen: 0.0.0.0:8443\n"
         "    upstream: {address: 127.0.0.1:8080" +
         std::string(upstream_extra) +
         "}\n"
         "    certificates: [{cert: a.crt, key: a.key}]\n" +
         std::string(extra);
}

TEST(ClientAuthConfigTest, NoneByDefault) {
  const ParseResult result = parse_config(listener_with(""), "t.yaml");
  ASSERT_TRUE(result.config) << testing::PrintToString(error_strings(result));
  const ListenerConfig& listener = result.config->listeners[0];
  EXPECT_EQ(listener.client_auth.mode, ClientAuthMode::none);
  EXPECT_FALSE(listener.client_auth.enabled());
  EXPECT_EQ(result.config->legacy_clients.key, ClientKeyKind::address);
  EXPECT_EQ(listener.upstream.client_certificate_tlv, 0);
  EXPECT_TRUE(result.client_auth.empty());
}

TEST(ClientAuthConfigTest, EveryKeyOfAListenerAndARouteThatReplacesIt) {
  const ParseResult result = parse_config(
      "legacy_clients: {key: certificate}\n" +
          listener_with(
              "    client_auth:\n"
              "      mode: require\n"
              "      ca_file: /etc/ca.pem\n"
              "      crl_file: /etc/ca.crl\n"
              "      verify_depth: 1\n"
              "      allow:\n"
              "        subjects: [\"CN=partner-a,O=Example\"]\n"
              "        sans: [partner-b.example]\n"
              "        spki_sha256:\n"
              "          - 0001020304050607080910111213141516171819202122232425262728293031\n"
              "          - AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
              "    routes:\n"
              "      - name: shop\n"
              "        server_names: [shop.example]\n"
              "        client_auth: {mode: optional, ca_file: shop-ca.pem}\n"
              "      - name: inherits\n"
              "        server_names: [other.example]\n",
              ", proxy_protocol: v2, client_certificate_tlv: 0xE1"),
      "/etc/tlsfloor/t.yaml");
  ASSERT_TRUE(result.config) << testing::PrintToString(error_strings(result));
  const ListenerConfig& listener = result.config->listeners[0];
  EXPECT_EQ(result.config->legacy_clients.key, ClientKeyKind::certificate);
  EXPECT_EQ(listener.upstream.client_certificate_tlv, 0xE1);
  const ClientAuthConfig& auth = listener.client_auth;
  EXPECT_EQ(auth.mode, ClientAuthMode::require);
  EXPECT_EQ(auth.ca_file, "/etc/ca.pem");
  EXPECT_EQ(auth.crl_file, "/etc/ca.crl");
  EXPECT_EQ(auth.verify_depth, 1u);
  EXPECT_EQ(auth.subjects, std::vector<std::string>{"CN=partner-a,O=Example"});
  EXPECT_EQ(auth.sans, std::vector<std::string>{"partner-b.example"});
  ASSERT_EQ(auth.spki_sha256.size(), 2u);
  EXPECT_EQ(auth.spki_sha256[0][1], 0x01);
  EXPECT_EQ(auth.spki_sha256[0][31], 0x31);
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(auth.spki_sha256[1][i], i);
  EXPECT_EQ(auth.ca_file_where, (SourceMark{"/etc/tlsfloor/t.yaml", 9, 16}));
  ASSERT_EQ(listener.routes.size(), 2u);
  // A route's section replaces its listener's whole: no CRL, no allow list, the default depth.
  const ClientAuthConfig& shop = listener.routes[0].client_auth;
  EXPECT_EQ(shop.mode, ClientAuthMode::optional);
  EXPECT_EQ(shop.ca_file, "/etc/tlsfloor/shop-ca.pem");
  EXPECT_EQ(shop.crl_file, "");
  EXPECT_EQ(shop.verify_depth, 3u);
  EXPECT_TRUE(shop.subjects.empty() && shop.spki_sha256.empty());
  EXPECT_EQ(listener.routes[1].client_auth, auth);
  // Both sections are handed to the TLS layer for their files; the CA and CRL files reload.
  EXPECT_EQ(result.client_auth.size(), 2u);
  const auto files = result.config->reloadable_files();
  for (const char* file : {"/etc/ca.pem", "/etc/ca.crl", "/etc/tlsfloor/shop-ca.pem"}) {
    EXPECT_NE(std::find(files.begin(), files.end(), file), files.end()) << file;
  }
}

TEST(ClientAuthConfigTest, EveryProblemIsNamedWithItsPosition) {
  const ParseResult result =
      parse_config("legacy_clients: {key: subject}\n" +
                       listener_with("    client_auth:\n"
                                     "      mode: required\n"
                                     "      verify_depth: 9\n"
                                     "      allow: {spki_sha256: [abc], subjects: []}\n"
                                     "    routes:\n"
                                     "      - name: a\n"
                                     "        server_names: [a.example]\n"
                                     "        client_auth: {mode: require}\n"
                                     "      - name: b\n"
                                     "        server_names: [b.example]\n"
                                     "        client_auth: {mode: none, ca_file: ca.pem}\n"
                                     "      - name: c\n"
                                     "        server_names: [c.example]\n"
                                     "        upstream: {client_certificate_tlv: 0xE2}\n"
                                     "        exceptions:\n"
                                     "          - name: partner\n"
                                     "            clients: [10.0.0.0/8]\n"
                                     "            expires: 2030-01-01T00:00:00Z\n",
                                     ", client_certificate_tlv: 0xE0"),
                   "t.yaml");
  EXPECT_FALSE(result.config);
  EXPECT_EQ(
      error_strings(result),
      (std::vector<std::string>{
          "t.yaml:1:23: invalid key \"subject\" (expected one of: address, certificate)",
          "t.yaml:5:65: invalid client_certificate_tlv \"0xE0\" (expected a TLV type from 0xE1 "
          "to 0xEF; 0xE0 is tlsfloor's own)",
          "t.yaml:8:13: invalid client_auth mode \"required\" (expected one of: none, optional, "
          "require)",
          "t.yaml:9:21: invalid verify_depth \"9\" (expected an integer from 0 to 8; intermediate "
          "CAs between a client and ca_file)",
          "t.yaml:10:29: invalid spki_sha256 \"abc\" (expected 64 hex digits or 44 characters of "
          "base64: the SHA-256 of the certificate's SubjectPublicKeyInfo)",
          "t.yaml:10:45: subjects must not be empty",
          "t.yaml:14:22: client_auth mode require needs ca_file (the CAs client certificates "
          "must chain to)",
          "t.yaml:17:44: ca_file is only used with client_auth mode optional or require",
          "t.yaml:20:19: client_certificate_tlv needs upstream proxy_protocol v2 (the TLV travels "
          "in its header)",
      }));
}

// Exceptions select from the ClientHello, before any certificate is asked for: a selector by
// certificate subject would match every hello and exempt every client. An exception is scoped
// to a certificate by a route whose client_auth allow list names it (README).
TEST(ClientAuthConfigTest, AnExceptionCannotSelectByCertificateSubject) {
  const ParseResult result =
      parse_config(listener_with("    client_auth: {mode: optional, ca_file: ca.pem}\n"
                                 "    exceptions:\n"
                                 "      - name: partner\n"
                                 "        certificate_subjects: [\"CN=partner-a,O=Example\"]\n"
                                 "        expires: 2030-01-01T00:00:00Z\n"),
                   "t.yaml");
  EXPECT_FALSE(result.config);
  EXPECT_EQ(error_strings(result),
            (std::vector<std::string>{
                "t.yaml:8:9: exception \"partner\" needs at least one selector: clients, "
                "server_names or ja4",
                "t.yaml:9:9: unknown key \"certificate_subjects\" in exception (expected one of: "
                "name, clients, server_names, ja4, min_version, ciphers, expires, note, "
                "unused_after)",
            }));
}

TEST(ClientCertificateResultTest, SpelledAsTheMetricLabelsAndReadBack) {
  std::vector<std::string> spelled;
  for (const ClientCertificateResult result : kClientCertificateResults) {
    spelled.emplace_back(to_string(result));
    EXPECT_EQ(parse_client_certificate_result(to_string(result)), result);
  }
  EXPECT_EQ(spelled, (std::vector<std::string>{"verified", "absent", "untrusted", "expired",
                                               "revoked", "not_allowed", "invalid"}));
  EXPECT_EQ(parse_client_certificate_result("Verified"), std::nullopt);
}

}  // namespace
}  // namespace tlsfloor::config
