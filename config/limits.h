#pragma once
// What one listener lets clients hold at once, and the names of the limits that refuse a
// client: a shared vocabulary for the configuration, the admission check (proxy/limits/), the
// metrics and the README, so that metrics/ needs nothing of proxy/.
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace tlsfloor::config {

/// Per listener (the top-level `limits` sets the defaults of every listener). A client over a
/// limit is closed at once with a reset and counted in tlsfloor_limit_rejections_total.
struct LimitsConfig {
  /// Open client connections, handshaking or relaying.
  unsigned max_connections = 50000;
  /// Connections that have not finished their handshake: bounds the memory and the CPU that
  /// silent or slow clients can claim (each holds a descriptor and an SSL until its timeout).
  unsigned max_handshakes_in_flight = 2000;
  /// The same, per source: the client address masked to source_ipv4_prefix /
  /// source_ipv6_prefix, so one host, or one network, cannot take the whole handshake allowance.
  unsigned max_handshakes_per_source = 100;
  /// What one source is: /32 for IPv4 and /64 for IPv6 by default, since a single IPv6 host is
  /// routinely given a whole /64 and could otherwise walk past the per-source limit by changing
  /// its address. Independent of legacy_clients' grouping, which is for reporting.
  unsigned source_ipv4_prefix = 32;
  unsigned source_ipv6_prefix = 64;
  friend bool operator==(const LimitsConfig&, const LimitsConfig&) = default;
};

/// The largest value any of the limits above accepts.
inline constexpr unsigned kMaxLimit = 10'000'000;

/// Which limit refused a client. `descriptors`: the process's descriptors for clients are spent
/// (two per client, its own and its upstream's; see DescriptorReserve), or its socket already
/// got a number within the reserve kept for the admin port, logs and DNS.
enum class Limit { connections, handshakes_in_flight, handshakes_per_source, descriptors };
inline constexpr std::array kLimits = {Limit::connections, Limit::handshakes_in_flight,
                                       Limit::handshakes_per_source, Limit::descriptors};

/// The metric-label spelling: connections, handshakes_in_flight, handshakes_per_source,
/// descriptors.
std::string_view to_string(Limit limit);

/// The process's descriptors kept back from clients: a client whose socket gets a descriptor
/// number at or above `first_refused` is closed at once. The kernel always hands out the
/// lowest free number, so such a number proves that fewer than `reserve` descriptors are left.
struct DescriptorReserve {
  unsigned reserve = 0;
  unsigned long first_refused = 0;
};

/// The reserve for a process whose descriptor limit (RLIMIT_NOFILE, soft) is `limit`:
/// `configured` when set, else a tenth of the limit, at least 16 and at most 1000, and at least
/// `admin_connections` + 16 (the admin port's connections, logs, DNS); never more than half the
/// limit. Clients' upstream connections are not in it: each admitted client is counted for two
/// descriptors below `first_refused` (proxy/limits/descriptor_budget.h).
DescriptorReserve descriptor_reserve(unsigned long limit, std::optional<unsigned> configured,
                                     unsigned admin_connections = 0);

}  // namespace tlsfloor::config
