#pragma once
// What the admin listener answers, by path. No sockets here: the server calls route() per
// request, so the table is tested without HTTP.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/admin/legacy_clients_json.h"

namespace tlsfloor::admin {

struct AdminResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string allow;  // the Allow header of a 405
  /// Any other headers this answer needs (WWW-Authenticate, Retry-After).
  std::vector<std::pair<std::string, std::string>> headers = {};
};

/// What a reload did: `message` is the summary, or every error when it failed.
struct ReloadOutcome {
  bool ok = false;
  std::string message;
};

/// What the routes read from the running server.
struct AdminState {
  std::function<std::string()> render_metrics;
  std::function<bool()> serving;  // false while draining: /healthz answers 503
  /// The JSON of GET /legacy-clients; nullopt when the filter names no listener.
  std::function<std::optional<std::string>(const LegacyClientsFilter&)> legacy_clients;
  /// The JSON of GET /exceptions.
  std::function<std::string()> exceptions;
  /// Re-reads the configuration file (POST /reload).
  std::function<ReloadOutcome()> reload;
};

/// GET /metrics (Prometheus text format), GET /healthz, GET /legacy-clients[?listener=&version=]
/// (JSON; 400 for an unknown parameter or version, 404 for an unknown listener), GET /exceptions
/// (JSON), POST /reload
/// (200, or 422 with every error when the new configuration is refused); 405 for other
/// methods on those paths, 404 for anything else. Query strings of the other paths are ignored.
AdminResponse route(const AdminState& state, std::string_view method, std::string_view target);

}  // namespace tlsfloor::admin
