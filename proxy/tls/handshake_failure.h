#pragma once
// Why a client's TLS handshake did not complete, in the words every view shares (the handshake
// log's `failure`, /legacy-clients, `tlsfloor report`, tlsfloor_handshake_failures_total), as
// Envoy's transport failure reason and HAProxy's ssl_fc_hsk_err do. A bounded vocabulary:
//   no_shared_cipher       the client offers none of the suites its connection was given
//   unsupported_version    no version in common (a refusal by the version floor ends so)
//   no_shared_group        no key-exchange group in common
//   inappropriate_fallback the client retried with a lower version (TLS_FALLBACK_SCSV)
//   client_alert:<name>    the client ended it with an alert (client_alert:bad_certificate)
//   not_tls                plaintext (an HTTP request) on the TLS port
//   closed                 the client closed or reset the connection
//   protocol_error         anything else the library refused (a malformed record or message)
// The connection adds its own: timeout, malformed_hello, internal_error, aborted, and
// keyserver:<outcome> when the key server did not make the signature or decryption
// (keyserver:disconnected, keyserver:unavailable, keyserver:unknown_key, ...: the outcomes of
// tlsfloor_keyserver_operations_total).
// client_certificate (refused for its client certificate, or for presenting none: the
// client-certificate metric and log say which).
#include <cstdint>
#include <string>
#include <string_view>

namespace tlsfloor::tls {

/// The reasons refusals and common failures end with: their series exist from the start.
inline constexpr std::string_view kCommonHandshakeFailures[] = {
    "unsupported_version", "no_shared_cipher", "no_shared_group", "closed", "timeout",
    "protocol_error"};

/// A handshake refused for the client's certificate (client_auth).
inline constexpr std::string_view kClientCertificateFailure = "client_certificate";

/// From the failed SSL_do_handshake()'s SSL_get_error() value and the first error on the
/// thread's queue (ERR_peek_error(); 0 for none).
std::string handshake_failure_reason(int ssl_error, std::uint32_t queued_error);

}  // namespace tlsfloor::tls
