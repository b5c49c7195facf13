#pragma once
// What a listener's exceptions and brownout say about one legacy client. Pure: the client's
// facts and the time come in, what matched goes out; the caller counts it.
#include <cstdint>

#include "config/address_prefix.h"
#include "config/config.h"
#include "config/timestamp.h"
#include "proxy/policy/exceptions.h"
#include "proxy/policy/policy.h"

namespace tlsfloor::policy {

/// For a client below `listener`'s floor: the first exception that matches it at `now`, and
/// (mode brownout) whether an active window refuses it. `client_key` is the client as the
/// per-client table keys it (its address masked to legacy_clients' prefix), so a /24 that is
/// one client is drawn as one.
LegacyCircumstances legacy_circumstances(const config::ListenerConfig& listener,
                                         const ClientIdentity& client,
                                         const config::AddressPrefix& client_key,
                                         config::Timestamp now);

}  // namespace tlsfloor::policy
