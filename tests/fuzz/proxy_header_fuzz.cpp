// libFuzzer target for the PROXY protocol header parser: the bytes a connection starts with, from
// a balancer or from anyone who reaches a trusted address. Checks what the parser promises: a
// header never claims more bytes than it was given or than kMaxHeader, a v1 header ends in CRLF,
// and every prefix of an accepted header is "incomplete" (so reading more never changes the
// verdict on what was already read).
#include <cstddef>
#include <cstdint>
#include <span>

#include "proxy/proxy_protocol/proxy_header.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tlsfloor::proxy_protocol;
  const std::span<const std::uint8_t> bytes(data, size);
  const ParsedHeader parsed = parse_proxy_header(bytes);
  if (!parsed.header) {
    if (parsed.error == ProxyHeaderError::incomplete && size >= kMaxHeader) __builtin_trap();
    return 0;
  }
  const ProxyHeader& header = *parsed.header;
  if (header.length == 0 || header.length > size || header.length > kMaxHeader) __builtin_trap();
  if (header.version == 1 &&
      (header.length < 2 || data[header.length - 2] != '\r' || data[header.length - 1] != '\n')) {
    __builtin_trap();
  }
  if (header.aws_vpce_id.size() > 64) __builtin_trap();
  // The same header followed by anything parses the same; cut short, it is incomplete.
  const ParsedHeader exact = parse_proxy_header(bytes.first(header.length));
  if (!exact.header || exact.header->length != header.length) __builtin_trap();
  const ParsedHeader shorter = parse_proxy_header(bytes.first(header.length - 1));
  if (shorter.header || shorter.error != ProxyHeaderError::incomplete) __builtin_trap();
  return 0;
}
