#include "config/config.h"

#include <algorithm>
#include <filesystem>

namespace tlsfloor::config {

std::string ConfigError::to_string() const {
  return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
         message;
}

std::string_view to_string(EnforcementMode mode) {
  switch (mode) {
    case EnforcementMode::observe:
      return "observe";
    case EnforcementMode::brownout:
      return "brownout";
    case EnforcementMode::enforce:
      return "enforce";
  }
  return "unknown";
}

std::string_view to_string(RejectStyle style) {
  return style == RejectStyle::http ? "http" : "alert";
}

std::string_view to_string(ClientAuthMode mode) {
  switch (mode) {
    case ClientAuthMode::none:
      return "none";
    case ClientAuthMode::optional:
      return "optional";
    case ClientAuthMode::require:
      return "require";
  }
  return "none";
}

std::vector<std::string> Config::reloadable_files() const {
  std::vector<std::string> files;
  const auto add_settings = [&files](const RouteSettings& settings) {
    for (const CertificateConfig& certificate : settings.certificates) {
      files.push_back(certificate.cert_path);
      if (!certificate.keyserver) files.push_back(certificate.key_path);
    }
    if (!settings.client_auth.ca_file.empty()) files.push_back(settings.client_auth.ca_file);
    if (!settings.client_auth.crl_file.empty()) files.push_back(settings.client_auth.crl_file);
    if (const auto& tls = settings.upstream.tls) {
      if (!tls->ca_file.empty()) files.push_back(tls->ca_file);
      if (tls->client_certificate) {
        files.push_back(tls->client_certificate->cert_path);
        files.push_back(tls->client_certificate->key_path);
      }
    }
  };
  for (const ListenerConfig& listener : listeners) {
    add_settings(listener);
    for (const RouteConfig& route : listener.routes) add_settings(route);
  }
  if (!session_tickets.keys_file.empty()) files.push_back(session_tickets.keys_file);
  // The owner directory is edited by other people than the configuration: picked up the same way.
  if (owners_file) files.push_back(*owners_file);
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

}  // namespace tlsfloor::config

namespace tlsfloor::config {

std::optional<std::string> client_ledger_path(const ClientLedgerConfig& ledger,
                                              const std::optional<std::string>& state_file) {
  if (ledger.path) return ledger.path;
  if (!state_file) return std::nullopt;
  std::filesystem::path path(*state_file);
  path.replace_extension();
  return path.string() + ".clients.json";
}

}  // namespace tlsfloor::config
