#pragma once
// A handshake event as the proxy records a modern client it let in: every fact set, so that the
// tests of the line writer and of the log schemas each see all of them.
#include <chrono>

#include "metrics/handshake_log/handshake_event.h"

namespace tlsfloor::handshake_log {

inline HandshakeEvent accepted_event() {
  using namespace std::chrono;
  HandshakeEvent event;
  event.time =
      sys_days{year{2026} / 11 / 22} + hours{10} + minutes{4} + seconds{5} + milliseconds{123};
  event.host = "edge-1";
  event.listener = "api";
  event.route = "shop";
  event.client_address = "192.0.2.10";
  event.client_port = 51234;
  event.offered_versions = {0x0304, 0x0303};
  event.highest_offered = 0x0304;
  event.negotiated_version = 0x0304;
  event.cipher = "TLS_AES_128_GCM_SHA256";
  event.offered_ciphers = {0x1301, 0xc02f, 0x000a};
  event.offered_groups = {0x11ec, 0x001d, 0x0017};
  event.groups_offered = 3;
  event.key_share_groups = {0x11ec, 0x001d};
  event.key_shares_offered = 2;
  event.pq_offered = true;
  event.group = 0x001d;
  event.server_name = "api.example.com";
  event.alpn = {"h2", "http/1.1"};
  event.alpn_selected = "h2";
  event.certificate = "EC256";
  event.ja3 = "0123456789abcdef0123456789abcdef";
  event.ja4 = "t13d1516h2_8daaf6152771_02713d6af862";
  event.family = "chromium";
  event.family_confidence = 0.8765;  // two decimals in the line
  event.outcome = "accepted";
  event.legacy = false;
  event.decision = "allowed";
  event.reason = "offers TLS1.3";
  return event;
}

}  // namespace tlsfloor::handshake_log
