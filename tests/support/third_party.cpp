#include "tests/support/third_party.h"

#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "tests/support/tls_client.h"

namespace tlsfloor::test {

bool wait_for_listener(std::uint16_t port) {
  for (int attempt = 0; attempt < 2000; ++attempt) {
    try {
      ::close(connect_tcp(port));
      return true;
    } catch (const std::runtime_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return false;
}

std::unique_ptr<ChildProcess> start_nginx(const TempDir& dir, std::uint16_t port,
                                          const std::string& config_body) {
  const std::string config =
      dir.write("nginx.conf",
                "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"
                "daemon off;\nmaster_process off;\npid " +
                    (dir.path() / "nginx.pid").string() +
                    ";\nerror_log stderr notice;\nevents {}\n" + config_body);
  auto nginx = std::make_unique<ChildProcess>(
      std::vector<std::string>{"nginx", "-p", dir.path().string(), "-c", config});
  wait_for_listener(port);
  return nginx;
}

std::unique_ptr<ChildProcess> start_haproxy(const TempDir& dir, std::uint16_t port,
                                            const std::string& config) {
  auto haproxy = std::make_unique<ChildProcess>(
      std::vector<std::string>{"haproxy", "-db", "-f", dir.write("haproxy.cfg", config)});
  wait_for_listener(port);
  return haproxy;
}

}  // namespace tlsfloor::test
