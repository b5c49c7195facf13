#include "config/limits.h"

#include <algorithm>

namespace tlsfloor::config {

std::string_view to_string(Limit limit) {
  switch (limit) {
    case Limit::connections:
      return "connections";
    case Limit::handshakes_in_flight:
      return "handshakes_in_flight";
    case Limit::handshakes_per_source:
      return "handshakes_per_source";
    case Limit::descriptors:
      return "descriptors";
  }
  return "unknown";
}

DescriptorReserve descriptor_reserve(unsigned long limit, std::optional<unsigned> configured,
                                     unsigned admin_connections) {
  // Enough for the admin port and what the process opens besides clients; never so much that
  // a small limit leaves clients nothing.
  const unsigned long automatic =
      std::max(std::clamp(limit / 10, 16UL, 1000UL), admin_connections + 16UL);
  const unsigned long reserve = std::min(configured.value_or(automatic) + 0UL, limit / 2);
  return DescriptorReserve{static_cast<unsigned>(reserve), limit - reserve};
}

}  // namespace tlsfloor::config
