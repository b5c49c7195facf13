#pragma once
// Who may use the admin port. It serves client addresses and names (/legacy-clients) and can
// reload the configuration (POST /reload), so a web page must not reach it through a visitor's
// browser: requests that carry an Origin header (browsers send one with every cross-site fetch
// and form POST) are refused, and so are Host names other than IP literals, localhost and the
// configured admin names, which is what a DNS-rebinding page would send. POST /reload may
// require a bearer token, and reloads are rate-limited. Pure: the time comes in.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/admin/admin_routes.h"

namespace tlsfloor::admin {

/// What the guard reads of a request.
struct AdminRequest {
  std::string_view method;
  std::string_view target;
  std::optional<std::string_view> host;           // absent in HTTP/1.0 requests without one
  std::optional<std::string_view> origin;         // present on browsers' cross-site requests
  std::optional<std::string_view> authorization;  // "Bearer <token>"
};

struct AdminAccessPolicy {
  /// Host names (besides IP literals and localhost) the admin port answers to, lower case.
  std::vector<std::string> server_names;
  /// When set, POST /reload needs "Authorization: Bearer <token>".
  std::optional<std::string> token;
  /// POST /reload at most this often (a burst of this many, refilled over a minute).
  unsigned reloads_per_minute = 12;
};

class AdminAccess {
 public:
  using Clock = std::chrono::steady_clock;
  explicit AdminAccess(AdminAccessPolicy policy);

  /// nullopt lets the request through to route(); otherwise the answer that refuses it: 403 for
  /// an Origin header or a Host it does not answer to, 401 for POST /reload without the token,
  /// 429 (with Retry-After) for a reload over the rate. Counts the reloads it lets through.
  std::optional<AdminResponse> check(const AdminRequest& request, Clock::time_point now);

 private:
  bool host_allowed(std::string_view host) const;
  bool token_matches(std::optional<std::string_view> authorization) const;

  AdminAccessPolicy policy_;
  double reload_tokens_;  // token bucket
  Clock::time_point refilled_;
};

}  // namespace tlsfloor::admin
