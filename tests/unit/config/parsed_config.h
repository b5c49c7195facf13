#pragma once
// Config tests' helpers: a configuration the test expects to be valid, parsed as if from
// "t.yaml" (an empty one, and a failed expectation naming the first error, when it is not), and
// a parse's errors as the strings an operator reads.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config_parser.h"

namespace tlsfloor::config {

inline Config parsed(const std::string& yaml) {
  ParseResult result = parse_config(yaml, "t.yaml");
  EXPECT_TRUE(result.config.has_value())
      << (result.errors.empty() ? "" : result.errors[0].to_string());
  return result.config.value_or(Config{});
}

/// Every error of a parse as `file:line:column: message`, in order.
inline std::vector<std::string> error_strings(const ParseResult& result) {
  std::vector<std::string> out;
  for (const ConfigError& error : result.errors) out.push_back(error.to_string());
  return out;
}

}  // namespace tlsfloor::config
