#pragma once
// Reading what the proxy wrote: a file's bytes, and a handshake log's lines as JSON.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tlsfloor::test {

/// The whole file; empty when it cannot be read.
std::string contents_of(const std::filesystem::path& path);

/// Each line of a JSON-lines file (the handshake log), parsed; throws on a line that is not JSON.
std::vector<nlohmann::json> read_log(const std::filesystem::path& path);

}  // namespace tlsfloor::test
