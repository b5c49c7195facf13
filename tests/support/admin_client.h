#pragma once
// Reading the admin listener from tests: a minimal HTTP/1.1 GET and a Prometheus text parser.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace tlsfloor::test {

struct HttpResponse {
  int status = 0;
  std::string headers;  // raw header block
  std::string body;
};

/// `method` `target` to 127.0.0.1:`port` (Host: 127.0.0.1, Connection: close) with any
/// `extra_headers` ("Name: value\r\n" lines); status 0 when it failed.
HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& extra_headers = "");
inline HttpResponse http_get(std::uint16_t port, const std::string& target) {
  return http_request(port, "GET", target);
}

using Labels = std::map<std::string, std::string>;

/// The sum of the samples `name` whose labels include these (PromQL's `sum` over the labels left
/// out: {listener="api"} adds up every route of api), or nullopt when there is none.
std::optional<double> metric_value(const std::string& exposition, const std::string& name,
                                   const Labels& labels);

}  // namespace tlsfloor::test
