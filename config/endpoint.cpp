#include "config/endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>

namespace tlsfloor::config {
namespace {

bool fail(std::string* error, std::string_view message) {
  if (error != nullptr) *error = message;
  return false;
}

bool is_ipv4_literal(const std::string& host) {
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool is_ipv6_literal(const std::string& host) {
  in6_addr address{};
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

// Letters, digits, '-', '.', and '_' (found in container and service-discovery names). Anything
// else, e.g. whitespace or a '/', is a typo that would only surface at connect time.
bool is_host_name(std::string_view host) {
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool parse_port(std::string_view text, std::uint16_t& port, std::string* error) {
  if (text.empty()) return fail(error, "missing port");
  for (const char c : text) {
    // from_chars would accept a leading '-' for signed types and stop at trailing junk; checking
    // every character keeps "+80", "80 " and "8o" out.
    if (c < '0' || c > '9') return fail(error, "port is not a number");
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return fail(error, "port out of range (0-65535)");
  }
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

std::string Endpoint::to_string() const {
  // Only an IPv6 literal contains ':'; it needs brackets to keep the port separable.
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

bool Endpoint::host_is_ip_literal() const { return is_ipv4_literal(host) || is_ipv6_literal(host); }

std::optional<Endpoint> parse_endpoint(std::string_view text, std::string* error) {
  if (text.empty()) {
    fail(error, "empty address");
    return std::nullopt;
  }
  if (text.find("://") != std::string_view::npos) {
    fail(error, "expected host:port, not a URL");
    return std::nullopt;
  }

  Endpoint endpoint;
  std::string_view port_text;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      fail(error, "missing ']'");
      return std::nullopt;
    }
    endpoint.host = std::string(text.substr(1, close - 1));
    if (endpoint.host.empty()) {
      fail(error, "empty host");
      return std::nullopt;
    }
    // Brackets are only for IPv6: "[10.0.0.1]:80" or "[name]:80" is a mistake, not a spelling.
    if (!is_ipv6_literal(endpoint.host)) {
      fail(error, "not an IPv6 address inside []");
      return std::nullopt;
    }
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty()) {
      fail(error, "missing port");
      return std::nullopt;
    }
    if (rest.front() != ':') {
      fail(error, "expected ':' after ']'");
      return std::nullopt;
    }
    port_text = rest.substr(1);
  } else {
    if (text.find_first_of("[]") != std::string_view::npos) {
      fail(error, "unbalanced '[' or ']'");
      return std::nullopt;
    }
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      fail(error, "missing port");
      return std::nullopt;
    }
    // A second ':' means an unbracketed IPv6 address; whether its tail is a port or the last
    // group ("::1:8443") cannot be told apart, so brackets are required.
    if (text.find(':') != colon) {
      fail(error, "IPv6 address must be in brackets, e.g. [::1]:8443");
      return std::nullopt;
    }
    endpoint.host = std::string(text.substr(0, colon));
    if (endpoint.host.empty()) {
      fail(error, "empty host");
      return std::nullopt;
    }
    if (!is_host_name(endpoint.host)) {
      fail(error, "invalid character in host");
      return std::nullopt;
    }
    port_text = text.substr(colon + 1);
  }

  if (!parse_port(port_text, endpoint.port, error)) return std::nullopt;
  return endpoint;
}

}  // namespace tlsfloor::config
