#pragma once
// One handshake decision, as the handshake log records it: the facts a connection learned from
// the ClientHello and from the end of its handshake. Built on a worker thread, serialised to
// JSON on the log's writer thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/log_schema.h"

namespace tlsfloor::handshake_log {

struct HandshakeEvent {
  std::chrono::system_clock::time_point time{};
  /// The machine that wrote the line (its host name), so that a fleet's logs merged into one
  /// report still say which replica each line came from. Empty: null in the line.
  std::string host;
  std::string listener;
  // The listener's route that served the client.
  std::string route = std::string(config::kDefaultRouteName);
  std::string client_address;  // without brackets or port
  std::uint16_t client_port = 0;
  /// Behind a PROXY protocol balancer: its address ("10.0.0.5:40000", "[fd00::5]:40000") and,
  /// from AWS PrivateLink, the VPC endpoint id. Empty otherwise.
  std::string balancer;
  std::string vpce_id;
  /// Versions the client offers (supported_versions in the client's order, else the hello's
  /// legacy_version), GREASE left out; wire codes.
  std::vector<std::uint16_t> offered_versions;
  /// The highest of those that the policy judged (0: none readable).
  std::uint16_t highest_offered = 0;
  /// 0 unless the handshake completed.
  std::uint16_t negotiated_version = 0;
  std::string cipher;  // IANA name; empty unless the handshake completed
  /// The suites the client offered, in its order, GREASE left out (the first 256): enough to
  /// judge any candidate cipher list offline (`tlsfloor report --ciphers`).
  std::vector<std::uint16_t> offered_ciphers;
  /// The key exchange: the groups the client offers (supported_groups in its order, GREASE left
  /// out; the first 32) and how many in all, the groups of its key shares (the first 8) and how
  /// many, whether it offers a post-quantum group (over the whole hello), and the group
  /// negotiated (0 unless the handshake completed with one).
  std::vector<std::uint16_t> offered_groups;
  std::size_t groups_offered = 0;
  std::vector<std::uint16_t> key_share_groups;
  std::size_t key_shares_offered = 0;
  bool pq_offered = false;
  std::uint16_t group = 0;
  std::string server_name;        // SNI; empty when absent
  std::vector<std::string> alpn;  // protocols the client offers, in its order (the first 8)
  std::size_t alpn_offered = 0;   // how many it offers in all (at least alpn.size())
  std::string alpn_selected;      // the protocol tlsfloor selected; empty: none
  std::string certificate;        // the key type of the certificate served ("EC256"); empty: none
  /// With upstream.tls: what tlsfloor's own handshake with the upstream negotiated (0 and
  /// empty when there was none, or it failed).
  std::uint16_t upstream_version = 0;
  std::string upstream_cipher;
  std::string ja3;
  std::string ja4;
  /// The client family the hello matches (proxy/families' label; "unknown" when none), and how
  /// sure: 1 for an exact match, else the similarity of the closest entry.
  std::string family = "unknown";
  double family_confidence = 0;
  /// The owner the owner directory gives the client; empty (null) when none does.
  std::string owner;
  std::string outcome;  // tlsfloor_handshakes_total's: accepted, rejected, failed
  bool legacy = false;  // below the listener's version floor or its cipher floor
  bool below_version = false;
  bool below_ciphers = false;
  bool below_groups = false;
  std::string decision;    // allowed, or the legacy decision (would_reject, rejected, ...)
  std::string refused_by;  // when refused: "version", "ciphers" or "groups"
  std::string reason;      // the policy's words
  /// Why the handshake did not complete (tls/handshake_failure.h); empty when it did.
  std::string failure;
  bool resumed = false;  // completed by resuming a session
  /// With client_auth, once it decided: the result and the certificate presented, if any.
  struct ClientCertificate {
    std::string result;   // verified, absent, untrusted, expired, revoked, not_allowed, invalid
    std::string subject;  // RFC 2253; empty (null in the line) when none was presented
    std::string issuer;
    std::string serial;
    std::string sha256;
    std::chrono::system_clock::time_point not_after{};
  };
  std::optional<ClientCertificate> client_certificate;
};

/// The handshake log's line: one JSON object and a newline. Keys, always present, in this
/// order: time (RFC 3339 UTC), host (the writer's host name; null when unknown),
/// listener, route, client, client_port, balancer and vpce_id (null
/// unless behind a PROXY protocol balancer), offered_versions ("TLS1.2", or
/// hex such as "0x7f1c" for drafts), highest_offered, negotiated_version (null unless completed),
/// cipher (null unless completed), group (the key-exchange group, such as X25519; null unless
/// completed with one), offered_ciphers (four hex digits each, "c02f"), offered_groups (names,
/// such as "X25519MLKEM768", hex for codes without one, "0x11ee"), offered_groups_total,
/// key_share_groups, key_shares_total, pq_offered, sni (null when
/// absent), alpn (list), alpn_offered (how many names the client offered; alpn lists at most the
/// first 8), alpn_selected (null unless one was), certificate (the served certificate's key type,
/// such as EC256 or RSA2048; null when the client was shown none), upstream_version and
/// upstream_cipher (null unless a TLS handshake with the upstream completed), ja3, ja4, family
/// (the client family's id, "unknown" when none is close enough), family_confidence (1 for an
/// exact match, else the similarity in [0, 1] to the closest entry, two decimals), owner (the
/// owner directory's name for the client, null when no owner matches), outcome,
/// legacy, below (the floors the client is under, of "version", "ciphers" and "groups"), decision,
/// refused_by (null, "version", "ciphers" or "groups"), reason, failure (null when the handshake
/// completed), resumed, client_certificate (null unless the route asks for one: {result, subject,
/// issuer, serial, sha256, not_after}, the five null when none was presented). Strings from the
/// wire (SNI, ALPN) are escaped; bytes that are not UTF-8 become U+FFFD.
/// With `schema` other than tlsfloor, the same facts under that standard's names
/// (metrics/log_schema/).
std::string to_json_line(const HandshakeEvent& event,
                         config::LogSchema schema = config::LogSchema::tlsfloor);

}  // namespace tlsfloor::handshake_log
