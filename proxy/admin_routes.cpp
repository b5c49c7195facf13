#include "proxy/admin_routes.h"

namespace tlsfloor::proxy {

AdminResponse route(const AdminState& state, std::string_view method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  const bool get = method == "GET";
  if (path == "/metrics") {
    if (!get) return {405, "text/plain; charset=utf-8", "method not allowed\n", "GET"};
    return {200, "text/plain; version=0.0.4; charset=utf-8", state.render_metrics(), {}};
  }
  if (path == "/healthz") {
    if (!get) return {405, "text/plain; charset=utf-8", "method not allowed\n", "GET"};
    if (!state.serving()) return {503, "text/plain; charset=utf-8", "draining\n", {}};
    return {200, "text/plain; charset=utf-8", "ok\n", {}};
  }
  return {404, "text/plain; charset=utf-8", "not found\n", {}};
}

}  // namespace tlsfloor::proxy
