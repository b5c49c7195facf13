// What match_family() costs per hello (a benchmark, not a test: it asserts nothing). It runs in
// the TLS early callback for legacy clients, so its price is paid inside the handshake.
//   family_match_bench FILE...   each FILE a tests/families/captures/*.txt
// It prints the median time per hello over many rounds: of parsing; of matching the captures
// that the table holds (an exact match); and of matching every capture with its last suite
// removed, so that the exact key misses and every entry is scored (a closest or unknown answer).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "proxy/families/family_matcher.h"
#include "proxy/hello/client_hello.h"

namespace {

using Clock = std::chrono::steady_clock;
using tlsfloor::families::match_family;
using tlsfloor::hello::ClientHello;

std::vector<std::vector<std::uint8_t>> read_captures(int argc, char** argv) {
  std::vector<std::vector<std::uint8_t>> bodies;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i]);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      const std::string hex = line.substr(line.rfind('\t') + 1);
      std::vector<std::uint8_t> body;
      for (std::size_t at = 8; at + 1 < hex.size(); at += 2) {  // past the handshake header
        body.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(at, 2), nullptr, 16)));
      }
      bodies.push_back(std::move(body));
    }
  }
  return bodies;
}

// Median over rounds of the time per call of `run` over all `items`, in nanoseconds.
template <typename Items, typename Run>
double median_ns(const Items& items, Run run) {
  constexpr int kRounds = 41;
  constexpr int kRepeats = 200;
  std::vector<double> per_call;
  int sink = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto start = Clock::now();
    for (int repeat = 0; repeat < kRepeats; ++repeat) {
      for (const auto& item : items) sink += run(item);
    }
    const std::chrono::duration<double, std::nano> took = Clock::now() - start;
    per_call.push_back(took.count() / (kRepeats * static_cast<double>(items.size())));
  }
  std::nth_element(per_call.begin(), per_call.begin() + kRounds / 2, per_call.end());
  if (sink == 42) std::puts("");  // keeps the calls from being optimised away
  return per_call[kRounds / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const auto bodies = read_captures(argc, argv);
  std::vector<ClientHello> exact;
  std::vector<ClientHello> moved;
  for (const auto& body : bodies) {
    std::optional<ClientHello> hello = tlsfloor::hello::parse_client_hello(body);
    if (!hello) continue;
    if (match_family(*hello).kind == tlsfloor::families::MatchKind::exact) exact.push_back(*hello);
    if (!hello->cipher_suites.empty()) hello->cipher_suites.pop_back();
    moved.push_back(*hello);
  }
  if (exact.empty() || moved.empty()) {
    std::fprintf(stderr, "usage: %s tests/families/captures/*.txt\n", argv[0]);
    return 1;
  }
  const auto kind = [](const ClientHello& hello) {
    return static_cast<int>(match_family(hello).kind);
  };
  std::printf("%zu hellos, %zu of them in the table\n", moved.size(), exact.size());
  std::printf("parse only:             %7.0f ns\n", median_ns(bodies, [](const auto& body) {
                return tlsfloor::hello::parse_client_hello(body) ? 1 : 0;
              }));
  std::printf("match, exact:           %7.0f ns\n", median_ns(exact, kind));
  std::printf("match, every entry:     %7.0f ns\n", median_ns(moved, kind));
  return 0;
}
