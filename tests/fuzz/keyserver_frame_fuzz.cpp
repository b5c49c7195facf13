// libFuzzer target for the key server's frame parser: the bytes tlsfloor sends the key server
// (and anyone else who reaches its socket), and the answers tlsfloor reads. Checks what the
// parser promises: a frame never claims more bytes than it was given or than the largest frame,
// "incomplete" is said only while a frame could still be within the bounds, every prefix of a
// complete frame is incomplete, and a parsed frame encodes back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "proxy/keyserver_protocol/frame.h"

namespace {

using namespace tlsfloor::keyserver_protocol;

template <typename Parse, typename Append>
void check(std::span<const std::uint8_t> bytes, std::size_t max_frame, Parse parse, Append append) {
  // A stream of frames, as a connection reads them, until one is not complete.
  while (true) {
    const auto parsed = parse(bytes);
    if (parsed.status == ParseStatus::incomplete) {
      if (bytes.size() >= max_frame) __builtin_trap();
      return;
    }
    if (parsed.status == ParseStatus::invalid) {
      if (parsed.error == nullptr) __builtin_trap();
      return;
    }
    if (parsed.consumed > bytes.size() || parsed.consumed > max_frame ||
        parsed.consumed < kLengthField) {
      __builtin_trap();
    }
    std::vector<std::uint8_t> again;
    append(again, parsed.frame);
    if (again.size() != parsed.consumed || !std::equal(again.begin(), again.end(), bytes.begin())) {
      __builtin_trap();
    }
    if (parse(bytes.first(parsed.consumed - 1)).status != ParseStatus::incomplete) {
      __builtin_trap();
    }
    bytes = bytes.subspan(parsed.consumed);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  check(bytes, kMaxRequestFrame, parse_request, append_request);
  check(bytes, kMaxResponseFrame, parse_response, append_response);
  return 0;
}
