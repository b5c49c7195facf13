#pragma once
// The readable refusal of `on_reject: http`: an HTTP response a legacy client's user can read,
// sent over the legacy handshake instead of a TLS alert. Pure.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"

namespace tlsfloor::policy {

/// The complete response: status line, Content-Type, Content-Length, Connection: close (the
/// connection ends after it), Cache-Control: no-store (the next attempt may be let in), and for
/// 426 the Upgrade header RFC 9110 requires ("TLS/1.2"). The default body names the required
/// version and the one the client used; for a client refused by the cipher floor
/// (`weak_cipher`: the suite its refusal was negotiated with), that suite instead.
std::string http_refusal_response(const config::HttpRefusalConfig& http,
                                  config::TlsVersion required, std::uint16_t negotiated_wire,
                                  std::string_view weak_cipher = {});

/// Whether `received` holds a complete request head (up to the empty line).
bool has_request_head(std::string_view received);

}  // namespace tlsfloor::policy
