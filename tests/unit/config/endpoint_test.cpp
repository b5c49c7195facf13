#include "config/endpoint.h"

#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tlsfloor::config {
namespace {

struct EndpointCase {
  std::string_view text;
  std::string_view host;
  std::uint16_t port;
  bool ip_literal;
  std::string_view canonical;  // to_string()
};

class ParseEndpointValidTest : public testing::TestWithParam<EndpointCase> {};

TEST_P(ParseEndpointValidTest, Parses) {
  const EndpointCase& c = GetParam();
  std::string error = "untouched";
  const std::optional<Endpoint> endpoint = parse_endpoint(c.text, &error);
  ASSERT_TRUE(endpoint.has_value()) << error;
  EXPECT_EQ(endpoint->host, c.host);
  EXPECT_EQ(endpoint->port, c.port);
  EXPECT_EQ(endpoint->host_is_ip_literal(), c.ip_literal);
  EXPECT_EQ(endpoint->to_string(), c.canonical);
  // Whatever to_string produces must parse back to the same endpoint.
  EXPECT_EQ(parse_endpoint(endpoint->to_string()), endpoint);
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, ParseEndpointValidTest,
    testing::Values(
        EndpointCase{"1.2.3.4:80", "1.2.3.4", 80, true, "1.2.3.4:80"},
        EndpointCase{"0.0.0.0:8443", "0.0.0.0", 8443, true, "0.0.0.0:8443"},
        EndpointCase{"127.0.0.1:0", "127.0.0.1", 0, true, "127.0.0.1:0"},
        EndpointCase{"127.0.0.1:65535", "127.0.0.1", 65535, true, "127.0.0.1:65535"},
        EndpointCase{"[::1]:8443", "::1", 8443, true, "[::1]:8443"},
        EndpointCase{"[::]:443", "::", 443, true, "[::]:443"},
        EndpointCase{"[2001:db8::1]:443", "2001:db8::1", 443, true, "[2001:db8::1]:443"},
        EndpointCase{"[::ffff:10.0.0.1]:80", "::ffff:10.0.0.1", 80, true, "[::ffff:10.0.0.1]:80"},
        EndpointCase{"host.name:8080", "host.name", 8080, false, "host.name:8080"},
        EndpointCase{"localhost:1", "localhost", 1, false, "localhost:1"},
        EndpointCase{"my_service-2:8080", "my_service-2", 8080, false, "my_service-2:8080"},
        EndpointCase{"10.0.0.1:0080", "10.0.0.1", 80, true, "10.0.0.1:80"},
        // Not an IPv4 literal, so it is taken as a (bad) host name; the config
        // parser rejects it for listen addresses through host_is_ip_literal.
        EndpointCase{"1.2.3.999:80", "1.2.3.999", 80, false, "1.2.3.999:80"}));

struct InvalidCase {
  std::string_view text;
  std::string_view error;
};

class ParseEndpointInvalidTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(ParseEndpointInvalidTest, Rejects) {
  const InvalidCase& c = GetParam();
  std::string error;
  EXPECT_EQ(parse_endpoint(c.text, &error), std::nullopt);
  EXPECT_EQ(error, c.error);
  // The error out-parameter is optional.
  EXPECT_EQ(parse_endpoint(c.text), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, ParseEndpointInvalidTest,
    testing::Values(
        InvalidCase{"", "empty address"}, InvalidCase{"1.2.3.4", "missing port"},
        InvalidCase{"1.2.3.4:", "missing port"}, InvalidCase{"host", "missing port"},
        InvalidCase{":80", "empty host"}, InvalidCase{"1.2.3.4:http", "port is not a number"},
        InvalidCase{"1.2.3.4:-1", "port is not a number"},
        InvalidCase{"1.2.3.4:+80", "port is not a number"},
        InvalidCase{"1.2.3.4: 80", "port is not a number"},
        InvalidCase{"1.2.3.4:80 ", "port is not a number"},
        InvalidCase{"1.2.3.4:65536", "port out of range (0-65535)"},
        InvalidCase{"1.2.3.4:99999999999999999999", "port out of range (0-65535)"},
        InvalidCase{"::1:8443", "IPv6 address must be in brackets, e.g. [::1]:8443"},
        InvalidCase{"2001:db8::1", "IPv6 address must be in brackets, e.g. [::1]:8443"},
        InvalidCase{"[::1]", "missing port"}, InvalidCase{"[::1]:", "missing port"},
        InvalidCase{"[::1]8443", "expected ':' after ']'"},
        InvalidCase{"[::1]:80]", "port is not a number"}, InvalidCase{"[::1:8443", "missing ']'"},
        InvalidCase{"::1]:8443", "unbalanced '[' or ']'"},
        InvalidCase{"host[1]:80", "unbalanced '[' or ']'"}, InvalidCase{"[]:80", "empty host"},
        InvalidCase{"[1.2.3.4]:80", "not an IPv6 address inside []"},
        InvalidCase{"[host]:80", "not an IPv6 address inside []"},
        InvalidCase{"[::1%eth0]:80", "not an IPv6 address inside []"},
        InvalidCase{"https://host:443", "expected host:port, not a URL"},
        InvalidCase{"bad host:80", "invalid character in host"},
        InvalidCase{"host/path:80", "invalid character in host"}));

TEST(EndpointTest, HostIsIpLiteral) {
  const struct {
    std::string_view host;
    bool literal;
  } cases[] = {
      {"0.0.0.0", true},   {"255.255.255.255", true}, {"::", true},
      {"fe80::1", true},   {"1.2.3", false},          {"1.2.3.4.5", false},
      {"01.2.3.4", false}, {"[::1]", false},          {"localhost", false},
      {"", false},         {"::1%lo", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.host);
    EXPECT_EQ((Endpoint{std::string(c.host), 1}.host_is_ip_literal()), c.literal);
  }
}

TEST(EndpointTest, ToStringBracketsOnlyIpv6) {
  EXPECT_EQ((Endpoint{"2001:db8::1", 443}.to_string()), "[2001:db8::1]:443");
  EXPECT_EQ((Endpoint{"10.1.2.3", 0}.to_string()), "10.1.2.3:0");
  EXPECT_EQ((Endpoint{"backend.local", 8080}.to_string()), "backend.local:8080");
}

}  // namespace
}  // namespace tlsfloor::config
