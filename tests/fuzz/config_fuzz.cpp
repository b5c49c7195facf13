// libFuzzer target for the configuration parser: YAML text in, a configuration or errors out.
// Operators write it, but reloads read it from disk while serving, so no input may crash the
// process, and every error must name its place and come sorted, as the README promises.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const tlsfloor::config::ParseResult result = tlsfloor::config::parse_config(text, "fuzz.yaml");
  // A configuration, or errors: never both, never neither.
  if (result.config.has_value() == !result.errors.empty()) __builtin_trap();
  for (std::size_t i = 0; i < result.errors.size(); ++i) {
    if (result.errors[i].to_string().rfind("fuzz.yaml:", 0) != 0) __builtin_trap();
    if (i > 0 && result.errors[i].where.line < result.errors[i - 1].where.line) __builtin_trap();
  }
  return 0;
}
