// tlsfloor-keyserver: holds tlsfloor's private keys in a process of their own and makes its
// signatures over a Unix socket, so that a memory disclosure in the process exposed to the
// network cannot leak them. Built against OpenSSL 3 alone; shares only the wire format with
// tlsfloor (which is built against BoringSSL: the two never link into one binary).
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "proxy/keyserver/key_server.h"
#include "proxy/keyserver/key_store.h"
#include "proxy/keyserver/keyserver_config.h"

namespace {

int report_errors(const std::vector<tlsfloor::config::ConfigError>& errors) {
  for (const auto& error : errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
  std::fprintf(stderr, "%zu configuration error%s\n", errors.size(), errors.size() == 1 ? "" : "s");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tlsfloor::keyserver;
  CLI::App app{
      "tlsfloor-keyserver: makes tlsfloor's private-key signatures in a process of its own"};
  std::string config_path;
  bool check = false;
  std::string log_level = "info";
  app.add_option("-c,--config", config_path, "the key server's YAML configuration")->required();
  app.add_flag("--check", check,
               "load the configuration and every key, print each key's id, and exit");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.footer(std::string("TLS library: ") + OpenSSL_version(OPENSSL_VERSION));
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));

  // No core dump holds the keys, and no other process of this user may read this one's memory
  // (ptrace, /proc/PID/mem): a compromised tlsfloor running as the same user included.
  ::prctl(PR_SET_DUMPABLE, 0);
  // Before any thread exists, so that every thread inherits the mask and only the signalfd sees
  // these signals.
  sigset_t signals;
  sigemptyset(&signals);
  for (const int signal : {SIGTERM, SIGINT, SIGUSR1}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const KeyServerParse parsed = load_keyserver_config(config_path);
  if (!parsed.config) return report_errors(parsed.errors);
  std::vector<tlsfloor::config::ConfigError> errors;
  const auto keys = KeyStore::load(*parsed.config, errors);
  if (!keys) return report_errors(errors);
  if (check) {
    for (const HeldKey& key : keys->keys()) {
      std::printf("key %s: %s, id sha256:%s%s\n", key.config.name.c_str(), key.description.c_str(),
                  to_hex(key.id).c_str(), key.config.decrypt ? ", decrypt allowed" : "");
    }
    std::printf("%s: configuration OK\n", config_path.c_str());
    return 0;
  }
  try {
    const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC);
    if (signal_fd < 0) throw std::system_error(errno, std::generic_category(), "signalfd");
    KeyServer server(*parsed.config, *keys);
    for (const HeldKey& key : keys->keys()) {
      spdlog::info("key {} ({}, id sha256:{}){}", key.config.name, key.description, to_hex(key.id),
                   key.config.decrypt ? ", decrypt allowed" : "");
    }
    spdlog::info("listening on {} with {} signing thread(s) ({})", parsed.config->socket,
                 server.threads(), OpenSSL_version(OPENSSL_VERSION));
    server.run(signal_fd);
    server.log_counters();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  spdlog::info("stopped");
  return 0;
}
