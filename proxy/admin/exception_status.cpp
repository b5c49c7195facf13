#include "proxy/admin/exception_status.h"

#include <nlohmann/json.hpp>

namespace tlsfloor::admin {

std::string_view to_string(ExceptionStatus status) {
  switch (status) {
    case ExceptionStatus::active:
      return "active";
    case ExceptionStatus::unused:
      return "unused";
    case ExceptionStatus::expiring:
      return "expiring";
    case ExceptionStatus::expired:
      return "expired";
  }
  return "active";
}

ExceptionStatus exception_status(const config::ExceptionConfig& exception,
                                 std::optional<config::Timestamp> last_used,
                                 config::Timestamp first_loaded, config::Timestamp now) {
  if (now >= exception.expires) return ExceptionStatus::expired;
  if (exception.expires - now <= kExpiringWithin) return ExceptionStatus::expiring;
  const config::Timestamp since = last_used.value_or(first_loaded);
  if (now - since >= exception.unused_after) return ExceptionStatus::unused;
  return ExceptionStatus::active;
}

std::string exceptions_json(const std::vector<state::ExceptionRecord>& exceptions,
                            const config::OwnerDirectory* owners, config::Timestamp now) {
  using Json = nlohmann::ordered_json;
  Json list = Json::array();
  for (const state::ExceptionRecord& view : exceptions) {
    const config::ExceptionConfig& exception = *view.exception;
    Json clients = Json::array();
    for (const auto& prefix : exception.clients) clients.push_back(config::to_string(prefix));
    Json entry;
    entry["listener"] = view.listener;
    entry["route"] = exception.route;
    entry["name"] = exception.name;
    entry["clients"] = std::move(clients);
    entry["server_names"] = exception.server_names;
    entry["ja4"] = exception.ja4;
    entry["min_version"] = config::to_string(exception.min_version);
    entry["expires"] = config::format_timestamp(exception.expires);
    entry["note"] = exception.note;
    const config::OwnerConfig* owner =
        owners != nullptr ? config::owner_of_exception(*owners, exception.name) : nullptr;
    entry["owner"] = owner != nullptr ? Json(owner->name) : Json(nullptr);
    entry["unused_after_seconds"] =
        std::chrono::duration_cast<std::chrono::seconds>(exception.unused_after).count();
    entry["handshakes"] = view.handshakes;
    entry["last_used"] =
        view.last_used ? Json(config::format_timestamp(*view.last_used)) : Json(nullptr);
    entry["first_loaded"] = config::format_timestamp(view.first_loaded);
    entry["status"] =
        to_string(exception_status(exception, view.last_used, view.first_loaded, now));
    list.push_back(std::move(entry));
  }
  Json document;
  document["generated_at"] = config::format_timestamp(now);
  document["exceptions"] = std::move(list);
  return document.dump(2) + "\n";
}

}  // namespace tlsfloor::admin
