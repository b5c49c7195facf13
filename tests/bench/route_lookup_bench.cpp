// How long choosing a route takes, by the number of routes: the early callback's cost per
// handshake that routes add. Prints nanoseconds per lookup (median of 9 runs) for exact names,
// wildcards, and names that match nothing, with 0, 1, 100, 1000 and 10000 routes.
//
//   build/tests/route_lookup_bench
//
// Not a test: no timing is asserted anywhere; the figures go in the README.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "proxy/policy/route_table.h"

namespace {

using tlsfloor::policy::RouteTable;

RouteTable table_of(int routes) {
  std::vector<tlsfloor::config::RouteConfig> configs(static_cast<std::size_t>(routes));
  for (int i = 0; i < routes; ++i) {
    configs[static_cast<std::size_t>(i)].server_names = {
        "host" + std::to_string(i) + ".example.com", "*.zone" + std::to_string(i) + ".example.net"};
  }
  return RouteTable(configs);
}

// Median nanoseconds per lookup of `names`, cycled.
double nanoseconds_per_lookup(const RouteTable& table, const std::vector<std::string>& names) {
  constexpr int kLookups = 2'000'000;
  std::vector<double> runs;
  std::size_t sink = 0;
  for (int run = 0; run < 9; ++run) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kLookups; ++i)
      sink += table.match(names[static_cast<std::size_t>(i) % names.size()]);
    const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    runs.push_back(took.count() / kLookups);
  }
  std::sort(runs.begin(), runs.end());
  if (sink == 1) std::puts("");  // keeps the lookups from being optimised away
  return runs[runs.size() / 2];
}

}  // namespace

int main() {
  std::printf("%8s %14s %14s %14s\n", "routes", "exact_ns", "wildcard_ns", "no_match_ns");
  for (const int routes : {0, 1, 100, 1000, 10000}) {
    const RouteTable table = table_of(routes);
    std::vector<std::string> exact;
    std::vector<std::string> wildcard;
    std::vector<std::string> none;
    for (int i = 0; i < 64; ++i) {
      const int n = routes == 0 ? i : i % routes;
      exact.push_back("Host" + std::to_string(n) + ".example.com");
      wildcard.push_back("www.api.zone" + std::to_string(n) + ".example.net");
      none.push_back("client" + std::to_string(i) + ".customer.example.org");
    }
    std::printf("%8d %14.1f %14.1f %14.1f\n", routes, nanoseconds_per_lookup(table, exact),
                nanoseconds_per_lookup(table, wildcard), nanoseconds_per_lookup(table, none));
  }
  return 0;
}
