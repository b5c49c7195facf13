// Micro-measurement: signatures per second and microseconds per signature of OpenSSL 3 through
// the key server's own code (keyserver::perform, exactly what a signing thread does), for RSA
// PKCS#1 v1.5 and PSS with SHA-256 and ECDSA P-256, on one thread; with --socket, the same
// requests sent to a running key server one at a time, so the difference is what the round
// trip over the Unix socket adds. Not a test: it asserts nothing. Links OpenSSL 3 only.
//   signature_bench_openssl KEY.pem [SECONDS] [--socket PATH]
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "proxy/keyserver/key_store.h"

namespace {

using namespace tlsfloor::keyserver;
using Clock = std::chrono::steady_clock;

int connect_to(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return -1;
  return fd;
}

// One request on the socket and its answer; false on any error.
bool round_trip(int fd, const protocol::Request& request, std::vector<std::uint8_t>& buffer) {
  buffer.clear();
  protocol::append_request(buffer, request);
  if (::send(fd, buffer.data(), buffer.size(), 0) != static_cast<ssize_t>(buffer.size())) {
    return false;
  }
  buffer.assign(protocol::kMaxResponseFrame, 0);
  std::size_t have = 0;
  for (;;) {
    const auto parsed = protocol::parse_response({buffer.data(), have});
    if (parsed.status == protocol::ParseStatus::complete) {
      return parsed.frame.status == protocol::Status::ok;
    }
    if (parsed.status == protocol::ParseStatus::invalid) return false;
    const ssize_t got = ::recv(fd, buffer.data() + have, buffer.size() - have, 0);
    if (got <= 0) return false;
    have += static_cast<std::size_t>(got);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s KEY.pem [SECONDS] [--socket PATH]\n", argv[0]);
    return 2;
  }
  double seconds = 3.0;
  std::string socket;
  for (int i = 2; i < argc; ++i) {
    if (std::string(argv[i]) == "--socket" && i + 1 < argc) {
      socket = argv[++i];
    } else {
      seconds = std::stod(argv[i]);
    }
  }
  KeyServerConfig config;
  config.keys.push_back({"bench", argv[1], "", false, {}});
  std::vector<tlsfloor::config::ConfigError> errors;
  const auto store = KeyStore::load(config, errors);
  if (!store) {
    std::fprintf(stderr, "%s\n", errors.front().to_string().c_str());
    return 1;
  }
  const HeldKey& key = store->keys().front();
  const bool rsa = key.kind == protocol::KeyKind::rsa;
  const std::vector<std::pair<std::uint16_t, const char*>> schemes =
      rsa ? std::vector<std::pair<std::uint16_t, const char*>>{{0x0401, "rsa_pkcs1_sha256"},
                                                               {0x0804, "rsa_pss_rsae_sha256"}}
          : std::vector<std::pair<std::uint16_t, const char*>>{{0x0403, "ecdsa_secp256r1_sha256"}};
  const std::vector<std::uint8_t> input(130, 0x20);  // as signature_bench_boringssl
  const int fd = socket.empty() ? -1 : connect_to(socket);
  if (!socket.empty() && fd < 0) {
    std::fprintf(stderr, "cannot connect to %s\n", socket.c_str());
    return 1;
  }
  std::vector<std::uint8_t> output;
  for (const auto& [scheme, name] : schemes) {
    protocol::Request request;
    request.operation = protocol::Operation::sign;
    request.algorithm = scheme;
    request.key_id = key.id;
    request.input = input;
    for (const bool remote : {false, true}) {
      if (remote && fd < 0) continue;
      const auto start = Clock::now();
      long count = 0;
      while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
        request.id = static_cast<std::uint64_t>(count);
        const bool ok = remote ? round_trip(fd, request, output)
                               : perform(&key, request, output) == protocol::Status::ok;
        if (!ok) return 1;
        ++count;
      }
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      std::printf("OpenSSL 3  %-24s %8.0f signatures/s %8.1f us/signature%s\n", name,
                  count / elapsed, elapsed * 1e6 / count,
                  remote ? "  (through the key server's socket, one at a time)" : "");
    }
  }
  if (fd >= 0) ::close(fd);
  return 0;
}
