#pragma once
// The version policy: a pure function from what a client offers to what the listener does.
// No sockets, no SSL*, no clock: everything it needs is in its arguments, so it is tested
// table-driven and applied in BoringSSL's early callback.
#include <cstdint>
#include <string_view>

#include "config/config.h"

namespace tlsfloor::proxy {

/// What one listener enforces.
struct VersionPolicy {
  config::TlsVersion floor = config::TlsVersion::tls1_2;
  config::TlsVersion ceiling = config::TlsVersion::tls1_3;
  config::EnforcementMode mode = config::EnforcementMode::enforce;
};

enum class DecisionReason {
  meets_floor,           // the client offers the floor or better
  no_known_version,      // nothing readable was offered: the library decides (and fails)
  below_floor_enforced,  // legacy client refused
  below_floor_observed,  // legacy client let through because the listener only observes
};
std::string_view to_string(DecisionReason reason);

/// What to do with one ClientHello. By default (enforce) a legacy client is refused.
struct Decision {
  /// The client's best offered version is below the floor.
  bool legacy = false;
  /// Refuse the handshake: the connection's minimum version is raised above what the client
  /// offers, so BoringSSL answers with a protocol_version alert before any certificate is sent.
  bool reject = false;
  /// The minimum version to apply to this connection (a wire code).
  std::uint16_t min_version = 0;
  DecisionReason reason = DecisionReason::meets_floor;
};

/// Decides for a client whose best offered version is `highest_offered` (a wire code, 0 when
/// none could be read; see highest_offered_version()).
Decision decide(std::uint16_t highest_offered, const VersionPolicy& policy);

}  // namespace tlsfloor::proxy
