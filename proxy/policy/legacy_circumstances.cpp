#include "proxy/policy/legacy_circumstances.h"

#include "proxy/policy/brownout.h"

namespace tlsfloor::policy {

std::string brownout_draw_name(std::string_view listener, std::string_view route) {
  if (route == config::kDefaultRouteName) return std::string(listener);
  return std::string(listener) + "/" + std::string(route);
}

LegacyCircumstances legacy_circumstances(const std::vector<config::ExceptionConfig>& exceptions,
                                         const config::EnforcementConfig& enforcement,
                                         std::string_view draw_name, const ClientIdentity& client,
                                         const config::AddressPrefix& client_key,
                                         config::Timestamp now) {
  LegacyCircumstances circumstances;
  circumstances.exception = match_exception(exceptions, client, now);
  if (enforcement.mode == config::EnforcementMode::brownout ||
      enforcement.cipher_mode == config::EnforcementMode::brownout) {
    if (const auto window = active_brownout_window(enforcement.brownout, now)) {
      circumstances.brownout_refuses = selected_for_brownout(
          enforcement.brownout.fraction, draw_name, client_key.address_bytes(), *window);
    }
  }
  return circumstances;
}

}  // namespace tlsfloor::policy
