#include "tests/support/thread_names.h"

#include <dirent.h>

#include <fstream>

namespace tlsfloor::test {

std::vector<std::string> thread_names() {
  std::vector<std::string> names;
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return names;
  while (const dirent* entry = ::readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + entry->d_name + "/comm");
    std::string name;
    std::getline(comm, name);
    names.push_back(name);
  }
  ::closedir(tasks);
  return names;
}

}  // namespace tlsfloor::test
