#pragma once
// The contents of the files a configuration names (certificates, keys, CA files, ticket keys) at
// one moment, so that certificate_reload can tell when any changed: an in-place write, a new
// file renamed over the old (certbot), a swapped `..data` symlink (Kubernetes Secret volumes)
// all change what is read through the path, whatever the mtime says.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tlsfloor::server {

class WatchedFiles {
 public:
  WatchedFiles() = default;
  /// Reads every file in full (they are small); an unreadable one is recorded as such.
  static WatchedFiles read(const std::vector<std::string>& paths);
  /// The paths whose contents differ from `before`'s (or that only one of the two has).
  std::vector<std::string> changed_since(const WatchedFiles& before) const;

 private:
  std::map<std::string, std::optional<std::string>> contents_;
};

}  // namespace tlsfloor::server
