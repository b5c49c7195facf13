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

TEST(HttpRefusalTest, ABadGatewayIsAClosingHttp1Answer) {
  const std::string response = http_bad_gateway_response();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 502 Bad Gateway\r\n")) << response;
  EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos) << response;
  const std::size_t body = response.find("\r\n\r\n") + 4;
  EXPECT_NE(response.find("Content-Length: " + std::to_string(response.size() - body) + "\r\n"),
            std::string::npos)
      << response;
}

TEST(HttpRefusalTest, OnlyAClientThatReadsHttp1IsAnsweredOverHttp) {
  EXPECT_TRUE(reads_http1({}, 0));  // no ALPN at all
  EXPECT_TRUE(reads_http1({"h2", "http/1.1"}, 2));
  EXPECT_TRUE(reads_http1({"http/1.0"}, 1));
  EXPECT_FALSE(reads_http1({"h2"}, 1));  // gRPC, an h2-only client
  EXPECT_FALSE(reads_http1({"acme-tls/1"}, 1));
  // Names beyond those kept were offered too; only the kept ones can be looked at.
  EXPECT_FALSE(reads_http1({"h2"}, 9));
}

TEST(HttpRefusalTest, RequestHeadEndsAtTheEmptyLine) {
  EXPECT_FALSE(has_request_head("GET / HTTP/1.1\r\nHost: a\r\n"));
  EXPECT_TRUE(has_request_head("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(has_request_head("GET / HTTP/1.0\n\n"));
}

}  // namespace
}  // namespace tlsfloor::policy
