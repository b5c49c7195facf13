#pragma once
// ALPN protocol lists as TLS carries them.
#include <string>
#include <string_view>
#include <vector>

namespace tlsfloor::tls {

/// `protocols` in ALPN's wire format: each name after its length byte. Names are 1 to 255
/// bytes (checked when the configuration is read).
std::string alpn_wire_format(const std::vector<std::string>& protocols);

/// One protocol (1 to 255 bytes) in ALPN's wire format; empty for an empty name.
std::string alpn_wire_format(std::string_view protocol);

}  // namespace tlsfloor::tls
