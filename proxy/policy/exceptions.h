#pragma once
// Which exception (override) lets a legacy client in. Pure: the client's facts and the time
// come in, so expiry is tested with any clock.
#include <optional>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "proxy/policy/policy.h"

namespace tlsfloor::policy {

/// What exceptions select on.
struct ClientIdentity {
  config::AddressPrefix address;  // the full-length source address, IPv4-mapped as IPv4
  std::string_view server_name;   // SNI, any case; empty without one
  std::string_view ja4;
};

/// The first exception, in file order, that has not expired at `now` and whose every listed
/// selector matches (any entry of a list); nullopt when none does.
std::optional<MatchedException> match_exception(
    const std::vector<config::ExceptionConfig>& exceptions, const ClientIdentity& client,
    config::Timestamp now);

/// Host-name match, case-insensitive: "*.example.com" matches a name exactly one label longer
/// ("a.example.com", not "example.com" or "a.b.example.com"), as certificates do.
bool server_name_matches(std::string_view pattern, std::string_view name);

}  // namespace tlsfloor::policy
