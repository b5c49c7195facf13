#include "proxy/tls/alpn.h"

namespace tlsfloor::tls {

std::string alpn_wire_format(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const std::string& protocol : protocols) wire += alpn_wire_format(protocol);
  return wire;
}

std::string alpn_wire_format(std::string_view protocol) {
  if (protocol.empty() || protocol.size() > 255) return {};
  std::string wire(1, static_cast<char>(protocol.size()));
  wire += protocol;
  return wire;
}

}  // namespace tlsfloor::tls
