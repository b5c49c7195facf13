#pragma once
// Real ClientHellos from an in-memory BoringSSL client, so parser tests run against what a TLS
// stack actually sends instead of only hand-written bytes, plus BoringSSL's server-side view of
// a hello as an independent oracle.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tlsfloor::test {

/// How the capturing client is configured. Versions are wire codes (0x0301 = TLS 1.0 ...).
struct HelloOptions {
  std::uint16_t min_version = 0x0301;
  std::uint16_t max_version = 0x0304;
  std::optional<std::string> server_name;  // sent as SNI when set
  std::vector<std::string> alpn;           // offered protocols, in order; none when empty
  std::optional<std::string> cipher_list;  // BoringSSL cipher string (TLS 1.2 and below only)
  bool grease = false;                     // RFC 8701 GREASE values in lists and extensions
  std::optional<std::string> groups;       // BoringSSL group list ("CECPQ2:X25519"); its default
};

/// Runs a BoringSSL client until it has sent its first flight and returns the ClientHello body:
/// record and handshake headers stripped, i.e. exactly the bytes parse_client_hello() expects.
/// Throws std::runtime_error if BoringSSL rejects the options or sends something unexpected.
std::vector<std::uint8_t> capture_client_hello(const HelloOptions& options);

/// Wraps a ClientHello body into a handshake message (type 1, u24 length) inside TLS handshake
/// records with the given record-layer version, split into 2^14-byte records if needed. For
/// sending raw, possibly hand-built hellos to a server.
std::vector<std::uint8_t> wrap_in_record(std::span<const std::uint8_t> body,
                                         std::uint16_t record_version = 0x0301);

/// What BoringSSL's server sees of a ClientHello in its select-certificate callback.
struct ServerView {
  std::vector<std::uint8_t> body;  // SSL_CLIENT_HELLO::client_hello
  std::uint16_t legacy_version = 0;
  std::vector<std::uint16_t> cipher_suites;
  std::vector<std::uint8_t> compression_methods;
  std::vector<std::uint16_t> extension_types;  // in wire order
  std::string server_name;                     // SSL_get_servername(); empty when none
};

/// Feeds `records` (as from wrap_in_record) to an in-memory BoringSSL server and returns its
/// view of the hello, or nullopt if BoringSSL rejected the hello before its callback ran.
std::optional<ServerView> observe_as_server(std::span<const std::uint8_t> records);

}  // namespace tlsfloor::test
