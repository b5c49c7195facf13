#include "proxy/tls/handshake_failure.h"

#include <cctype>

#include "proxy/tls/boringssl.h"

namespace tlsfloor::tls {

std::string handshake_failure_reason(int ssl_error, std::uint32_t queued_error) {
  const int reason = ERR_GET_LIB(queued_error) == ERR_LIB_SSL ? ERR_GET_REASON(queued_error) : 0;
  // A received alert is queued as SSL_AD_REASON_OFFSET + its description.
  if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
    std::string name = SSL_alert_desc_string_long(reason - SSL_AD_REASON_OFFSET);
    if (name == "unknown") return "client_alert:" + std::to_string(reason - SSL_AD_REASON_OFFSET);
    for (char& c : name) c = c == ' ' ? '_' : static_cast<char>(std::tolower(c));
    return "client_alert:" + name;
  }
  switch (reason) {
    case SSL_R_NO_SHARED_CIPHER:
      return "no_shared_cipher";
    case SSL_R_UNSUPPORTED_PROTOCOL:
      return "unsupported_version";
    case SSL_R_NO_SHARED_GROUP:
      return "no_shared_group";
    case SSL_R_INAPPROPRIATE_FALLBACK:
      return "inappropriate_fallback";
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
      return "not_tls";
    default:
      break;
  }
  if (reason == 0 && (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN)) {
    return "closed";
  }
  return "protocol_error";
}

}  // namespace tlsfloor::tls
