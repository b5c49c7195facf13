#pragma once
// What one handshake leaves behind for the per-client legacy table and the handshake log.
// Gathered in the ClientHello callback only when one of them will use it (so a listener
// without a log pays nothing for modern clients), reported once the handshake has ended.
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/client_hello.h"
#include "proxy/listener_runtime.h"
#include "proxy/policy.h"

namespace tlsfloor::proxy {

/// Facts from the ClientHello that outlive BoringSSL's view of it.
struct HelloFacts {
  bool for_log = false;                 // the handshake log wants this handshake
  boost::asio::ip::tcp::endpoint peer;  // the client; the connection fills it in
  std::vector<std::uint16_t> offered_versions;
  std::string server_name;
  std::vector<std::string> alpn;
  std::string ja3;
  std::string ja4;
};

/// Whether this handshake is recorded anywhere; if so, the facts to keep (null otherwise).
/// Always gathered for a legacy client: exceptions and the per-client table need them.
std::unique_ptr<HelloFacts> gather_hello_facts(const ListenerRuntime& runtime,
                                               const ClientHello& hello, const Decision& decision);

/// The final decision on a legacy client: the listener's exceptions and brownout applied to
/// the base decision, at the runtime's clock. Counts an exception's use.
Decision decide_legacy(const ListenerRuntime& runtime, std::uint16_t highest_offered,
                       const HelloFacts& facts);

/// How the handshake ended.
struct HandshakeEnd {
  std::uint16_t highest_offered = 0;
  Decision decision;
  bool completed = false;
  std::uint16_t negotiated_version = 0;  // when completed
  const char* cipher = nullptr;          // IANA name, when completed
};

/// Counts a legacy handshake in the listener's per-client table and queues the log line (the
/// facts move into it).
void report_handshake(const ListenerRuntime& runtime, HelloFacts&& facts, const HandshakeEnd& end);

}  // namespace tlsfloor::proxy
