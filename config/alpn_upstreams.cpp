#include "config/alpn_upstreams.h"

namespace tlsfloor::config {
namespace {

void describe(const std::string& where, const RouteSettings& settings,
              std::vector<std::string>& lines) {
  if (settings.upstream_by_alpn.empty()) return;
  std::string offered;
  for (const std::string& protocol : offered_alpn(settings)) {
    offered += (offered.empty() ? "" : ", ") + protocol;
  }
  lines.push_back(
      where + ": upstream by ALPN " + alpn_map_text(settings.upstream_by_alpn) +
      ", no ALPN or another protocol " + settings.upstream.address.to_string() + "; offers " +
      offered + (settings.tls.alpn.empty() ? " (upstream_by_alpn's; no tls.alpn)" : " (tls.alpn)"));
}

}  // namespace

std::vector<std::string> offered_alpn(const RouteSettings& settings) {
  if (!settings.tls.alpn.empty()) return settings.tls.alpn;
  std::vector<std::string> protocols;
  for (const AlpnUpstream& entry : settings.upstream_by_alpn) protocols.push_back(entry.protocol);
  return protocols;
}

std::string alpn_map_text(const std::vector<AlpnUpstream>& by_alpn) {
  if (by_alpn.empty()) return "none";
  std::string text;
  for (const AlpnUpstream& entry : by_alpn) {
    text +=
        (text.empty() ? "{" : ", ") + entry.protocol + ": " + entry.upstream.address.to_string();
  }
  return text + "}";
}

std::string describe_upstreams(const RouteSettings& settings) {
  std::string text = settings.upstream.address.to_string();
  if (!settings.upstream_by_alpn.empty()) {
    text += ", by ALPN " + alpn_map_text(settings.upstream_by_alpn);
  }
  return text;
}

std::vector<std::string> describe_alpn_routing(const Config& config) {
  std::vector<std::string> lines;
  for (const ListenerConfig& listener : config.listeners) {
    describe("listener " + listener.name, listener, lines);
    for (const RouteConfig& route : listener.routes) {
      if (describe_upstreams(route) == describe_upstreams(listener) &&
          offered_alpn(route) == offered_alpn(listener)) {
        continue;
      }
      describe("listener " + listener.name + " route " + route.name, route, lines);
    }
  }
  return lines;
}

}  // namespace tlsfloor::config
