#pragma once
// The whole configuration as plain values. Nothing outside config/ sees YAML types: the parser
// turns a file into these structs once, and the server works from an immutable snapshot of them.
#include <array>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/address_prefix.h"
#include "config/duration.h"
#include "config/endpoint.h"
#include "config/limits.h"
#include "config/log_schema.h"
#include "config/named_group.h"
#include "config/ticket_keys.h"
#include "config/timestamp.h"
#include "config/tls_version.h"

namespace tlsfloor::config {

struct OwnerDirectory;  // config/owner_directory.h

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
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

/// How the floor is applied. Default: enforce (a legacy client is refused). brownout refuses
/// legacy clients only inside brownout windows.
enum class EnforcementMode { observe, brownout, enforce };
std::string_view to_string(EnforcementMode mode);

/// How a refused client is told: a TLS protocol_version alert, or (for HTTP services) an HTTP
/// response over a completed legacy handshake.
enum class RejectStyle { alert, http };
std::string_view to_string(RejectStyle style);

struct CertificateConfig {
  std::string cert_path;  // PEM chain, leaf first
  std::string key_path;   // PEM private key matching the leaf; empty with `keyserver`
  SourceMark where;       // the list entry, for certificate errors
  /// The key is held by the key server (top-level `keyserver`), never read by tlsfloor: its
  /// signatures and decryptions are asked of the key server. Off by default.
  bool keyserver = false;
  friend bool operator==(const CertificateConfig&, const CertificateConfig&) = default;
};

/// What tlsfloor tells its upstream before the client's bytes (see proxy/proxy_protocol/).
enum class UpstreamProxyProtocol { none, v1, v2, v2_addresses };

/// TLS 1.0-1.2 cipher suites, in BoringSSL's cipher-string syntax ("ECDHE+AESGCM:ECDHE+AES");
/// a YAML list of IANA names ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") is joined with ':'.
/// The order is the server's preference. TLS 1.3 suites are not configurable: BoringSSL fixes
/// them (AES-GCM and ChaCha20-Poly1305, all AEAD). Names and coverage are checked by
/// proxy/tls/ (cipher_suites.h), which needs the library and the certificates.
struct CipherList {
  std::string text;
  SourceMark where;  // the value; the default has an empty file
  friend bool operator==(const CipherList&, const CipherList&) = default;
};

/// The default tls.ciphers: ECDHE with AEAD first (AES-GCM, then ChaCha20-Poly1305), then
/// ECDHE with CBC for TLS 1.0-1.1 clients; no 3DES (SWEET32), no static-RSA key exchange (no
/// forward secrecy, ROBOT), no SHA-2 CBC suites (BoringSSL has none).
inline constexpr std::string_view kDefaultCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA";

/// TLS from tlsfloor to its upstream (upstream.tls). Verification is on unless written off.
struct UpstreamTlsConfig {
  /// Sent as SNI and checked against the upstream's certificate. Empty: the upstream's host
  /// (a DNS name; an IP literal is checked as an address and no SNI is sent).
  std::string server_name;
  /// PEM certificates of the CAs to trust. Empty: the system store (kSystemCaFile).
  std::string ca_file;
  bool verify = true;
  /// May go down to TLS1.0: the upstream side of a deprecation is often a service that speaks
  /// nothing newer.
  TlsVersion min_version = TlsVersion::tls1_2;
  TlsVersion max_version = TlsVersion::tls1_3;
  /// A client certificate for upstreams that ask for one (cert and key, or neither).
  std::optional<CertificateConfig> client_certificate;
  /// ALPN offered to the upstream. Empty: the protocol the client negotiated, if any.
  std::vector<std::string> alpn;
  /// The TLS 1.0-1.2 suites offered to the upstream (like tls.ciphers; default the same secure
  /// list): the upstream leg gets a cipher floor too, so no 3DES or static RSA is negotiated
  /// with an upstream unless written here.
  CipherList ciphers{std::string(kDefaultCiphers), {}};
  SourceMark where;          // the `tls` mapping
  SourceMark ca_file_where;  // the `ca_file` value, or the mapping when it is left out
  friend bool operator==(const UpstreamTlsConfig&, const UpstreamTlsConfig&) = default;
};

/// Debian's bundle of the system's trusted CAs (package ca-certificates).
inline constexpr std::string_view kSystemCaFile = "/etc/ssl/certs/ca-certificates.crt";

struct UpstreamConfig {
  Endpoint address;
  Duration connect_timeout = std::chrono::seconds(5);
  /// v1: the client's address in a text line; v2: binary, with the SNI, the TLS facts and
  /// tlsfloor's own (JA4 and decision) as TLVs; v2-addresses: binary without TLVs (28 bytes,
  /// for receivers that read at most 107 bytes of header, such as nginx 1.22's stream module).
  UpstreamProxyProtocol proxy_protocol = UpstreamProxyProtocol::none;
  /// With proxy_protocol v2 and client_auth: the TLV type (0xE1-0xEF) that carries the client's
  /// verified certificate in DER, as HAProxy's set-proxy-v2-tlv-fmt can; 0: not sent.
  std::uint8_t client_certificate_tlv = 0;
  /// Absent: plain TCP to the upstream.
  std::optional<UpstreamTlsConfig> tls;
};

/// One entry of upstream_by_alpn: the upstream of the connections whose handshake negotiated
/// `protocol` by ALPN.
struct AlpnUpstream {
  std::string protocol;  // 1 to 255 bytes, compared byte for byte (ALPN names are not case-folded)
  /// The route's `upstream`, key by key replaced by what the entry writes (its address at least).
  UpstreamConfig upstream;
  SourceMark where;  // the key
};

/// Key-exchange groups (tls.groups), in the server's order of preference: names in config
/// (config/named_group.h) as codes. Which of them the library can negotiate is checked by
/// proxy/tls/ (key_exchange_groups.h), at the list's position.
struct GroupList {
  std::vector<std::uint16_t> codes{std::begin(kDefaultGroups), std::end(kDefaultGroups)};
  SourceMark where;  // the value; the default has an empty file
  friend bool operator==(const GroupList&, const GroupList&) = default;
};

struct TlsConfig {
  /// Clients whose best offered version is below this are legacy. Default TLS1.2.
  TlsVersion min_version = TlsVersion::tls1_2;
  /// Never negotiate above this. Default TLS1.3.
  TlsVersion max_version = TlsVersion::tls1_3;
  /// ALPN protocols offered, in the server's order of preference ("h2", "http/1.1"): the first
  /// the client also offers is selected. Empty: no ALPN (a client offering some proceeds without).
  std::vector<std::string> alpn;
  /// The cipher floor: the suites offered to every client (default kDefaultCiphers). A client
  /// that offers none of them at its version is below the floor, like an old version.
  CipherList ciphers{std::string(kDefaultCiphers), {}};
  /// The suites for legacy clients that are let in (observe, outside a brownout, an exception
  /// without ciphers of its own), set on their connections only, so letting an old client in
  /// never widens what other clients get. Absent: the compatibility list, `ciphers` first and
  /// then every other TLS 1.0-1.2 suite the library can negotiate with the certificates
  /// (static RSA, 3DES): a client let in is served whenever the library can serve it.
  std::optional<CipherList> legacy_ciphers;
  /// The key-exchange floor: the groups offered to every client (default BoringSSL's own,
  /// X25519, P-256, P-384). A client whose supported_groups names none of them is below it.
  /// Legacy clients let in get every group the library has, these first.
  GroupList groups;
  /// The tls.profile these settings started from (config/tls_profile.h); empty: none.
  std::string profile;
};

/// One brownout window: [start, end).
struct BrownoutWindow {
  Timestamp start;
  Timestamp end;
  friend bool operator==(const BrownoutWindow&, const BrownoutWindow&) = default;
};

/// A recurring window: `duration` at the start of every `period`, counted from each UTC
/// midnight (period 1h, duration 10m: 00:00-00:10, 01:00-01:10, ...).
struct RecurringBrownout {
  Duration period{};
  Duration duration{};
};

struct BrownoutConfig {
  std::vector<BrownoutWindow> windows;
  std::optional<RecurringBrownout> every;
  /// Share of legacy clients refused inside a window, chosen per client and window (the same
  /// client gets the same answer for the whole window). 1 refuses all.
  double fraction = 1.0;
};

/// The answer an `on_reject: http` listener sends instead of proxying.
struct HttpRefusalConfig {
  unsigned status = 426;
  /// Empty: a short text naming the listener's minimum version.
  std::string body;
};

/// One dated step of an enforcement schedule (enforcement.schedule[]): from `at` on, the route
/// is enforced as `mode`, `cipher_mode` and `brownout` say, as if they were its enforcement
/// section's own keys, until the next step's `at`. Read like those keys: cipher_mode follows the
/// step's mode unless the step writes it, and a brownout step carries its own windows.
struct ScheduleStep {
  Timestamp at;
  EnforcementMode mode = EnforcementMode::enforce;
  EnforcementMode cipher_mode = EnforcementMode::enforce;
  BrownoutConfig brownout;  // used when mode or cipher_mode is brownout
  SourceMark where;         // the step's list entry
};

struct EnforcementConfig {
  EnforcementMode mode = EnforcementMode::enforce;
  /// How the cipher floor (tls.ciphers) is applied, staged like the version floor: observe and
  /// brownout let clients that offer none of the ciphers in with tls.legacy_ciphers. Unless
  /// written, it follows `mode`, so that observing refuses nobody the library can serve.
  EnforcementMode cipher_mode = EnforcementMode::enforce;
  bool cipher_mode_written = false;  // false: cipher_mode follows mode
  SourceMark cipher_mode_where;      // where cipher_mode was written, for errors about it
  /// How the key-exchange floor (tls.groups) is applied, staged like the others; follows `mode`
  /// unless written.
  EnforcementMode groups_mode = EnforcementMode::enforce;
  bool groups_mode_written = false;  // false: groups_mode follows mode
  SourceMark groups_mode_where;
  BrownoutConfig brownout;  // used with mode brownout (which requires a window or `every`)
  RejectStyle on_reject = RejectStyle::alert;
  HttpRefusalConfig http;  // used with on_reject http
  /// Dated changes of mode, cipher_mode and brownout, in strictly increasing order of `at`:
  /// the keys above are in force until the first step's `at`, then each step's until the next
  /// (config/enforcement_schedule.h). Empty: the keys above for good.
  std::vector<ScheduleStep> schedule;
};

/// The name of a listener's default route (its own keys), for clients that match no route.
inline constexpr std::string_view kDefaultRouteName = "default";

/// A time-boxed override: legacy clients it matches are let in at min_version or better.
struct ExceptionConfig {
  std::string name;  // unique in its list; the `exception` metric label
  /// The route whose list it is in ("default": the listener's own, which routes that set no
  /// exceptions share).
  std::string route = std::string(kDefaultRouteName);
  /// Selectors: the exception matches when every non-empty list matches (any entry of it).
  std::vector<AddressPrefix> clients;
  std::vector<std::string> server_names;  // lower case; "*.example.com" matches one label
  std::vector<std::string> ja4;
  TlsVersion min_version = TlsVersion::tls1_0;
  /// The suites the clients it lets in get. Absent: the route's tls.legacy_ciphers.
  std::optional<CipherList> ciphers;
  Timestamp expires;  // the exception matches no client from this instant on
  std::string note;
  /// An exception with no match for this long is reported `unused`.
  Duration unused_after = std::chrono::days(14);
  SourceMark where;
};

/// Whether clients are asked for a certificate (client_auth). Default none: no certificate is
/// asked for. optional: asked for; a client that presents none is let in, one that presents a
/// certificate that does not verify is refused. require: a client without a valid one is refused.
enum class ClientAuthMode { none, optional, require };
std::string_view to_string(ClientAuthMode mode);

/// Client certificates of a listener or route (client_auth). A route's section replaces its
/// listener's whole.
struct ClientAuthConfig {
  ClientAuthMode mode = ClientAuthMode::none;
  /// PEM certificates of the CAs client certificates must chain to (required unless none).
  std::string ca_file;
  /// PEM CRLs of those CAs; empty: no revocation check. Reloaded when it changes, like the
  /// certificates (certificate_reload).
  std::string crl_file;
  /// The most intermediate CA certificates between a client's certificate and a CA of ca_file.
  unsigned verify_depth = 3;
  /// The allow list: empty lets in every certificate that verifies; otherwise a verified
  /// certificate must match at least one entry of any of the three lists.
  std::vector<std::string> subjects;  // the whole subject, RFC 2253 ("CN=a,O=Example")
  std::vector<std::string> sans;      // a DNS name, e-mail address, URI or IP address, exactly
  std::vector<std::array<std::uint8_t, 32>> spki_sha256;  // SHA-256 of the SubjectPublicKeyInfo
  SourceMark where;                                       // the mapping
  SourceMark ca_file_where;
  SourceMark crl_file_where;
  bool enabled() const { return mode != ClientAuthMode::none; }
  friend bool operator==(const ClientAuthConfig&, const ClientAuthConfig&) = default;
};

struct TimeoutsConfig {
  Duration handshake = std::chrono::seconds(10);
  Duration idle = std::chrono::seconds(300);
};

/// The JSON-lines handshake log: one line per handshake decision.
struct AccessLogConfig {
  std::string path;          // resolved against the config file's directory
  bool legacy_only = false;  // only handshakes from clients below the floor
  /// Write through a symbolic link at `path` (refused by default: see HandshakeLog).
  bool follow_symlinks = false;
  /// The field names of its lines: tlsfloor's, ECS's or OpenTelemetry's (metrics/log_schema/).
  LogSchema schema = LogSchema::tlsfloor;
  SourceMark where;  // the path value, for errors opening the file
};

/// What names a client in the per-client views: its address (masked to the prefixes below), or
/// the subject of the verified client certificate it presented, falling back to its address.
enum class ClientKeyKind { address, certificate };

/// legacy_clients.ledger: every legacy client seen within `horizon`, kept in `path` across
/// restarts (absent: beside state_file when that is set, else for the process's life only).
struct ClientLedgerConfig {
  std::optional<std::string> path;
  std::chrono::seconds horizon = std::chrono::days(400);
  unsigned max_entries = 10000;
  friend bool operator==(const ClientLedgerConfig&, const ClientLedgerConfig&) = default;
};
/// The longest horizon: ten years.
inline constexpr std::chrono::seconds kMaxLedgerHorizon = std::chrono::days(3650);
/// The most ledger entries (at most 7 KiB each: README, legacy_clients.ledger.max_entries).
inline constexpr unsigned kMaxLedgerEntries = 1000000;

/// The ledger's file: `ledger.path`, else `<state_file without extension>.clients.json` beside
/// the state file, else none.
std::optional<std::string> client_ledger_path(const ClientLedgerConfig& ledger,
                                              const std::optional<std::string>& state_file);

/// Per-client accounting of legacy handshakes (one table per listener).
struct LegacyClientsConfig {
  ClientKeyKind key = ClientKeyKind::address;
  /// Clients are source addresses masked to these prefixes: /24 or /64 counts a network as one.
  unsigned ipv4_prefix = 32;
  unsigned ipv6_prefix = 128;
  /// Clients tracked individually per listener (Space-Saving); the rest are folded into
  /// `other`. 0 keeps no per-client detail at all.
  unsigned top_k = 1000;
  /// Clients exported as metric series per listener (heaviest first); at most top_k.
  unsigned metrics_top_n = 50;
  /// The client ledger (metrics/ledger/): legacy clients remembered for months, across restarts.
  ClientLedgerConfig ledger;
};

/// What a connection is served with: the keys a route may set. A listener's own keys are its
/// default route (named `default`), for clients whose SNI matches no route.
struct RouteSettings {
  /// Every connection's upstream, but for those upstream_by_alpn sends elsewhere.
  UpstreamConfig upstream;
  /// The upstream by the ALPN protocol negotiated, in the order written: a handshake that
  /// negotiated none, or one not listed, goes to `upstream`. Empty (the default): `upstream` for
  /// all. Every protocol listed is offered (see offered_alpn() in config/alpn_routing.h).
  std::vector<AlpnUpstream> upstream_by_alpn;
  /// A route's own (empty when it sets none: the listener's are used); a listener's, at least one.
  std::vector<CertificateConfig> certificates;
  TlsConfig tls;
  EnforcementConfig enforcement;
  TimeoutsConfig timeouts;
  /// This handshake log; when absent, the global `access_log` (if any) applies.
  std::optional<AccessLogConfig> access_log;
  /// In file order: the first matching, unexpired one applies.
  std::vector<ExceptionConfig> exceptions;
  /// Client certificates: none asked for unless written.
  ClientAuthConfig client_auth;
};

/// One hostname-based route of a listener: what the route does not set is its listener's.
struct RouteConfig : RouteSettings {
  std::string name;  // unique in its listener, never "default"; the `route` metric label
  /// Lower case, without a trailing dot: exact names and "*.example.com" (any name that ends in
  /// ".example.com"; a longer suffix beats a shorter one, an exact name beats both).
  std::vector<std::string> server_names;
  SourceMark where;
};

/// The PROXY protocol from a load balancer (see proxy/proxy_protocol/).
struct ProxyProtocolConfig {
  /// Connections from these addresses must start with a PROXY header (version 1 or 2), whose
  /// source is then the client for everything; from anywhere else a header is refused, and a
  /// connection without one is served as a direct client.
  std::vector<AddressPrefix> trusted;
  /// How long a trusted connection may take to send its whole header.
  Duration timeout = std::chrono::seconds(3);
};

struct ListenerConfig : RouteSettings {
  std::string name;  // unique; the `listener` metric label
  Endpoint listen;
  /// Absent: no PROXY protocol (every connection's own source address is the client).
  std::optional<ProxyProtocolConfig> proxy_protocol;
  /// Taken key by key from the top-level `limits` where the listener does not set them.
  LimitsConfig limits;
  /// Chosen by SNI in the early callback; no match (or no SNI) means the listener's own keys.
  std::vector<RouteConfig> routes;
  SourceMark where;
};

struct AdminConfig {
  Endpoint listen;
  /// Host names the admin port answers to, besides IP literals and localhost (lower case).
  std::vector<std::string> server_names;
  /// The bearer token POST /reload requires, read from admin.token_file; absent: none needed.
  std::optional<std::string> token;
  /// POST /reload at most this often (a burst of this many, refilled over a minute).
  unsigned reloads_per_minute = 12;
  /// Admin connections open at once; beyond, the one idle the longest is closed, or the new
  /// one when none is idle. The descriptor reserve always covers them.
  unsigned max_connections = 32;
};

/// Session-ticket keys (top-level session_tickets).
struct SessionTicketsConfig {
  /// Read from keys_file (the first encrypts, all decrypt). Empty: tlsfloor makes its own,
  /// which survive reloads and are replaced every `rotation`.
  std::vector<TicketKey> keys;
  std::string keys_file;
  SourceMark keys_file_where;
  /// How long a generated key encrypts new tickets; it decrypts for as long again.
  Duration rotation = std::chrono::hours(12);
};

/// The key server tlsfloor asks for the signatures of certificates listed with `keyserver:
/// true` (top-level `keyserver`; see proxy/keyserver_client/).
struct KeyServerClientConfig {
  /// Its Unix socket (absolute).
  std::string socket;
  /// How long a signature may take, from the request: waiting for a connection to the key
  /// server (while it restarts) and for its answer. Then that handshake fails, counted.
  Duration timeout = std::chrono::seconds(2);
  SourceMark where;
  friend bool operator==(const KeyServerClientConfig&, const KeyServerClientConfig&) = default;
};

struct Config {
  std::string source_path;
  /// Absent: no admin listener (no /metrics); the server says so at start.
  std::optional<AdminConfig> admin;
  /// Worker threads, each with its own io_context and acceptors. 0 = one per core this
  /// process may run on (its CPU affinity).
  unsigned threads = 0;
  /// Threads that make RSA signatures for full handshakes, at a lower scheduling priority than
  /// the workers, so a reconnect storm does not stall established connections. Absent: as many
  /// as worker threads; 0: each worker signs its own handshakes (the loop waits meanwhile).
  std::optional<unsigned> signing_threads;
  /// Threads that accept connections and run everything up to the relay (PROXY header, TLS
  /// handshake, upstream connect), then hand each established connection to a worker. A
  /// reconnect storm's handshakes then compete with the relays for the cores in the kernel's
  /// scheduler, instead of queueing ahead of them in the workers' event loops. Absent: as many
  /// as worker threads; 0: each worker runs its own handshakes.
  std::optional<unsigned> handshake_threads;
  /// Full handshakes per second (the whole process) from which new connections go to the
  /// handshake threads; below it the workers accept and run handshakes themselves, which costs
  /// less CPU per connection. 0: the handshake threads always accept.
  unsigned handshake_storm_rate = 200;
  /// On SIGTERM/SIGINT, how long open connections may take to finish before they are closed.
  Duration drain_timeout = std::chrono::seconds(30);
  LegacyClientsConfig legacy_clients;
  /// The limits of every listener that does not set its own.
  LimitsConfig limits;
  /// Descriptors kept back from clients (top-level `limits.descriptor_reserve`); absent: the
  /// default of descriptor_reserve().
  std::optional<unsigned> descriptor_reserve;
  /// Where exceptions' first-loaded and last-used times are kept across restarts; absent:
  /// remembered for the process's life only.
  std::optional<std::string> state_file;
  /// The owner directory's file (config/owner_directory.h), resolved against the
  /// configuration's directory; absent: every legacy client is "unowned".
  std::optional<std::string> owners_file;
  SourceMark owners_file_where;
  /// Read from owners_file by load_config_file (parse_config reads no file): shared, since
  /// every listener's runtime holds it and reloads replace it whole.
  std::shared_ptr<const OwnerDirectory> owners;
  /// The handshake log of every listener that does not set its own.
  std::optional<AccessLogConfig> access_log;
  SessionTicketsConfig session_tickets;
  /// How often the files named by certificates, upstream.tls and session_tickets are checked
  /// for changes (any change reloads the configuration); 0: never.
  Duration certificate_reload_interval = std::chrono::seconds(60);
  std::vector<ListenerConfig> listeners;  // at least one
  /// Absent: every certificate has its key file, and none may say `keyserver: true`.
  std::optional<KeyServerClientConfig> keyserver;

  /// Every file whose change certificate_reload picks up: certificates and keys (listeners'
  /// and routes'), upstream.tls CA files and client certificates, client_auth CA and CRL files,
  /// the session-ticket keys file, the owners file. Sorted, each once.
  std::vector<std::string> reloadable_files() const;

  /// The handshake log that applies to a listener or route, if any.
  const std::optional<AccessLogConfig>& access_log_of(const RouteSettings& settings) const {
    return settings.access_log ? settings.access_log : access_log;
  }
};

}  // namespace tlsfloor::config
