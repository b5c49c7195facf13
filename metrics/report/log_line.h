#pragma once
// Reading the handshake log back: one JSON line (metrics/handshake_log/handshake_event.h) into
// the facts `tlsfloor report` uses. Pure and strict: the log may come from anywhere, so every
// value is checked and every rejection says why. Fuzzed.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/address_prefix.h"
#include "config/config.h"
#include "config/timestamp.h"

namespace tlsfloor::report {

/// What the policy did with a handshake, as the report's columns name it.
enum class Decision { let_in, exempt, refused, brownout };
inline constexpr std::size_t kDecisions = 4;

/// The facts of one handshake-log line that the report uses; the line's other keys are not
/// read, so a log with more keys (a later tlsfloor) still reports.
struct HandshakeRecord {
  config::Timestamp time{};
  /// The replica that wrote the line (`host`, its host name); empty when the line has none
  /// (a tlsfloor before `host`, or null).
  std::string host;
  std::string listener;
  /// The listener's route; "default" when the line has none (logs from before routes).
  std::string route = std::string(config::kDefaultRouteName);
  config::AddressPrefix client;  // a full-length address, IPv4-mapped as IPv4
  /// `highest_offered` as a wire code: 0x0300 (SSL3.0) .. 0x0304 (TLS1.3), 0 for "unknown".
  std::uint16_t highest_offered = 0;
  std::string server_name;  // empty when the line's sni is null
  std::string ja4;
  /// The suites the client offered; absent in lines of a tlsfloor before the cipher floor.
  std::optional<std::vector<std::uint16_t>> offered_ciphers;
  /// What the policy decided: let in (allowed, or would_reject under observe), let in by an
  /// exception, refused, or refused inside a brownout window. Lines without `decision` are let in.
  Decision decision = Decision::let_in;
  /// The handshake did not complete (outcome rejected or failed): the client fails today.
  bool failed = false;
  /// Why it did not complete (the line's `failure`, from tlsfloor 0.2 on); empty otherwise.
  std::string failure;
  /// The client family the proxy named (`family`: an id of GET /families, or "unknown"); empty
  /// in lines of a tlsfloor before families.
  std::string family;
  /// The owner the owner directory gave the client (`owner`); empty when none did.
  std::string owner;
  /// The subject of the client certificate that verified (`client_certificate` with result
  /// `verified`, under client_auth); empty otherwise.
  std::string certificate_subject;
  /// The key exchange offered: absent in lines of a tlsfloor before groups were logged. The
  /// groups of supported_groups and of the key shares (codes), and whether it offers a
  /// post-quantum group.
  std::optional<std::vector<std::uint16_t>> offered_groups;
  std::vector<std::uint16_t> key_share_groups;
  bool pq_offered = false;
  /// What was negotiated (for the inventory): the version (0 unless the handshake completed),
  /// suite, group and served certificate's key type as the log names them, and the upstream
  /// leg's; empty when the line has none.
  std::uint16_t negotiated_version = 0;
  std::string cipher;
  std::string group;
  std::string certificate;
  std::uint16_t upstream_version = 0;
  std::string upstream_cipher;
};

/// One line parsed: a record, or why the line is not one.
struct ParsedLine {
  std::optional<HandshakeRecord> record;
  std::string error;  // set exactly when record is empty
};

/// Parses one handshake-log line (without its newline). Rejected, with a reason: text that is
/// not one JSON object; a missing or mistyped key among time, listener, client, highest_offered,
/// sni, ja4 (and route, when present, must be a string; offered_ciphers, when present, a list of
/// four-hex-digit strings; decision, outcome, failure, host, family and owner, when present,
/// strings or null; client_certificate, when present, an object with string result and subject,
/// or null; offered_groups and key_share_groups, when present, lists of group names or hex
/// codes; pq_offered a boolean; negotiated_version, cipher, group, certificate,
/// upstream_version and upstream_cipher strings or null); a time that is not RFC 3339; a client
/// that is not an IP address; a highest_offered other than SSL3.0, TLS1.0 .. TLS1.3 or unknown;
/// a negotiated_version or upstream_version that is not a TLS version. Values quoted in a reason
/// are JSON-escaped and ASCII only, so a hostile log cannot send escape sequences to a terminal.
ParsedLine parse_handshake_line(std::string_view line);

/// The text values of the keys a record is made of, as a reader found them (views into its
/// parsed line): what parse_handshake_line and FastLineParser (log_line_fast.h) share, so that
/// both turn the same values into the same record.
struct LineFields {
  std::string_view time;
  std::string_view host;  // "" when absent or null
  std::string_view listener;
  std::string_view client;
  std::string_view highest_offered;
  std::string_view server_name;  // "" when null
  std::string_view ja4;
  std::optional<std::string_view> route;  // absent: the default route
  std::string_view decision;              // "" when absent or null
  std::string_view outcome;               // "" when absent or null
  std::string_view failure;               // "" when absent or null
  std::string_view family;                // "" when absent or null
  std::string_view owner;                 // "" when absent or null
  /// client_certificate's result and subject; "" when the key is absent or null.
  std::string_view certificate_result;
  std::string_view certificate_subject;
  /// What was negotiated; "" when absent or null.
  std::string_view negotiated_version;
  std::string_view cipher;
  std::string_view group;
  std::string_view certificate;
  std::string_view upstream_version;
  std::string_view upstream_cipher;
  std::optional<bool> pq_offered;  // absent: derived from the groups the reader filled
};

/// Which value fill_record() could not read (nothing when it read them all).
enum class FieldError { none, time, client, highest_offered, negotiated_version, upstream_version };

/// Fills `record` (every member but the lists offered_ciphers, offered_groups and
/// key_share_groups, which the reader fills first) from `fields`, reusing its strings' memory;
/// checks the time, the client and the versions in that order and stops at the first that is
/// not one.
FieldError fill_record(const LineFields& fields, HandshakeRecord& record);

/// "c02f": exactly four hex digits, as the log writes a suite's code.
std::optional<std::uint16_t> cipher_code(std::string_view text);

}  // namespace tlsfloor::report
