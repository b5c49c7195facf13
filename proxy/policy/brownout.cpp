#include "proxy/policy/brownout.h"

// libcrypto only (SHA-256): the policy never touches an SSL*.
#include <openssl/base.h>
#if !defined(OPENSSL_IS_BORINGSSL)
#error "tlsfloor is built against BoringSSL: put /usr/include/android first on the include path"
#endif
#include <openssl/sha.h>

namespace tlsfloor::policy {

std::optional<config::BrownoutWindow> active_brownout_window(const config::BrownoutConfig& brownout,
                                                             config::Timestamp now) {
  std::optional<config::BrownoutWindow> active;
  const auto consider = [&](const config::BrownoutWindow& window) {
    if (now >= window.start && now < window.end && (!active || window.start < active->start)) {
      active = window;
    }
  };
  for (const auto& window : brownout.windows) consider(window);
  if (brownout.every) {
    const auto midnight = std::chrono::floor<std::chrono::days>(now);
    const auto since_midnight = now - midnight;
    const auto period =
        std::chrono::duration_cast<config::Timestamp::duration>(brownout.every->period);
    const auto start = midnight + (since_midnight / period) * period;
    // The last period of a day may be cut short by the next midnight, which starts afresh.
    const auto end = std::min<config::Timestamp>(start + brownout.every->duration,
                                                 midnight + std::chrono::days(1));
    consider({start, end});
  }
  return active;
}

bool selected_for_brownout(double fraction, std::string_view listener,
                           std::span<const std::uint8_t> client,
                           const config::BrownoutWindow& window) {
  if (fraction >= 1.0) return true;
  SHA256_CTX context;
  SHA256_Init(&context);
  SHA256_Update(&context, listener.data(), listener.size());
  SHA256_Update(&context, "\0", 1);
  SHA256_Update(&context, client.data(), client.size());
  const std::int64_t start =
      std::chrono::duration_cast<std::chrono::milliseconds>(window.start.time_since_epoch())
          .count();
  std::uint8_t start_bytes[8];  // big-endian, so every replica draws the same
  for (int i = 0; i < 8; ++i) start_bytes[i] = static_cast<std::uint8_t>(start >> (56 - 8 * i));
  SHA256_Update(&context, start_bytes, sizeof start_bytes);
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &context);
  std::uint64_t draw = 0;
  for (int i = 0; i < 8; ++i) draw = (draw << 8) | digest[i];
  // The top 53 bits as a double in [0, 1).
  return static_cast<double>(draw >> 11) * 0x1.0p-53 < fraction;
}

}  // namespace tlsfloor::policy
