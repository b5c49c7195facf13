#include "proxy/policy/http_refusal.h"

#include "config/tls_version.h"

namespace tlsfloor::policy {
namespace {

std::string_view reason_phrase(unsigned status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 421:
      return "Misdirected Request";
    case 426:
      return "Upgrade Required";
    case 451:
      return "Unavailable For Legal Reasons";
    case 502:
      return "Bad Gateway";
    case 495:
      return "SSL Certificate Error";
    case 503:
      return "Service Unavailable";
    default:
      return status < 400 ? "OK" : (status < 500 ? "Client Error" : "Server Error");
  }
}

// "TLS1.2" -> "TLS 1.2" for people, "TLS/1.2" for the Upgrade header.
std::string spaced(std::string_view label, char separator) {
  std::string text(label);
  if (text.starts_with("TLS")) text.insert(3, 1, separator);
  return text;
}

}  // namespace

std::string http_refusal_response(const config::HttpRefusalConfig& http,
                                  config::TlsVersion required, std::uint16_t negotiated_wire) {
  const std::string_view required_label = config::to_string(required);
  std::string body = http.body;
  if (body.empty()) {
    body = "This service requires " + spaced(required_label, ' ') +
           " or newer. Your client connected with " +
           spaced(config::wire_version_label(negotiated_wire), ' ') +
           ": please update it or its TLS settings.\n";
  }
  std::string response = "HTTP/1.1 " + std::to_string(http.status) + " " +
                         std::string(reason_phrase(http.status)) + "\r\n";
  response += "Content-Type: text/plain; charset=utf-8\r\n";
  response += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (http.status == 426) response += "Upgrade: " + spaced(required_label, '/') + "\r\n";
  response += "Cache-Control: no-store\r\n";
  response += "Connection: close\r\n\r\n";
  response += body;
  return response;
}

std::string http_bad_gateway_response() {
  const std::string body = "The service behind this address cannot be reached right now.\n";
  return "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" +
         body;
}

bool reads_http1(const std::vector<std::string>& alpn, std::size_t offered) {
  if (offered == 0) return true;
  for (const std::string& protocol : alpn) {
    if (protocol == "http/1.1" || protocol == "http/1.0") return true;
  }
  return false;
}

bool has_request_head(std::string_view received) {
  return received.find("\r\n\r\n") != std::string_view::npos ||
         received.find("\n\n") != std::string_view::npos;
}

}  // namespace tlsfloor::policy
