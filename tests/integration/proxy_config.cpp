#include "tests/integration/proxy_config.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace tlsfloor::test {

std::string proxy_yaml(const std::vector<ListenerSpec>& listeners, const std::string& drain_timeout,
                       const std::string& top_level_yaml) {
  std::string yaml =
      fmt::format("admin:\n  listen: 127.0.0.1:0\nthreads: 2\ndrain_timeout: {}\n{}listeners:\n",
                  drain_timeout, top_level_yaml);
  for (const auto& l : listeners) {
    yaml += fmt::format(
        "  - name: {}\n"
        "    listen: \"{}\"\n"
        "    upstream: {{ address: 127.0.0.1:{}, connect_timeout: {}{} }}\n"
        "    tls: {{ {}{} }}\n"
        "    enforcement: {{ mode: {}{} }}\n"
        "    timeouts: {{ handshake: {}, idle: {} }}\n"
        "    certificates:\n",
        l.name, l.listen, l.upstream_port, l.connect_timeout,
        l.upstream_extra.empty() ? "" : ", " + l.upstream_extra,
        l.min_version.empty()
            ? std::string()
            : fmt::format("min_version: {}, max_version: {}", l.min_version, l.max_version),
        l.tls_extra.empty() ? "" : (l.min_version.empty() ? "" : ", ") + l.tls_extra, l.mode,
        l.enforcement_extra.empty() ? "" : ", " + l.enforcement_extra, l.handshake_timeout,
        l.idle_timeout);
    for (const auto& cert : l.certificates) {
      // Without a key file: the key server holds the key.
      yaml += cert.key_path.empty()
                  ? fmt::format("      - {{ cert: \"{}\", keyserver: true }}\n", cert.cert_path)
                  : fmt::format("      - {{ cert: \"{}\", key: \"{}\" }}\n", cert.cert_path,
                                cert.key_path);
    }
    yaml += l.extra_yaml;
  }
  return yaml;
}

void wait_a_moment() { std::this_thread::sleep_for(std::chrono::milliseconds(10)); }

}  // namespace tlsfloor::test
