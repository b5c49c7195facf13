#pragma once
// The version policy: a pure function from what a client offers to what the listener does.
// No sockets, no SSL*, no clock: everything it needs is in its arguments, so it is tested
// table-driven and applied in BoringSSL's early callback.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "config/config.h"
#include "config/legacy_decision.h"

namespace tlsfloor::policy {

// The vocabulary for what happened to a legacy client lives with the other shared value types;
// the policy is where it is decided.
using config::LegacyDecision;

/// What one listener enforces: a version floor, a cipher floor (tls.ciphers) and a key-exchange
/// floor (tls.groups), each staged on its own, since suites and groups are retired after
/// versions.
struct VersionPolicy {
  config::TlsVersion floor = config::TlsVersion::tls1_2;
  config::TlsVersion ceiling = config::TlsVersion::tls1_3;
  config::EnforcementMode mode = config::EnforcementMode::enforce;
  config::EnforcementMode cipher_mode = config::EnforcementMode::enforce;
  config::EnforcementMode groups_mode = config::EnforcementMode::enforce;

  /// Whether a client whose best offered version is `highest_offered` is a legacy client (below
  /// the floor). 0 (nothing readable offered) is not: the library decides, and fails.
  bool below_floor(std::uint16_t highest_offered) const {
    return highest_offered != 0 && highest_offered < static_cast<std::uint16_t>(floor);
  }
};

/// The policy of a listener's or a route's configuration.
VersionPolicy version_policy(const config::RouteSettings& settings);

/// An exception of a listener that matched a client: its position in the listener's list (so
/// the caller can count its use) and the exception itself.
struct MatchedException {
  std::size_t index = 0;
  const config::ExceptionConfig* exception = nullptr;
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

/// The floors a client can be below.
enum class Floor {
  version,  // its best offered version is below tls.min_version
  ciphers,  // it offers none of tls.ciphers usable at the version it will negotiate
  groups,   // it names groups in supported_groups, none of them in tls.groups
};
std::string_view to_string(Floor floor);

/// The suites a connection is offered (the route's lists; the caller holds them). The groups
/// follow the same choice: tls.groups for `floor`, every group the library has (tls.groups
/// first) for a legacy client let in, by an exception or not.
enum class CipherChoice {
  floor,      // tls.ciphers: every client that meets the floors, and every refused one
  legacy,     // tls.legacy_ciphers: a legacy client let in
  exception,  // the matched exception's own ciphers
};

/// What to do with one ClientHello. By default (enforce) a legacy client is refused.
struct Decision {
  /// The client is below a floor: below_version, below_ciphers, below_groups, or several.
  bool legacy = false;
  bool below_version = false;
  bool below_ciphers = false;
  bool below_groups = false;
  /// Refuse the handshake. Refused by the version floor, the connection's minimum version is
  /// raised above what the client offers, so BoringSSL answers with a protocol_version alert
  /// before any certificate is sent; refused by the cipher floor, it is given the floor's
  /// suites, of which it offers none, and BoringSSL answers handshake_failure; refused by the
  /// key-exchange floor, the caller ends the handshake with handshake_failure itself (a client
  /// without a shared group could still agree on a static-RSA suite).
  bool reject = false;
  /// When reject: the floor that refused it (the first of version, ciphers, groups that does).
  Floor refused_by = Floor::version;
  /// The minimum version to apply to this connection (a wire code).
  std::uint16_t min_version = 0;
  DecisionReason reason = DecisionReason::meets_floor;
  /// For a legacy client: what happened to it, in the metric-label vocabulary.
  LegacyDecision legacy_decision = LegacyDecision::would_reject;
  /// The exception that let the client in (decision allowed_exception). The caller counts it.
  std::optional<MatchedException> exception;
  /// The suites to offer this client; CipherChoice::floor unless a legacy client is let in.
  CipherChoice ciphers = CipherChoice::floor;
};

/// What the listener's exceptions and brownout say about a legacy client (see
/// legacy_circumstances()); ignored for other clients.
struct LegacyCircumstances {
  /// The first matching unexpired exception, if any. It lets the client in only if the
  /// client's best version reaches the exception's min_version.
  std::optional<MatchedException> exception;
  /// Mode (or cipher_mode) brownout: a window is active and this client is among those it
  /// refuses.
  bool brownout_refuses = false;
};

/// Decides for a client whose best offered version is `highest_offered` (a wire code, 0 when
/// none could be read; see highest_offered_version()). `shares_floor_cipher`: whether it offers
/// one of tls.ciphers usable at the version it will negotiate (config::shares_suite()).
/// `shares_floor_group`: whether it offers one of tls.groups, or names no group at all (its key
/// exchange is then its suite's, which the cipher floor judges). A client below any floor is
/// legacy: the first matching exception lets it in below all; otherwise each floor it is below
/// judges it by its own mode (`mode` for versions, `cipher_mode` for suites, `groups_mode` for
/// groups, with the same brownout windows), and it is refused if any refuses.
Decision decide(std::uint16_t highest_offered, const VersionPolicy& policy,
                const LegacyCircumstances& circumstances = {}, bool shares_floor_cipher = true,
                bool shares_floor_group = true);

}  // namespace tlsfloor::policy
