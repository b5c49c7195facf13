#include "proxy/keyserver_protocol/frame.h"

#include <algorithm>
#include <cassert>

namespace tlsfloor::keyserver_protocol {
namespace {

std::uint64_t read_be(std::span<const std::uint8_t> bytes) {
  std::uint64_t value = 0;
  for (const std::uint8_t byte : bytes) value = value << 8 | byte;
  return value;
}

void write_be(std::vector<std::uint8_t>& out, std::uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

// The body of the first frame, once its length is known to be within [header, header + max].
template <typename Frame>
Parsed<Frame> body_of(std::span<const std::uint8_t> bytes, std::size_t header, std::size_t max,
                      std::span<const std::uint8_t>& body) {
  Parsed<Frame> parsed;
  if (bytes.size() < kLengthField) return parsed;
  const std::size_t length = read_be(bytes.first(kLengthField));
  // Judged before the body arrives: a peer cannot make the reader wait for (or buffer) more.
  if (length < header) {
    parsed.status = ParseStatus::invalid;
    parsed.error = "frame shorter than its header";
    return parsed;
  }
  if (length > header + max) {
    parsed.status = ParseStatus::invalid;
    parsed.error = "frame longer than the largest allowed";
    return parsed;
  }
  if (bytes.size() - kLengthField < length) return parsed;
  body = bytes.subspan(kLengthField, length);
  if (body[0] != kVersion) {
    parsed.status = ParseStatus::invalid;
    parsed.error = "unknown protocol version";
    return parsed;
  }
  parsed.status = ParseStatus::complete;
  parsed.consumed = kLengthField + length;
  return parsed;
}

template <typename Frame>
Parsed<Frame> invalid(const char* why) {
  Parsed<Frame> parsed;
  parsed.status = ParseStatus::invalid;
  parsed.error = why;
  return parsed;
}

}  // namespace

std::string_view to_string(Status status) {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::unknown_key:
      return "unknown_key";
    case Status::bad_algorithm:
      return "bad_algorithm";
    case Status::denied:
      return "denied";
    case Status::failed:
      return "failed";
  }
  return "unknown";
}

std::string_view to_string(Operation operation) {
  switch (operation) {
    case Operation::sign:
      return "sign";
    case Operation::decrypt:
      return "decrypt";
    case Operation::probe:
      return "probe";
  }
  return "unknown";
}

Parsed<Request> parse_request(std::span<const std::uint8_t> bytes) {
  std::span<const std::uint8_t> body;
  Parsed<Request> parsed = body_of<Request>(bytes, kRequestHeader, kMaxInput, body);
  if (parsed.status != ParseStatus::complete) return parsed;
  Request& request = parsed.frame;
  const std::uint8_t operation = body[1];
  request.algorithm = static_cast<std::uint16_t>(read_be(body.subspan(2, 2)));
  request.id = read_be(body.subspan(4, 8));
  std::copy_n(body.begin() + 12, request.key_id.size(), request.key_id.begin());
  request.input = body.subspan(kRequestHeader);
  switch (operation) {
    case static_cast<std::uint8_t>(Operation::sign):
      if (request.input.empty()) return invalid<Request>("sign request without input");
      break;
    case static_cast<std::uint8_t>(Operation::decrypt):
      if (request.input.empty()) return invalid<Request>("decrypt request without input");
      if (request.algorithm != 0) return invalid<Request>("decrypt request with an algorithm");
      break;
    case static_cast<std::uint8_t>(Operation::probe):
      if (!request.input.empty()) return invalid<Request>("probe request with input");
      if (request.algorithm != 0) return invalid<Request>("probe request with an algorithm");
      break;
    default:
      return invalid<Request>("unknown operation");
  }
  request.operation = static_cast<Operation>(operation);
  return parsed;
}

Parsed<Response> parse_response(std::span<const std::uint8_t> bytes) {
  std::span<const std::uint8_t> body;
  Parsed<Response> parsed = body_of<Response>(bytes, kResponseHeader, kMaxOutput, body);
  if (parsed.status != ParseStatus::complete) return parsed;
  Response& response = parsed.frame;
  const std::uint8_t status = body[1];
  if (status > static_cast<std::uint8_t>(Status::failed)) {
    return invalid<Response>("unknown status");
  }
  if (body[2] != 0 || body[3] != 0) return invalid<Response>("reserved bytes not zero");
  response.status = static_cast<Status>(status);
  response.id = read_be(body.subspan(4, 8));
  response.output = body.subspan(kResponseHeader);
  // Only a success carries output: an error that says more than its status is not framed right.
  if (response.status != Status::ok && !response.output.empty()) {
    return invalid<Response>("error response with output");
  }
  return parsed;
}

void append_request(std::vector<std::uint8_t>& out, const Request& request) {
  assert(request.input.size() <= kMaxInput);
  write_be(out, kRequestHeader + request.input.size(), 4);
  out.push_back(kVersion);
  out.push_back(static_cast<std::uint8_t>(request.operation));
  write_be(out, request.algorithm, 2);
  write_be(out, request.id, 8);
  out.insert(out.end(), request.key_id.begin(), request.key_id.end());
  out.insert(out.end(), request.input.begin(), request.input.end());
}

void append_response(std::vector<std::uint8_t>& out, const Response& response) {
  assert(response.output.size() <= kMaxOutput);
  write_be(out, kResponseHeader + response.output.size(), 4);
  out.push_back(kVersion);
  out.push_back(static_cast<std::uint8_t>(response.status));
  write_be(out, 0, 2);
  write_be(out, response.id, 8);
  out.insert(out.end(), response.output.begin(), response.output.end());
}

}  // namespace tlsfloor::keyserver_protocol
