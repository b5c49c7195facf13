#include "tests/support/admin_client.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <sstream>

#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

// Parses `{a="x",b="y"}` (the exposition escapes \\, \" and \n inside values).
std::optional<Labels> parse_labels(const std::string& text) {
  Labels labels;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t equals = text.find('=', at);
    if (equals == std::string::npos || equals + 1 >= text.size() || text[equals + 1] != '"') {
      return std::nullopt;
    }
    std::string value;
    std::size_t i = equals + 2;
    for (; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) {
        ++i;
        value += text[i] == 'n' ? '\n' : text[i];
      } else {
        value += text[i];
      }
    }
    if (i >= text.size()) return std::nullopt;
    labels[text.substr(at, equals - at)] = value;
    at = i + 1;
    if (at < text.size() && text[at] == ',') ++at;
  }
  return labels;
}

// A chunked body (Prometheus' API answers so) as the bytes it carries; what cannot be read is
// cut off.
std::string dechunked(const std::string& chunked) {
  std::string body;
  std::size_t at = 0;
  for (;;) {
    const std::size_t line_end = chunked.find("\r\n", at);
    if (line_end == std::string::npos) break;
    std::size_t size = 0;
    try {
      size = std::stoul(chunked.substr(at, line_end - at), nullptr, 16);
    } catch (const std::exception&) {
      break;
    }
    if (size == 0 || line_end + 2 + size > chunked.size()) break;
    body += chunked.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
  return body;
}

}  // namespace

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& extra_headers) {
  HttpResponse response;
  const int fd = connect_tcp(port);
  // A Host given in extra_headers replaces the default one.
  const bool own_host =
      extra_headers.rfind("Host:", 0) == 0 || extra_headers.find("\r\nHost:") != std::string::npos;
  const std::string request = method + " " + target + " HTTP/1.1\r\n" +
                              (own_host ? "" : "Host: 127.0.0.1\r\n") + extra_headers +
                              "Connection: close\r\n\r\n";
  if (!send_raw(fd, request)) {
    ::close(fd);
    return response;
  }
  const std::string raw = read_raw_to_end(fd);
  ::close(fd);
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return response;
  response.status = std::stoi(raw.substr(9, 3));
  response.headers = raw.substr(0, head_end);
  response.body = raw.substr(head_end + 4);
  std::string lower = response.headers;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    response.body = dechunked(response.body);
  }
  return response;
}

std::optional<double> metric_value(const std::string& exposition, const std::string& name,
                                   const Labels& labels) {
  std::istringstream lines(exposition);
  std::string line;
  std::optional<double> sum;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string::npos || line.compare(0, name_end, name) != 0 ||
        name_end != name.size()) {
      continue;
    }
    Labels found;
    std::size_t value_start = name_end + 1;
    if (line[name_end] == '{') {
      const std::size_t close = line.rfind('}');
      if (close == std::string::npos) continue;
      const auto parsed = parse_labels(line.substr(name_end + 1, close - name_end - 1));
      if (!parsed) continue;
      found = *parsed;
      value_start = close + 2;
    }
    const bool includes = std::all_of(labels.begin(), labels.end(), [&](const auto& label) {
      const auto it = found.find(label.first);
      return it != found.end() && it->second == label.second;
    });
    if (includes) sum = sum.value_or(0) + std::stod(line.substr(value_start));
  }
  return sum;
}

}  // namespace tlsfloor::test
