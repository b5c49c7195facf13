#pragma once
// upstream_by_alpn as the rest of tlsfloor reads it: which ALPN protocols a route offers, and the
// words the logs, a reload's list of changes and `tlsfloor --check` use for where its
// connections go. Pure.
#include <string>
#include <vector>

#include "config/config.h"

namespace tlsfloor::config {

/// The ALPN protocols a route offers, in the server's order of preference: its tls.alpn (its own
/// or its listener's); when neither writes one, the protocols of its upstream_by_alpn in the
/// order written, so that a route that routes by ALPN negotiates it. Empty: no ALPN.
std::vector<std::string> offered_alpn(const RouteSettings& settings);

/// upstream_by_alpn in YAML's flow style, "{h2: 10.0.0.2:8443, http/1.1: 10.0.0.3:8080}";
/// "none" when it is empty.
std::string alpn_map_text(const std::vector<AlpnUpstream>& by_alpn);

/// Where a route's connections go, for logs: "127.0.0.1:8080", or with upstream_by_alpn
/// "127.0.0.1:8080, by ALPN {h2: 10.0.0.2:8443, http/1.1: 10.0.0.3:8080}".
std::string describe_upstreams(const RouteSettings& settings);

/// What `tlsfloor --check` says of every listener and route with upstream_by_alpn: the upstream
/// of each protocol, the one for every other handshake, and the protocols offered. Lines, in
/// configuration order; a route that only inherits its listener's is described with it.
std::vector<std::string> describe_alpn_routing(const Config& config);

}  // namespace tlsfloor::config
