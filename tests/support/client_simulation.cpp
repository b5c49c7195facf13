#include "tests/support/client_simulation.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace tlsfloor::test {
namespace {

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

std::vector<std::uint8_t> v2_to_client_hello(const std::vector<std::uint8_t>& record) {
  const std::size_t length = ((record.at(0) & 0x7f) << 8) | record.at(1);
  const std::vector<std::uint8_t> message(record.begin() + 2,
                                          record.begin() + 2 + static_cast<long>(length));
  const auto u16 = [&](std::size_t at) { return (message.at(at) << 8) | message.at(at + 1); };
  const std::size_t specs = u16(3);
  const std::size_t session = u16(5);
  const std::size_t challenge = u16(7);
  std::vector<std::uint8_t> suites;
  for (std::size_t at = 9; at < 9 + specs; at += 3) {
    if (message.at(at) == 0) suites.insert(suites.end(), {message.at(at + 1), message.at(at + 2)});
  }
  std::vector<std::uint8_t> body = {message.at(1), message.at(2)};
  std::vector<std::uint8_t> random(32, 0);
  const std::size_t kept = std::min<std::size_t>(challenge, 32);
  std::copy_n(message.begin() + static_cast<long>(9 + specs + session + challenge - kept), kept,
              random.end() - static_cast<long>(kept));
  body.insert(body.end(), random.begin(), random.end());
  body.push_back(0);
  body.push_back(static_cast<std::uint8_t>(suites.size() >> 8));
  body.push_back(static_cast<std::uint8_t>(suites.size()));
  body.insert(body.end(), suites.begin(), suites.end());
  body.insert(body.end(), {1, 0});
  return body;
}

}  // namespace

std::vector<SimulatedClient> load_client_simulation(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    throw std::runtime_error("cannot read " + path +
                             " (Debian package testssl.sh: "
                             "deploy/install-deps.sh --test installs it)");
  }
  // One bash array element per line: `names+=("...")`, `handshakebytes+=("...")`, ...
  const std::regex element(R"re(^\s*(\w+)\+=\("?(.*?)"?\)\s*$)re");
  std::vector<SimulatedClient> clients;
  std::smatch match;
  for (std::string line; std::getline(file, line);) {
    if (!std::regex_match(line, match, element)) continue;
    const std::string key = match[1];
    const std::string value = match[2];
    if (key == "names") {
      clients.emplace_back().name = value;
    } else if (clients.empty()) {
      continue;
    } else if (key == "short") {
      clients.back().short_name = value;
    } else if (key == "handshakebytes") {
      clients.back().record = from_hex(value);
    } else if (key == "curves") {
      clients.back().curves = value;
    } else if (key == "highest_protocol") {
      clients.back().highest_protocol = static_cast<std::uint16_t>(std::stoi(value, nullptr, 16));
    }
  }
  return clients;
}

std::vector<std::uint8_t> client_hello_body(const std::vector<std::uint8_t>& record) {
  if ((record.at(0) & 0x80) != 0) return v2_to_client_hello(record);
  return {record.begin() + 9, record.end()};  // 5 bytes of record, 4 of handshake header
}

}  // namespace tlsfloor::test
