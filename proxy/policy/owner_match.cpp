#include "proxy/policy/owner_match.h"

#include <algorithm>
#include <array>

#include "proxy/policy/exceptions.h"

namespace tlsfloor::policy {
namespace {

// How specific an owner's match is for one handshake, kind by kind in the order of precedence
// (higher is more specific); nullopt when the owner does not match.
using Specificity = std::array<int, 7>;

template <typename Values, typename Matches>
int listed(const Values& values, Matches matches) {
  return std::any_of(values.begin(), values.end(), matches) ? 1 : 0;
}

std::optional<Specificity> specificity(const config::OwnerMatch& match, const OwnerFacts& facts) {
  Specificity rank{};
  // Kinds AND, values OR: a listed kind that none of its values matches rules the owner out.
  // A verified certificate names the client itself: the most specific fact there is.
  if (!match.certificate_subjects.empty()) {
    rank[0] = listed(match.certificate_subjects, [&](const auto& subject) {
      return !facts.certificate_subject.empty() && subject == facts.certificate_subject;
    });
    if (rank[0] == 0) return std::nullopt;
  }
  if (!match.exceptions.empty()) {
    rank[1] = listed(match.exceptions, [&](const auto& name) { return name == facts.exception; });
    if (rank[1] == 0) return std::nullopt;
  }
  if (!match.ja4.empty()) {
    rank[2] = listed(match.ja4, [&](const auto& ja4) { return ja4 == facts.ja4; });
    if (rank[2] == 0) return std::nullopt;
  }
  if (!match.clients.empty()) {
    int longest = -1;
    for (const config::AddressPrefix& prefix : match.clients) {
      if (config::contains(prefix, facts.client)) longest = std::max(longest, int{prefix.length});
    }
    if (longest < 0) return std::nullopt;
    rank[3] = longest + 1;  // a /0 still counts more than no client list
  }
  if (!match.server_names.empty()) {
    for (const std::string& name : match.server_names) {
      if (!server_name_matches(name, facts.server_name)) continue;
      rank[4] = std::max(rank[4], name.starts_with("*.") ? 1 : 2);
    }
    if (rank[4] == 0) return std::nullopt;
  }
  if (!match.routes.empty()) {
    for (const config::OwnerRoute& route : match.routes) {
      if (route.listener != facts.listener) continue;
      if (!route.route) {
        rank[5] = std::max(rank[5], 1);
      } else if (*route.route == facts.route) {
        rank[5] = 2;
      }
    }
    if (rank[5] == 0) return std::nullopt;
  }
  if (!match.families.empty()) {
    rank[6] = listed(match.families, [&](const auto& family) { return family == facts.family; });
    if (rank[6] == 0) return std::nullopt;
  }
  return rank;
}

}  // namespace

const config::OwnerConfig* match_owner(const config::OwnerDirectory& directory,
                                       const OwnerFacts& facts) {
  const config::OwnerConfig* best = nullptr;
  Specificity best_rank{};
  for (const config::OwnerConfig& owner : directory.owners) {
    const auto rank = specificity(owner.match, facts);
    // Strictly more specific only: of equals, the first in the file stays.
    if (rank && (best == nullptr || *rank > best_rank)) {
      best = &owner;
      best_rank = *rank;
    }
  }
  return best;
}

}  // namespace tlsfloor::policy
