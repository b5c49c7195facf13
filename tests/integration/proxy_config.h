#pragma once
// YAML for an in-process proxy on ephemeral ports, so each test states only what it varies.
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/test_pki.h"

namespace tlsfloor::test {

struct ListenerSpec {
  std::string name = "api";
  std::string listen = "127.0.0.1:0";
  std::uint16_t upstream_port = 0;
  /// A certificate without a key_path is listed with `keyserver: true`.
  std::vector<PemFiles> certificates;
  /// Both versions are left out of the YAML when min_version is empty (for tls.profile to set).
  std::string min_version = "TLS1.2";
  std::string max_version = "TLS1.3";
  std::string mode = "enforce";
  /// More keys of `enforcement` in YAML flow style: "brownout: {every: {...}}".
  std::string enforcement_extra;
  std::string handshake_timeout = "10s";
  std::string idle_timeout = "300s";
  std::string connect_timeout = "5s";
  /// More keys of `upstream` and `tls`, in YAML flow style: "proxy_protocol: v2".
  std::string upstream_extra;
  std::string tls_extra;
  /// More keys for this listener, as YAML lines indented by four spaces.
  std::string extra_yaml;
};

/// A whole config: admin on 127.0.0.1:0, two workers, the given listeners.
/// `top_level_yaml` adds top-level keys (legacy_clients, access_log).
std::string proxy_yaml(const std::vector<ListenerSpec>& listeners,
                       const std::string& drain_timeout = "5s",
                       const std::string& top_level_yaml = "");

/// Sleeps briefly between polls.
void wait_a_moment();

/// Polls `probe` until it returns `expected` or 20 s pass; returns the last value. Metrics are
/// recorded on the proxy's threads, a moment after the client sees the outcome.
template <typename Probe, typename Value>
auto eventually_equals(Probe probe, const Value& expected) {
  auto value = probe();
  for (int i = 0; i < 2000 && !(value == expected); ++i) {
    wait_a_moment();
    value = probe();
  }
  return value;
}

}  // namespace tlsfloor::test
