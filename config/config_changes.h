#pragma once
// What a reload changes, in words for the log: listeners and routes added or removed, and for
// each route that stays, its floors, modes, suites, upstreams and exceptions. An operator reading
// the log of a reload sees what it did to enforcement, not only that it happened. Pure.
#include <string>
#include <vector>

#include "config/config.h"

namespace tlsfloor::config {

/// One line per change, in listener and route order, such as
/// `listener api route shop: mode observe -> enforce`, `listener api: route pos added`,
/// `listener api route default: exception old-pos removed`. Empty when nothing that decides
/// how clients are judged changed.
std::vector<std::string> describe_changes(const Config& before, const Config& after);

}  // namespace tlsfloor::config
