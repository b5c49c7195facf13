#include "config/ticket_keys.h"

#include <algorithm>

namespace tlsfloor::config {
namespace {

constexpr std::size_t kLongKey = 80;   // name, HMAC-SHA256 key, AES-256 key
constexpr std::size_t kShortKey = 48;  // name, HMAC-SHA256 key, AES-128 key

std::string_view trimmed(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
  text = trimmed(text);
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t at = 0; at < text.size(); at += 4) {
    const bool last = at + 4 == text.size();
    int values[4];
    int padding = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text[at + i];
      // Padding only at the very end, and only in the last two places.
      if (c == '=' && last && i >= 2 && (i == 3 || text[at + 3] == '=')) {
        values[i] = 0;
        ++padding;
        continue;
      }
      values[i] = sextet(c);
      if (values[i] < 0 || padding > 0) return std::nullopt;
    }
    const std::uint32_t group =
        static_cast<std::uint32_t>(values[0]) << 18 | static_cast<std::uint32_t>(values[1]) << 12 |
        static_cast<std::uint32_t>(values[2]) << 6 | static_cast<std::uint32_t>(values[3]);
    out.push_back(static_cast<std::uint8_t>(group >> 16));
    if (padding < 2) out.push_back(static_cast<std::uint8_t>(group >> 8));
    if (padding < 1) out.push_back(static_cast<std::uint8_t>(group));
  }
  return out;
}

TicketKeysParse parse_ticket_keys(std::string_view text) {
  TicketKeysParse result;
  int line_number = 0;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = trimmed(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const std::string where = "line " + std::to_string(line_number) + ": ";
    const auto bytes = decode_base64(line);
    if (!bytes) {
      result.error = where + "not base64 (one key per line, e.g. openssl rand 80 | base64 -w0)";
      return result;
    }
    if (bytes->size() != kLongKey && bytes->size() != kShortKey) {
      result.error =
          where + "a key is 80 bytes (or 48), this one is " + std::to_string(bytes->size());
      return result;
    }
    const std::size_t secret = bytes->size() == kLongKey ? 32 : 16;
    TicketKey key;
    std::copy_n(bytes->begin(), key.name.size(), key.name.begin());
    key.hmac_key.assign(bytes->begin() + 16, bytes->begin() + 16 + secret);
    key.aes_key.assign(bytes->begin() + 16 + secret, bytes->end());
    // A zero key is a placeholder or a broken generator, not a secret; a repeated secret is
    // a copy-paste slip that halves what a rotation achieves. Neither is ever meant.
    const auto all_zero = [](const auto& bytes) {
      return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
    };
    if (all_zero(key.hmac_key) || all_zero(key.aes_key)) {
      result.error =
          where + "the key is all zero bytes (make one with openssl rand 80 | base64 -w0)";
      return result;
    }
    const bool repeated_name =
        std::any_of(result.keys.begin(), result.keys.end(),
                    [&](const TicketKey& seen) { return seen.name == key.name; });
    if (repeated_name) {
      result.error = where + "a key with this name (its first 16 bytes) is already listed";
      return result;
    }
    const bool repeated_secret =
        std::any_of(result.keys.begin(), result.keys.end(), [&](const TicketKey& seen) {
          return seen.hmac_key == key.hmac_key || seen.aes_key == key.aes_key;
        });
    if (repeated_secret) {
      result.error = where + "this key's secret is already listed under another name";
      return result;
    }
    result.keys.push_back(std::move(key));
  }
  if (result.keys.empty()) result.error = "no key in the file";
  return result;
}

}  // namespace tlsfloor::config
