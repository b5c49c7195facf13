// libFuzzer target for the admin port's request handling after Beast has framed it: the access
// guard (Origin, Host, token, reload rate) and the router (paths, methods, query strings) get
// the method, target and headers from anyone who can reach the port. Input: the five fields
// separated by newlines.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/admin/admin_access.h"
#include "proxy/admin/admin_routes.h"

namespace {

using namespace tlsfloor::admin;

std::vector<std::string_view> fields_of(std::string_view text) {
  std::vector<std::string_view> fields;
  while (fields.size() < 4) {
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) break;
    fields.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  fields.push_back(text);
  return fields;
}

std::optional<std::string_view> optional_field(const std::vector<std::string_view>& fields,
                                               std::size_t index) {
  if (index >= fields.size() || fields[index] == "-") return std::nullopt;
  return fields[index];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static AdminAccess access({.server_names = {"tlsfloor.internal"},
                             .token = "fuzz-token-0123456789",
                             .reloads_per_minute = 5});
  static auto now = AdminAccess::Clock::time_point();
  now += std::chrono::seconds(1);
  const auto fields = fields_of(std::string_view(reinterpret_cast<const char*>(data), size));
  AdminRequest request;
  request.method = fields[0];
  request.target = fields.size() > 1 ? fields[1] : std::string_view("/");
  request.host = optional_field(fields, 2);
  request.origin = optional_field(fields, 3);
  request.authorization = optional_field(fields, 4);
  if (const auto refused = access.check(request, now)) {
    if (refused->status < 400) __builtin_trap();
    return 0;
  }
  const AdminState state{[] { return std::string("tlsfloor_up 1\n"); }, [] { return true; },
                         [](const LegacyClientsFilter& filter) -> std::optional<std::string> {
                           if (filter.listener && *filter.listener != "api") return std::nullopt;
                           return std::string("{}");
                         },
                         [] { return std::string("{}"); },
                         [] {
                           return ReloadOutcome{true, "reloaded\n"};
                         }};
  const AdminResponse response = route(state, request.method, request.target);
  if (response.status < 200 || response.status > 599) __builtin_trap();
  return 0;
}
