#include "proxy/policy/legacy_circumstances.h"

#include "proxy/policy/brownout.h"

namespace tlsfloor::policy {

LegacyCircumstances legacy_circumstances(const config::ListenerConfig& listener,
                                         const ClientIdentity& client,
                                         const config::AddressPrefix& client_key,
                                         config::Timestamp now) {
  LegacyCircumstances circumstances;
  circumstances.exception = match_exception(listener.exceptions, client, now);
  const config::EnforcementConfig& enforcement = listener.enforcement;
  if (enforcement.mode == config::EnforcementMode::brownout) {
    if (const auto window = active_brownout_window(enforcement.brownout, now)) {
      circumstances.brownout_refuses = selected_for_brownout(
          enforcement.brownout.fraction, listener.name, client_key.address_bytes(), *window);
    }
  }
  return circumstances;
}

}  // namespace tlsfloor::policy
