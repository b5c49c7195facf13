// Micro-measurement: signatures per second and microseconds per signature of Debian's BoringSSL,
// through tls::SigningPool::sign (exactly what the signing pool does for a handshake), for
// RSA PKCS#1 v1.5 and PSS with SHA-256 and ECDSA P-256, on one thread. Not a test: it asserts
// nothing. Compare with signature_bench_openssl (the key server's path, OpenSSL 3).
//   signature_bench_boringssl KEY.pem [SECONDS]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "proxy/tls/signing_pool.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s KEY.pem [SECONDS]\n", argv[0]);
    return 2;
  }
  const double seconds = argc > 2 ? std::stod(argv[2]) : 3.0;
  bssl::UniquePtr<BIO> file(BIO_new_file(argv[1], "r"));
  bssl::UniquePtr<EVP_PKEY> key(
      file ? PEM_read_bio_PrivateKey(file.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  const bool rsa = EVP_PKEY_id(key.get()) == EVP_PKEY_RSA;
  const std::vector<std::pair<std::uint16_t, const char*>> schemes =
      rsa ? std::vector<std::pair<std::uint16_t, const char*>>{{SSL_SIGN_RSA_PKCS1_SHA256,
                                                                "rsa_pkcs1_sha256"},
                                                               {SSL_SIGN_RSA_PSS_RSAE_SHA256,
                                                                "rsa_pss_rsae_sha256"}}
          : std::vector<std::pair<std::uint16_t, const char*>>{
                {SSL_SIGN_ECDSA_SECP256R1_SHA256, "ecdsa_secp256r1_sha256"}};
  // A TLS 1.3 CertificateVerify input: 64 spaces, the context string, a zero, a hash.
  const std::vector<std::uint8_t> input(130, 0x20);
  for (const auto& [scheme, name] : schemes) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    long count = 0;
    while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
      if (tlsfloor::tls::SigningPool::sign(key.get(), scheme, input).empty()) return 1;
      ++count;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("BoringSSL  %-24s %8.0f signatures/s %8.1f us/signature\n", name, count / elapsed,
                elapsed * 1e6 / count);
  }
  return 0;
}
