#include "config/config_changes.h"

#include <algorithm>
#include <string_view>

#include "config/alpn_upstreams.h"
#include "config/enforcement_schedule.h"

namespace tlsfloor::config {
namespace {

struct Named {
  std::string name;
  const RouteSettings* settings;
};

std::vector<Named> routes_of(const ListenerConfig& listener) {
  std::vector<Named> routes{{std::string(kDefaultRouteName), &listener}};
  for (const RouteConfig& route : listener.routes) routes.push_back({route.name, &route});
  return routes;
}

template <typename List, typename Name>
const auto* find_named(const List& list, const Name& name_of, const std::string& name) {
  const auto it = std::find_if(list.begin(), list.end(),
                               [&](const auto& item) { return name_of(item) == name; });
  return it == list.end() ? nullptr : &*it;
}

std::string arrow(std::string_view what, std::string_view before, std::string_view after) {
  return std::string(what) + " " + std::string(before) + " -> " + std::string(after);
}

// "2027-01-01T00:00:00.000Z mode brownout, ...; 2027-01-15T00:00:00.000Z mode enforce, ...":
// every step, so that a changed date or mode reads in the log as what is now planned.
std::string schedule_text(const EnforcementConfig& enforcement) {
  std::string text;
  for (std::size_t i = 0; i < enforcement.schedule.size(); ++i) {
    if (!text.empty()) text += "; ";
    text += format_timestamp(enforcement.schedule[i].at) + " " + describe_stage(enforcement, i + 1);
  }
  return text;
}

void compare_routes(const std::string& where, const RouteSettings& before,
                    const RouteSettings& after, std::vector<std::string>& changes) {
  const auto said = [&](const std::string& change) { changes.push_back(where + ": " + change); };
  if (before.tls.min_version != after.tls.min_version) {
    said(arrow("min_version", to_string(before.tls.min_version), to_string(after.tls.min_version)));
  }
  if (before.tls.max_version != after.tls.max_version) {
    said(arrow("max_version", to_string(before.tls.max_version), to_string(after.tls.max_version)));
  }
  if (before.enforcement.mode != after.enforcement.mode) {
    said(arrow("mode", to_string(before.enforcement.mode), to_string(after.enforcement.mode)));
  }
  if (before.enforcement.cipher_mode != after.enforcement.cipher_mode) {
    said(arrow("cipher_mode", to_string(before.enforcement.cipher_mode),
               to_string(after.enforcement.cipher_mode)));
  }
  if (before.enforcement.groups_mode != after.enforcement.groups_mode) {
    said(arrow("groups_mode", to_string(before.enforcement.groups_mode),
               to_string(after.enforcement.groups_mode)));
  }
  if (before.enforcement.on_reject != after.enforcement.on_reject) {
    said(arrow("on_reject", to_string(before.enforcement.on_reject),
               to_string(after.enforcement.on_reject)));
  }
  if (const std::string was = schedule_text(before.enforcement),
      now = schedule_text(after.enforcement);
      was != now) {
    said(now.empty() ? "schedule removed"
                     : (was.empty() ? "schedule added: " : "schedule changed: ") + now);
  }
  if (before.tls.ciphers.text != after.tls.ciphers.text) said("ciphers changed");
  if (before.tls.legacy_ciphers != after.tls.legacy_ciphers) said("legacy_ciphers changed");
  if (before.tls.groups.codes != after.tls.groups.codes) {
    said(arrow("groups", group_list_text(before.tls.groups.codes),
               group_list_text(after.tls.groups.codes)));
  }
  if (!(before.upstream.address == after.upstream.address)) {
    said(
        arrow("upstream", before.upstream.address.to_string(), after.upstream.address.to_string()));
  }
  if (const std::string was = alpn_map_text(before.upstream_by_alpn),
      now = alpn_map_text(after.upstream_by_alpn);
      was != now) {
    said(arrow("upstream_by_alpn", was, now));
  }
  const auto exception_name = [](const ExceptionConfig& e) { return e.name; };
  for (const ExceptionConfig& exception : after.exceptions) {
    const ExceptionConfig* old = find_named(before.exceptions, exception_name, exception.name);
    if (old == nullptr) {
      said("exception " + exception.name + " added (until " + format_timestamp(exception.expires) +
           ")");
    } else if (old->expires != exception.expires) {
      said("exception " + exception.name + " now expires " + format_timestamp(exception.expires));
    }
  }
  for (const ExceptionConfig& exception : before.exceptions) {
    if (find_named(after.exceptions, exception_name, exception.name) == nullptr) {
      said("exception " + exception.name + " removed");
    }
  }
}

}  // namespace

std::vector<std::string> describe_changes(const Config& before, const Config& after) {
  std::vector<std::string> changes;
  const auto listener_name = [](const ListenerConfig& l) { return l.name; };
  const auto route_name = [](const Named& r) { return r.name; };
  for (const ListenerConfig& listener : after.listeners) {
    const ListenerConfig* old = find_named(before.listeners, listener_name, listener.name);
    if (old == nullptr) {
      changes.push_back("listener " + listener.name + " added on " + listener.listen.to_string());
      continue;
    }
    if (!(old->listen == listener.listen)) {
      changes.push_back("listener " + listener.name + ": " +
                        arrow("listen", old->listen.to_string(), listener.listen.to_string()));
    }
    const std::vector<Named> old_routes = routes_of(*old);
    const std::vector<Named> new_routes = routes_of(listener);
    for (const Named& route : new_routes) {
      const Named* was = find_named(old_routes, route_name, route.name);
      if (was == nullptr) {
        changes.push_back("listener " + listener.name + ": route " + route.name + " added");
        continue;
      }
      compare_routes("listener " + listener.name + " route " + route.name, *was->settings,
                     *route.settings, changes);
    }
    for (const Named& route : old_routes) {
      if (find_named(new_routes, route_name, route.name) == nullptr) {
        changes.push_back("listener " + listener.name + ": route " + route.name + " removed");
      }
    }
  }
  for (const ListenerConfig& listener : before.listeners) {
    if (find_named(after.listeners, listener_name, listener.name) == nullptr) {
      changes.push_back("listener " + listener.name + " removed");
    }
  }
  return changes;
}

}  // namespace tlsfloor::config
