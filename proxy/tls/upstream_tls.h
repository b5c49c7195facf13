#pragma once
// TLS from tlsfloor to its upstream (upstream.tls): the client SSL_CTX built once per
// configuration (trust, versions, client certificate), each connection's SSL set up for its
// upstream (SNI, the name to verify, ALPN, a session to resume), and why a handshake with the
// upstream failed, in one word that metrics and logs share.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "proxy/tls/boringssl.h"

namespace tlsfloor::tls {

/// The newest resumable session an upstream gave, offered to the next connection to it so
/// that most upstream handshakes skip the certificate and key exchange. One per route (one
/// upstream), shared by the route's connections on every worker.
class UpstreamSessions {
 public:
  /// Sets the stored session, if any, on a new connection.
  void offer(SSL* ssl) const;
  /// A session the upstream just issued (BoringSSL's new-session callback).
  void store(bssl::UniquePtr<SSL_SESSION> session);

 private:
  mutable std::mutex mutex_;
  bssl::UniquePtr<SSL_SESSION> session_;
};

/// What one upstream.tls mapping connects with. Immutable once loaded.
class UpstreamTls {
 public:
  /// Loads the CA file (or the system store) and the client certificate. Problems are appended
  /// to `errors` at their config position; the result is then null.
  static std::shared_ptr<const UpstreamTls> load(const config::UpstreamTlsConfig& config,
                                                 std::vector<config::ConfigError>& errors);

  /// A client SSL for a connection to `upstream`: SNI and the verified name are server_name,
  /// else the upstream's host (an IP literal is verified as an address, with no SNI); ALPN is
  /// the configured list, else `client_alpn` (what the client negotiated; empty for none).
  /// Resumes from, and gives new sessions to, `sessions`, which must outlive the SSL.
  bssl::UniquePtr<SSL> new_connection(const config::Endpoint& upstream, UpstreamSessions& sessions,
                                      std::string_view client_alpn) const;

  const config::UpstreamTlsConfig& config() const { return config_; }

 private:
  config::UpstreamTlsConfig config_;
  bssl::UniquePtr<SSL_CTX> context_;
  std::string alpn_;  // config_.alpn in wire format
};

/// Every value upstream_failure_reason() returns.
inline constexpr std::string_view kUpstreamFailureReasons[] = {
    "certificate_untrusted", "certificate_name_mismatch", "certificate_expired",
    "certificate_invalid",   "version_mismatch",          "handshake_refused",
    "certificate_required",  "closed",                    "timeout",
    "protocol_error"};

/// Why a handshake with an upstream failed, as tlsfloor_upstream_handshakes_total's outcome:
/// certificate_untrusted, certificate_name_mismatch, certificate_expired, certificate_invalid
/// (the chain was checked and refused), version_mismatch (no version in common),
/// handshake_refused (no suite in common, or another handshake_failure alert),
/// certificate_required (the upstream wants a client certificate), closed (the
/// upstream closed or reset the connection), timeout (not done within connect_timeout), or
/// protocol_error. From the failed call's SSL_get_error() value, the connection's
/// SSL_get_verify_result() and the first error on BoringSSL's queue.
std::string_view upstream_failure_reason(int ssl_error, long verify_result,
                                         std::uint32_t queued_error, bool timed_out);

}  // namespace tlsfloor::tls
