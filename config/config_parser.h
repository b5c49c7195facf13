#pragma once
// YAML -> Config. Every problem is collected (not just the first), each with file:line:column.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace tlsfloor::config {

/// Either a complete, validated Config or the full list of errors (never both).
struct ParseResult {
  std::optional<Config> config;
  std::vector<ConfigError> errors;
  /// What is valid but probably not meant (routes of one listener with different floors that
  /// share an upstream); said at start, by --check and on reload. Only with a config.
  std::vector<ConfigError> warnings;
  /// Every certificate entry that was read whole, also when there are errors elsewhere: the
  /// TLS layer checks them anyway, so that one run lists every problem.
  std::vector<CertificateConfig> certificates;
  /// Likewise every upstream.tls mapping written (its CA file and client certificate).
  std::vector<UpstreamTlsConfig> upstream_tls;
  /// Likewise every cipher list written (tls.ciphers, tls.legacy_ciphers, an exception's
  /// ciphers), whose names the TLS layer checks.
  std::vector<CipherList> cipher_lists;
  /// Likewise every client_auth section that names a ca_file (its CA and CRL files).
  std::vector<ClientAuthConfig> client_auth;
};

/// Sorts errors by position (file order), keeping the order of errors at the same position.
void sort_by_position(std::vector<ConfigError>& errors);

/// Parses and validates YAML text; `source_name` is the file name used in errors.
/// Checks everything that needs no I/O: schema (unknown keys are errors), types, value ranges,
/// unique listener names and listen addresses, min_version <= max_version.
/// Certificate files are checked by the TLS layer (proxy/tls_context.h), not here.
ParseResult parse_config(std::string_view yaml_text, const std::string& source_name);

/// Reads `path` and parses it; an unreadable file is one error naming the path.
ParseResult load_config_file(const std::string& path);

}  // namespace tlsfloor::config
