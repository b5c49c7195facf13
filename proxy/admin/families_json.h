#pragma once
// The client families as JSON: what /legacy-clients says about a family, and GET /families,
// the whole table an owner directory or an exception can name. Pure.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace tlsfloor::admin {

/// {"family": id, "name", "advice", "link"}: the last three null for "unknown" (or an id the
/// table does not hold, as a family recorded before an upgrade may be).
nlohmann::ordered_json family_json(std::string_view id);

/// {"families": [family_json of each, in the table's order], "unknown_below": the similarity
/// under which a hello is "unknown"}.
std::string families_json();

}  // namespace tlsfloor::admin
