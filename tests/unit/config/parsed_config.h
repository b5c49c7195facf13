#pragma once
// A configuration the test expects to be valid, parsed as if from "t.yaml"; an empty one (and a
// failed expectation naming the first error) when it is not.
#include <gtest/gtest.h>

#include <string>

#include "config/config_parser.h"

namespace tlsfloor::config {

inline Config parsed(const std::string& yaml) {
  ParseResult result = parse_config(yaml, "t.yaml");
  EXPECT_TRUE(result.config.has_value())
      << (result.errors.empty() ? "" : result.errors[0].to_string());
  return result.config.value_or(Config{});
}

}  // namespace tlsfloor::config
