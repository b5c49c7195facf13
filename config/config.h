#pragma once
// The whole configuration as plain values. Nothing outside config/ sees YAML types: the parser
// turns a file into these structs once, and the server works from an immutable snapshot of them.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/duration.h"
#include "config/endpoint.h"
#include "config/tls_version.h"

namespace tlsfloor::config {

/// A position in a configuration file (1-based line and column), kept on the values that are
/// checked after parsing (certificates) so their errors can still point at the YAML node.
struct SourceMark {
  std::string file;
  int line = 0;
  int column = 0;
  friend bool operator==(const SourceMark&, const SourceMark&) = default;
};

/// One problem with a configuration; `to_string()` is `file:line:column: message`.
struct ConfigError {
  SourceMark where;
  std::string message;
  std::string to_string() const;
};

/// How the floor is applied. Default: enforce (a legacy client is refused).
enum class EnforcementMode { observe, enforce };
std::string_view to_string(EnforcementMode mode);

struct CertificateConfig {
  std::string cert_path;  // PEM chain, leaf first
  std::string key_path;   // PEM private key matching the leaf
  SourceMark where;       // the list entry, for certificate errors
};

struct UpstreamConfig {
  Endpoint address;
  Duration connect_timeout = std::chrono::seconds(5);
};

struct TlsConfig {
  /// Clients whose best offered version is below this are legacy. Default TLS1.2.
  TlsVersion min_version = TlsVersion::tls1_2;
  /// Never negotiate above this. Default TLS1.3.
  TlsVersion max_version = TlsVersion::tls1_3;
};

struct EnforcementConfig {
  EnforcementMode mode = EnforcementMode::enforce;
};

struct TimeoutsConfig {
  Duration handshake = std::chrono::seconds(10);
  Duration idle = std::chrono::seconds(300);
};

struct ListenerConfig {
  std::string name;  // unique; the `listener` metric label
  Endpoint listen;
  UpstreamConfig upstream;
  std::vector<CertificateConfig> certificates;  // at least one
  TlsConfig tls;
  EnforcementConfig enforcement;
  TimeoutsConfig timeouts;
  SourceMark where;
};

struct AdminConfig {
  Endpoint listen;
};

struct Config {
  std::string source_path;
  /// Absent: no admin listener (no /metrics); the server says so at start.
  std::optional<AdminConfig> admin;
  /// Worker threads, each with its own io_context and acceptors. 0 = one per core this
  /// process may run on (its CPU affinity).
  unsigned threads = 0;
  /// On SIGTERM/SIGINT, how long open connections may take to finish before they are closed.
  Duration drain_timeout = std::chrono::seconds(30);
  std::vector<ListenerConfig> listeners;  // at least one
};

}  // namespace tlsfloor::config
