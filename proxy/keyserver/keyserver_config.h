#pragma once
// The key server's own configuration (a small YAML file, not tlsfloor's): where it listens, who
// may connect, which keys it holds. Parsed once at start; every error is reported, each as
// file:line:column, like tlsfloor's.
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace tlsfloor::keyserver {

/// One private key the key server holds: from a PEM file or a PKCS#11 token (through OpenSSL's
/// pkcs11 engine, Debian's libengine-pkcs11-openssl).
struct KeyConfig {
  /// Unique; names the key in logs and counters.
  std::string name;
  /// A PEM private key file (read once at start), or empty with `pkcs11`.
  std::string file;
  /// A PKCS#11 URI (RFC 7512) of the private key, e.g.
  /// "pkcs11:token=tlsfloor;object=api;type=private;pin-value=1234"; or empty with `file`.
  std::string pkcs11_uri;
  /// Raw RSA decryption (static-RSA key exchange). Denied by default: a raw RSA private-key
  /// operation on arbitrary input is more than a TLS signature, so a key does it only when the
  /// operator says its legacy clients need it.
  bool decrypt = false;
  config::SourceMark where;
};

struct KeyServerConfig {
  std::string source_path;
  /// The Unix socket path; made at start (a stale socket file is replaced), removed at exit.
  std::string socket;
  /// The socket file's permission bits. Default 0600: only the key server's user may connect
  /// unless the operator opens it (to a group with socket_group).
  mode_t socket_mode = 0600;
  /// The socket file's group (a name or number), for socket_mode 0660; absent: the key
  /// server's own group.
  std::optional<gid_t> socket_group;
  /// Peers allowed by the kernel's word on who they are (SO_PEERCRED): a peer whose user id is
  /// in allowed_uids, or whose group id is in allowed_gids, is served. Both absent: only the key
  /// server's own user. Everyone else's connection is closed at once, before a byte is read.
  std::vector<uid_t> allowed_uids;
  std::vector<gid_t> allowed_gids;
  /// Threads that make signatures. 0: one per core this process may run on.
  unsigned threads = 0;
  /// Connections at once (tlsfloor opens one per handshake thread); more are closed at accept.
  unsigned max_connections = 64;
  /// Requests of one connection in flight at once; beyond, the connection is not read until
  /// one is answered (backpressure through the socket, not a queue that grows).
  unsigned max_in_flight = 256;
  /// The PKCS#11 module the pkcs11 engine loads (e.g. /usr/lib/softhsm/libsofthsm2.so); empty:
  /// the engine's default (p11-kit's proxy).
  std::string pkcs11_module;
  std::vector<KeyConfig> keys;  // at least one
};

struct KeyServerParse {
  std::optional<KeyServerConfig> config;  // set when there are no errors
  std::vector<config::ConfigError> errors;
};

/// Parses and validates `yaml_text`; `source_name` names the file in errors. Files are not
/// opened here (the key store does that, with the entry's position for its errors).
KeyServerParse parse_keyserver_config(std::string_view yaml_text, const std::string& source_name);
/// Reads `path` and parses it; an unreadable file is one error naming the path.
KeyServerParse load_keyserver_config(const std::string& path);

}  // namespace tlsfloor::keyserver
