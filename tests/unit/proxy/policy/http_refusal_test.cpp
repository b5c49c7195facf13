#include "proxy/policy/http_refusal.h"

#include <gtest/gtest.h>

namespace tlsfloor::policy {
namespace {

TEST(HttpRefusalTest, TheDefaultIs426NamingBothVersions) {
  const std::string body =
      "This service requires TLS 1.2 or newer. Your client connected with TLS 1.0: please "
      "update it or its TLS settings.\n";
  EXPECT_EQ(http_refusal_response({}, config::TlsVersion::tls1_2, 0x0301),
            "HTTP/1.1 426 Upgrade Required\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: " +
                std::to_string(body.size()) +
                "\r\n"
                "Upgrade: TLS/1.2\r\n"
                "Cache-Control: no-store\r\n"
                "Connection: close\r\n\r\n" +
                body);
}

TEST(HttpRefusalTest, AConfiguredStatusAndBody) {
  const std::string response = http_refusal_response(
      {403, "upgrade, see https://example.com/tls\n"}, config::TlsVersion::tls1_3, 0x0302);
  EXPECT_TRUE(response.starts_with("HTTP/1.1 403 Forbidden\r\n")) << response;
  EXPECT_NE(response.find("Content-Length: 37\r\n"), std::string::npos) << response;
  EXPECT_EQ(response.find("Upgrade:"), std::string::npos) << "only 426 carries Upgrade";
  EXPECT_TRUE(response.ends_with("\r\n\r\nupgrade, see https://example.com/tls\n"));
}

TEST(HttpRefusalTest, ACipherRefusalNamesTheSuiteNotTheVersion) {
  const std::string response = http_refusal_response({}, config::TlsVersion::tls1_2, 0x0303,
                                                     "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  EXPECT_TRUE(response.ends_with(
      "\r\n\r\nThis service no longer accepts the cipher suites your client offers (it connected "
      "with TLS_RSA_WITH_3DES_EDE_CBC_SHA): please update it or its TLS settings.\n"))
      << response;
  // A configured body is the operator's, whichever floor refused.
  EXPECT_TRUE(http_refusal_response({426, "see the wiki\n"}, config::TlsVersion::tls1_2, 0x0303,
                                    "TLS_RSA_WITH_3DES_EDE_CBC_SHA")
                  .ends_with("\r\n\r\nsee the wiki\n"));
}

TEST(HttpRefusalTest, RequestHeadEndsAtTheEmptyLine) {
  EXPECT_FALSE(has_request_head("GET / HTTP/1.1\r\nHost: a\r\n"));
  EXPECT_TRUE(has_request_head("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(has_request_head("GET / HTTP/1.0\n\n"));
}

}  // namespace
}  // namespace tlsfloor::policy
