#pragma once
// The version policy: a pure function from what a client offers to what the listener does.
// No sockets, no SSL*, no clock: everything it needs is in its arguments, so it is tested
// table-driven and applied in BoringSSL's early callback.
#include <cstdint>
#include <string_view>

#include "config/config.h"
#include "metrics/legacy_decision.h"

namespace tlsfloor::proxy {

/// What one listener enforces.
struct VersionPolicy {
  config::TlsVersion floor = config::TlsVersion::tls1_2;
  config::TlsVersion ceiling = config::TlsVersion::tls1_3;
  config::EnforcementMode mode = config::EnforcementMode::enforce;
};

enum class DecisionReason {
  meets_floor,                   // the client offers the floor or better
  no_known_version,              // nothing readable was offered: the library decides (and fails)
  below_floor_enforced,          // legacy client refused
  below_floor_observed,          // legacy client let through because the listener only observes
  exception,                     // legacy client let in by an exception
  below_floor_brownout,          // legacy client refused inside a brownout window
  below_floor_outside_brownout,  // legacy client let through: no brownout now (or spared)
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
  /// For a legacy client: what happened to it, in the metric-label vocabulary.
  metrics::LegacyDecision legacy_decision = metrics::LegacyDecision::would_reject;
  /// The exception that let the client in (decision allowed_exception), else null.
  const config::ExceptionConfig* exception = nullptr;
};

/// What the caller found out about a legacy client before the decision (see exceptions.h and
/// brownout.h); ignored for other clients.
struct LegacyCircumstances {
  /// The first matching unexpired exception, if any. It lets the client in only if the
  /// client's best version reaches the exception's min_version.
  const config::ExceptionConfig* exception = nullptr;
  /// Mode brownout: a window is active and this client is among those it refuses.
  bool brownout_refuses = false;
};

/// Decides for a client whose best offered version is `highest_offered` (a wire code, 0 when
/// none could be read; see highest_offered_version()).
Decision decide(std::uint16_t highest_offered, const VersionPolicy& policy,
                const LegacyCircumstances& circumstances = {});

}  // namespace tlsfloor::proxy
