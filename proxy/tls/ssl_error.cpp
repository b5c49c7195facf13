#include "proxy/tls/ssl_error.h"

#include "proxy/tls/boringssl.h"

namespace tlsfloor::tls {

std::string take_ssl_error() {
  const uint32_t code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace tlsfloor::tls
