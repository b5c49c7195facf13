#pragma once
// Session-ticket keys as an operator writes them to a file shared by replicas: one key per line,
// base64, in the 80-byte (or 48-byte) layout nginx and HAProxy use. Parsing only; the TLS layer
// encrypts and decrypts with them.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tlsfloor::config {

/// One key: 16 bytes of name (sent in the ticket, to find the key again), then the HMAC-SHA256
/// key and the AES-CBC key: 32 and 32 bytes in an 80-byte key (AES-256), 16 and 16 in a 48-byte
/// one (AES-128).
struct TicketKey {
  std::array<std::uint8_t, 16> name{};
  std::vector<std::uint8_t> hmac_key;
  std::vector<std::uint8_t> aes_key;
  friend bool operator==(const TicketKey&, const TicketKey&) = default;
};

struct TicketKeysParse {
  std::vector<TicketKey> keys;  // in file order: the first encrypts, all decrypt
  std::string error;            // empty when the text is valid ("line 3: ...")
};

/// Reads a keys file: one base64 key (80 or 48 bytes decoded) per line; blank lines and lines
/// starting with # are skipped; at least one key; no name twice.
TicketKeysParse parse_ticket_keys(std::string_view text);

/// Standard base64 (RFC 4648, with padding; surrounding spaces ignored); nullopt if invalid.
std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text);

}  // namespace tlsfloor::config
