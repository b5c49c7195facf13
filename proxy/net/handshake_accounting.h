#pragma once
// One handshake, judged and accounted for: the policy's decision on the ClientHello (the pure
// functions of proxy/policy/ applied to this connection's facts), and, once the handshake has
// ended, what it leaves behind: exception use, its row in the per-client legacy table and its
// handshake-log line. The policy returns what matched; this is where it is counted.
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config/address_prefix.h"
#include "config/client_certificate_result.h"
#include "proxy/families/family_matcher.h"
#include "proxy/hello/client_hello.h"
#include "proxy/hello/hello_facts.h"
#include "proxy/policy/policy.h"
#include "proxy/runtime/listener_runtime.h"
#include "proxy/tls/client_certificate.h"

namespace tlsfloor::net {

/// Who the client is: its socket address as accept() reported it, and that address as the one
/// type policies, tables and logs use (IPv4-mapped IPv6 as IPv4).
struct ClientAddress {
  boost::asio::ip::tcp::endpoint peer;
  config::AddressPrefix address;
  /// Behind a PROXY protocol balancer: the balancer's own address ("10.0.0.5:40000"), and the
  /// AWS VPC endpoint id it conveyed. Empty for direct clients.
  std::string balancer;
  std::string vpce_id;
};
ClientAddress client_address(const boost::asio::ip::tcp::endpoint& peer);

/// What is kept of a handshake that the per-client table or the handshake log will record.
struct ObservedHandshake {
  bool for_log = false;                 // the handshake log wants this handshake
  boost::asio::ip::tcp::endpoint peer;  // the client's socket address, for the log
  std::string balancer;                 // see ClientAddress
  std::string vpce_id;
  config::AddressPrefix client;      // the client's address, IPv4-mapped as IPv4
  config::AddressPrefix client_key;  // masked to legacy_clients' prefixes
  hello::HelloFacts hello;
  /// The client family its hello matches: for the legacy views and the log only (unknown when
  /// neither records the handshake).
  families::FamilyMatch family;
  /// The owner the owner directory gives the client (legacy and logged handshakes); empty when
  /// none does or there is no directory.
  std::string owner;
};

/// The decision of `route`'s policy on `hello` from `client`. When the handshake will be recorded
/// (a legacy client, or a handshake the log wants) `observed` is filled in; otherwise it stays
/// null, so a modern client on a listener without a log costs no fingerprint and no copy.
/// Counts the legacy handshake.
policy::Decision judge_hello(const runtime::ListenerRuntime& runtime,
                             const runtime::RouteRuntime& route, const hello::ClientHello& hello,
                             const ClientAddress& client,
                             std::unique_ptr<ObservedHandshake>& observed);

/// With client_auth: what the client's certificate came to. Decided in the certificate
/// callback of a full handshake, at a resumption from the session's certificate, or when the
/// client presented none; a handshake that ended before (a refusal by a floor, a client that
/// went away) decides nothing.
struct ClientCertificateOutcome {
  bool decided = false;
  config::ClientCertificateResult result = config::ClientCertificateResult::absent;
  /// The leaf's facts, when one was presented (in this connection or its session) and parses.
  std::optional<tls::ClientCertificateFacts> facts;
  /// The client presented it in this connection (a full handshake), not only in its session.
  bool presented_here = false;
  /// The handshake was refused for it (require without one, or one that did not verify).
  bool refused = false;
  bool verified() const { return decided && result == config::ClientCertificateResult::verified; }
};

/// How the handshake ended.
struct HandshakeEnd {
  std::uint16_t highest_offered = 0;
  policy::Decision decision;
  bool completed = false;
  bool resumed = false;      // completed by resuming a session
  std::string_view failure;  // why it did not complete (tls/handshake_failure.h); empty if it did
  std::uint16_t negotiated_version = 0;  // when completed
  const char* cipher = nullptr;          // IANA name, when completed
  std::uint16_t group = 0;             // the key-exchange group, when completed with one (0: none)
  std::string_view alpn_selected;      // the protocol selected, when one was
  std::string_view certificate;        // the key type shown ("EC256"), when the client was sent one
  std::uint16_t upstream_version = 0;  // tlsfloor's TLS with the upstream, when it completed
  const char* upstream_cipher = nullptr;
  /// With client_auth, when it decided something (see ClientCertificateOutcome).
  const ClientCertificateOutcome* client_certificate = nullptr;
};

/// Counts the use of the exception that let the client in (completed handshakes only), the
/// legacy handshake in the listener's per-client table, and queues the log line (the observed
/// facts move into it).
void account_handshake(const runtime::ListenerRuntime& runtime, const runtime::RouteRuntime& route,
                       ObservedHandshake&& observed, const HandshakeEnd& end);

}  // namespace tlsfloor::net
