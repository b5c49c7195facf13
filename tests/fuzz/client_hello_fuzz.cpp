// libFuzzer target for the ClientHello parser: it reads bytes from unauthenticated peers, so any
// input must either parse or be rejected, never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "proxy/hello/client_hello.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::optional<tlsfloor::hello::ClientHello> hello =
      tlsfloor::hello::parse_client_hello(std::span<const std::uint8_t>(data, size));
  if (hello) {
    const std::uint16_t version = tlsfloor::hello::highest_offered_version(*hello);
    // With supported_versions the answer is 0 or a final TLS version; without it, never above
    // TLS 1.2. Anything else is a logic bug worth a crash report.
    if (hello->has_supported_versions ? (version != 0 && (version < 0x0301 || version > 0x0304))
                                      : version > 0x0303) {
      __builtin_trap();
    }
  }
  return 0;
}
