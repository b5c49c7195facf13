#pragma once
// The readable refusal of `on_reject: http`: an HTTP response a legacy client's user can read,
// sent over the legacy handshake instead of a TLS alert. Pure.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace tlsfloor::policy {

/// The complete response: status line, Content-Type, Content-Length, Connection: close (the
/// connection ends after it), Cache-Control: no-store (the next attempt may be let in), and for
/// 426 the Upgrade header RFC 9110 requires ("TLS/1.2"). The default body names the required
/// version and the one the client used.
std::string http_refusal_response(const config::HttpRefusalConfig& http,
                                  config::TlsVersion required, std::uint16_t negotiated_wire);

/// The answer to an HTTP client of an `on_reject: http` listener whose upstream could not be
/// reached (connect or upstream TLS failed): 502 Bad Gateway, Connection: close.
std::string http_bad_gateway_response();

/// Whether a client that offered `alpn` (the protocols kept of its hello; `offered`: how many in
/// all) can read an HTTP/1.1 answer: it offered no ALPN, or offered http/1.1 or http/1.0. An h2
/// or gRPC client that cannot would take the answer for a broken connection.
bool reads_http1(const std::vector<std::string>& alpn, std::size_t offered);

/// Whether `received` holds a complete request head (up to the empty line).
bool has_request_head(std::string_view received);

}  // namespace tlsfloor::policy
