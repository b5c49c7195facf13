#pragma once
// What a listener's exceptions and brownout say about one legacy client. Pure: the client's
// facts and the time come in, what matched goes out; the caller counts it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/address_prefix.h"
#include "config/config.h"
#include "config/timestamp.h"
#include "proxy/policy/exceptions.h"
#include "proxy/policy/policy.h"

namespace tlsfloor::policy {

/// What a route's brownout draw is seeded with: the listener's name for its default route (as
/// before routes existed, so draws do not change), "listener/route" for a route.
std::string brownout_draw_name(std::string_view listener, std::string_view route);

/// For a client below a route's floor: the first of the route's `exceptions` that matches it
/// at `now`, and (mode or cipher_mode brownout in `enforcement`, the one in force: the route's
/// own keys or a schedule step's) whether an active window refuses it. `client_key` is the
/// client as the per-client table keys it (its address masked to legacy_clients' prefix), so a
/// /24 that is one client is drawn as one; `draw_name` seeds the draw (see brownout_draw_name()).
LegacyCircumstances legacy_circumstances(const std::vector<config::ExceptionConfig>& exceptions,
                                         const config::EnforcementConfig& enforcement,
                                         std::string_view draw_name, const ClientIdentity& client,
                                         const config::AddressPrefix& client_key,
                                         config::Timestamp now);

}  // namespace tlsfloor::policy
