#include "proxy/server/watched_files.h"

#include <fstream>
#include <iterator>

namespace tlsfloor::server {

WatchedFiles WatchedFiles::read(const std::vector<std::string>& paths) {
  WatchedFiles files;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::optional<std::string> contents;
    if (in) contents.emplace(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    files.contents_.emplace(path, std::move(contents));
  }
  return files;
}

std::vector<std::string> WatchedFiles::changed_since(const WatchedFiles& before) const {
  std::vector<std::string> changed;
  for (const auto& [path, contents] : contents_) {
    const auto old = before.contents_.find(path);
    if (old == before.contents_.end() || old->second != contents) changed.push_back(path);
  }
  for (const auto& [path, contents] : before.contents_) {
    if (!contents_.contains(path)) changed.push_back(path);
  }
  return changed;
}

}  // namespace tlsfloor::server
