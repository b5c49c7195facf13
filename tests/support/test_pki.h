#pragma once
// Certificates made at test time (never committed keys): a self-signed leaf per call, written
// as PEM into a temporary directory that is removed with the object.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace tlsfloor::test {

/// A temporary directory, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// Writes `contents` to `name` inside the directory and returns the full path.
  std::string write(const std::string& name, const std::string& contents) const;

 private:
  std::filesystem::path path_;
};

struct PemFiles {
  std::string cert_path;
  std::string key_path;
};

enum class KeyType { ec_p256, rsa_2048 };

/// A self-signed certificate for `dns_names` (the first is also the CN), valid from
/// `valid_from` (an hour ago by default) until a day from now, written as `<stem>.crt` and
/// `<stem>.key` into `dir`.
PemFiles make_self_signed(const TempDir& dir, const std::string& stem,
                          const std::vector<std::string>& dns_names,
                          KeyType key_type = KeyType::ec_p256,
                          std::chrono::seconds valid_from = -std::chrono::hours(1));

}  // namespace tlsfloor::test
