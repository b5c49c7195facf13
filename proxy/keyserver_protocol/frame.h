#pragma once
// The frames tlsfloor and its key server exchange over a Unix stream socket. Every integer is
// big-endian; every frame starts with its length, so a reader knows at once how much to wait
// for and can refuse an oversized frame before reading it.
//
//   request:  u32 length (of what follows) | u8 version = 1 | u8 operation | u16 algorithm |
//             u64 id | 32 bytes key id | input
//   response: u32 length (of what follows) | u8 version = 1 | u8 status | u16 reserved = 0 |
//             u64 id | output
//
// `id` is the client's: the key server answers requests in any order (a slow decryption does
// not hold up the signatures behind it), and the client matches answers by it. The key id is
// the SHA-256 of the key's SubjectPublicKeyInfo (DER), which tlsfloor takes from the certificate
// it serves: tlsfloor names a key it has never seen.
//
// The parser is strict: a frame that breaks a rule (length out of bounds, unknown version or
// operation, input that the operation does not take) is `invalid`, and whoever reads it closes
// the connection, since nothing after it can be trusted to be framed right. An unknown
// algorithm or key is not a framing error: the key server answers it with a status.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace tlsfloor::keyserver_protocol {

inline constexpr std::uint8_t kVersion = 1;
/// The input of one operation: an RSA ciphertext of an 8192-bit key (1024 bytes) is the largest
/// legitimate one; a TLS signature's input is under 300 bytes (two randoms and the ECDHE
/// parameters in TLS 1.2, 64 spaces, a label and a transcript hash in TLS 1.3).
inline constexpr std::size_t kMaxInput = 1024;
/// A signature or decryption of an 8192-bit RSA key.
inline constexpr std::size_t kMaxOutput = 1024;
inline constexpr std::size_t kLengthField = 4;
inline constexpr std::size_t kRequestHeader = 1 + 1 + 2 + 8 + 32;
inline constexpr std::size_t kResponseHeader = 1 + 1 + 2 + 8;
inline constexpr std::size_t kMaxRequestFrame = kLengthField + kRequestHeader + kMaxInput;
inline constexpr std::size_t kMaxResponseFrame = kLengthField + kResponseHeader + kMaxOutput;

using KeyId = std::array<std::uint8_t, 32>;

enum class Operation : std::uint8_t {
  /// Sign `input` (unhashed, as the TLS stack hands it over) with `algorithm`, a TLS
  /// SignatureScheme (see scheme.h).
  sign = 1,
  /// Raw RSA decryption of `input` (static-RSA key exchange; the TLS stack checks the padding
  /// itself, in constant time). `algorithm` is 0.
  decrypt = 2,
  /// Whether the key is held; empty input, `algorithm` 0, empty output.
  probe = 3,
};

enum class Status : std::uint8_t {
  ok = 0,
  unknown_key = 1,    // no key with that id
  bad_algorithm = 2,  // an algorithm the key server does not know, or not for this key's type
  denied = 3,         // the key may not do this operation (decrypt is off by default)
  failed = 4,         // the operation itself failed (a token error, a malformed ciphertext)
};
/// The status as a metric label and log word ("ok", "unknown_key", ...).
std::string_view to_string(Status status);
std::string_view to_string(Operation operation);

/// A request as parsed: `input` points into the parsed bytes.
struct Request {
  Operation operation = Operation::sign;
  std::uint16_t algorithm = 0;
  std::uint64_t id = 0;
  KeyId key_id{};
  std::span<const std::uint8_t> input;
};

/// A response as parsed: `output` points into the parsed bytes.
struct Response {
  Status status = Status::ok;
  std::uint64_t id = 0;
  std::span<const std::uint8_t> output;
};

enum class ParseStatus { complete, incomplete, invalid };

template <typename Frame>
struct Parsed {
  ParseStatus status = ParseStatus::incomplete;
  Frame frame{};
  /// Bytes of the first frame (complete only): the next frame starts there.
  std::size_t consumed = 0;
  /// Why it is invalid (static text), else null.
  const char* error = nullptr;
};

/// The first frame at the start of `bytes`: complete, incomplete (wait for more; never more
/// than the bounds allow) or invalid (close the connection).
Parsed<Request> parse_request(std::span<const std::uint8_t> bytes);
Parsed<Response> parse_response(std::span<const std::uint8_t> bytes);

/// Appends the request's frame to `out`. The caller keeps the input within kMaxInput.
void append_request(std::vector<std::uint8_t>& out, const Request& request);
/// Appends the response's frame to `out`. The caller keeps the output within kMaxOutput.
void append_response(std::vector<std::uint8_t>& out, const Response& response);

}  // namespace tlsfloor::keyserver_protocol
