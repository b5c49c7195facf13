#include "proxy/admin/families_json.h"

#include "proxy/families/family_matcher.h"

namespace tlsfloor::admin {

nlohmann::ordered_json family_json(std::string_view id) {
  using Json = nlohmann::ordered_json;
  const families::Family* family = families::find_family(id);
  Json json;
  json["family"] = id;
  json["name"] = family != nullptr ? Json(family->name) : Json(nullptr);
  json["advice"] = family != nullptr ? Json(family->advice) : Json(nullptr);
  json["link"] = family != nullptr ? Json(family->link) : Json(nullptr);
  return json;
}

std::string families_json() {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const families::Family& family : families::all_families()) {
    list.push_back(family_json(family.id));
  }
  nlohmann::ordered_json document;
  document["families"] = std::move(list);
  document["unknown_below"] = families::kUnknownBelow;
  return document.dump(2) + "\n";
}

}  // namespace tlsfloor::admin
