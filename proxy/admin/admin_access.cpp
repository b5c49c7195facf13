#include "proxy/admin/admin_access.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "config/bounded_text.h"

namespace tlsfloor::admin {
namespace {

constexpr const char* kText = "text/plain; charset=utf-8";

// The host part of a Host header: "[::1]:9901" -> "::1", "a.example:9901" -> "a.example".
std::string_view host_part(std::string_view host) {
  if (host.starts_with('[')) {
    const std::size_t close = host.find(']');
    return close == std::string_view::npos ? std::string_view{} : host.substr(1, close - 1);
  }
  return host.substr(0, host.find(':'));
}

bool is_ip_literal(std::string_view host) {
  const std::string text(host);
  unsigned char bytes[16];
  return inet_pton(AF_INET, text.c_str(), bytes) == 1 ||
         inet_pton(AF_INET6, text.c_str(), bytes) == 1;
}

// Compares without an early exit, so the time taken says nothing about how much matched.
bool equal_in_constant_time(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return difference == 0;
}

}  // namespace

AdminAccess::AdminAccess(AdminAccessPolicy policy)
    : policy_(std::move(policy)),
      reload_tokens_(policy_.reloads_per_minute),
      refilled_(Clock::time_point::min()) {}

bool AdminAccess::host_allowed(std::string_view host) const {
  const std::string name = config::ascii_lowercase(host_part(host));
  if (name.empty()) return false;
  // A DNS-rebinding page reaches the port under a name it controls; IP literals and localhost
  // cannot be rebound.
  if (is_ip_literal(name) || name == "localhost") return true;
  return std::find(policy_.server_names.begin(), policy_.server_names.end(), name) !=
         policy_.server_names.end();
}

bool AdminAccess::token_matches(std::optional<std::string_view> authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (!authorization || authorization->size() < kScheme.size() ||
      config::ascii_lowercase(authorization->substr(0, kScheme.size())) != "bearer ") {
    return false;
  }
  return equal_in_constant_time(authorization->substr(kScheme.size()), *policy_.token);
}

std::optional<AdminResponse> AdminAccess::check(const AdminRequest& request,
                                                Clock::time_point now) {
  if (request.origin) {
    return AdminResponse{403, kText, "cross-origin requests are refused\n", {}};
  }
  if (request.host && !host_allowed(*request.host)) {
    return AdminResponse{403, kText, "this admin port does not answer to that Host\n", {}};
  }
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  if (path != "/reload" || request.method != "POST") return std::nullopt;
  if (policy_.token && !token_matches(request.authorization)) {
    AdminResponse refused{401, kText, "POST /reload needs the admin token\n", {}};
    refused.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"tlsfloor\"");
    return refused;
  }
  // Token bucket: a burst of reloads_per_minute, refilled evenly over a minute.
  const double capacity = policy_.reloads_per_minute;
  if (refilled_ == Clock::time_point::min()) refilled_ = now;
  const double minutes = std::chrono::duration<double, std::ratio<60>>(now - refilled_).count();
  reload_tokens_ = std::min(capacity, reload_tokens_ + std::max(0.0, minutes) * capacity);
  refilled_ = now;
  if (reload_tokens_ < 1.0) {
    const double wait_seconds = std::ceil((1.0 - reload_tokens_) * 60.0 / capacity);
    AdminResponse refused{429, kText, "too many reloads; try again later\n", {}};
    refused.headers.emplace_back("Retry-After",
                                 std::to_string(static_cast<long>(std::max(1.0, wait_seconds))));
    return refused;
  }
  reload_tokens_ -= 1.0;
  return std::nullopt;
}

}  // namespace tlsfloor::admin
