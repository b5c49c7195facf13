#include "proxy/families/family_matcher.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "proxy/families/family_table.h"

namespace tlsfloor::families {
namespace {

using table::kKinds;
using table::kMaxUniverse;

constexpr std::uint16_t kAbsent = 0xffff;

// The weights of the similarity. The suites say most about a stack: each library and version
// has its own list and order. Extensions next; their order counts little, since Chrome and
// Firefox shuffle it on purpose. Groups and signature algorithms separate versions of one
// library. The versions offered and the ALPN names are what the application configured more
// than what the stack is (a legacy client is often a current stack pinned to TLS 1.0), so they
// only break near-ties. A kind that neither hello has (no extensions at all, say) says nothing
// and is left out of the sum, whose weights are then scaled back to 1: otherwise two hellos
// with no suite in common would look 60% alike for both lacking extensions.
constexpr std::array<double, kKinds> kSetWeight = {0.30, 0.25, 0.075, 0.075};
constexpr std::array<double, kKinds> kOrderWeight = {0.10, 0.05, 0.05, 0.05};
constexpr double kVersionWeight = 0.03;
constexpr double kAlpnWeight = 0.02;
static_assert(0.30 + 0.25 + 0.075 + 0.075 + 0.10 + 0.05 + 0.05 + 0.05 + kVersionWeight +
                  kAlpnWeight ==
              1.0);
// A closest match stays below 1, which means exact: hellos that differ only in what the
// similarity ignores (compression methods, point formats) still differ.
constexpr double kMaxClosest = 0.999;

// Extensions whose presence depends on the connection, not the software (must match
// VOLATILE_EXTENSIONS in tests/families/build_family_table.py): SNI is left out for IP
// addresses, padding only appears in one band of hello sizes (so it follows the SNI's length),
// pre_shared_key and early_data come with resumption, cookie with a second hello.
bool volatile_extension(std::uint16_t type) {
  return type == 0 || type == 21 || type == 41 || type == 42 || type == 44;
}

bool keep_any(std::uint16_t value) { return !hello::is_grease(value); }
bool keep_extension(std::uint16_t type) { return keep_any(type) && !volatile_extension(type); }

// FNV-1a, 64 bits, over big-endian 16-bit values; lists go in with their length first so that
// no two different hellos feed the same bytes. Mirrors fnv_u16s() in the script.
class Fnv {
 public:
  void byte(std::uint8_t value) { state_ = (state_ ^ value) * 0x100000001b3ULL; }
  void u16(std::uint16_t value) {
    byte(static_cast<std::uint8_t>(value >> 8));
    byte(static_cast<std::uint8_t>(value));
  }
  template <typename T, typename Keep>
  void list(const std::vector<T>& values, Keep keep) {
    std::uint16_t count = 0;
    for (const T value : values) count += keep(value) ? 1 : 0;
    u16(count);
    for (const T value : values) {
      if (keep(value)) u16(value);
    }
  }
  std::uint64_t value() const { return state_; }

 private:
  std::uint64_t state_ = 0xcbf29ce484222325ULL;
};

std::uint64_t alpn_hash(const hello::ClientHello& hello) {
  if (hello.alpn.empty()) return 0;
  Fnv fnv;
  fnv.u16(1);  // a one-value list: the number of names
  fnv.u16(static_cast<std::uint16_t>(hello.alpn.size()));
  for (const std::string& name : hello.alpn) {
    fnv.u16(1);
    fnv.u16(static_cast<std::uint16_t>(name.size()));
    for (const char c : name) fnv.byte(static_cast<std::uint8_t>(c));
  }
  return fnv.value();
}

// The hello as the table sees it: per kind, the set of values as bits over the table's universe
// (values the table never saw only add to the count) and where each value first appears.
struct Profile {
  std::array<table::Bits, kKinds> sets{};
  std::array<std::array<std::uint16_t, kMaxUniverse>, kKinds> position;
  bool in_universe = true;  // no value unknown to the table: only then can it match exactly
  std::uint16_t versions = 0;
  std::uint64_t alpn = 0;
};

// The versions offered as bits, SSL 3.0 in bit 0 ... TLS 1.3 in bit 4 (version_mask() in the
// script): supported_versions when sent, else the legacy version. Other codes are left out.
std::uint16_t version_mask(const hello::ClientHello& hello) {
  std::uint16_t mask = 0;
  const auto add = [&](std::uint16_t version) {
    if (version >= 0x0300 && version <= 0x0304) mask |= 1u << (version - 0x0300);
  };
  if (hello.has_supported_versions) {
    for (const std::uint16_t version : hello.supported_versions) add(version);
  } else {
    add(hello.legacy_version);
  }
  return mask;
}

template <typename Keep>
void add_list(const std::vector<std::uint16_t>& values, std::size_t kind, Keep keep,
              Profile& profile) {
  const std::span<const std::uint16_t> universe = table::kTable.universes[kind];
  table::Bits& set = profile.sets[kind];
  std::uint16_t next = 0;
  for (const std::uint16_t value : values) {
    if (!keep(value)) continue;
    const auto found = std::lower_bound(universe.begin(), universe.end(), value);
    if (found == universe.end() || *found != value) {
      profile.in_universe = false;
      ++set.count;  // a hello holds at most 32,767 suites: no overflow
      continue;
    }
    const auto index = static_cast<std::size_t>(found - universe.begin());
    if (profile.position[kind][index] != kAbsent) continue;  // a repeat: the first place counts
    profile.position[kind][index] = next++;
    set.words[index / 64] |= std::uint64_t{1} << (index % 64);
    ++set.count;
  }
}

void build_profile(const hello::ClientHello& hello, Profile& profile) {
  for (auto& positions : profile.position) positions.fill(kAbsent);
  add_list(hello.cipher_suites, table::kCipherKind, keep_any, profile);
  add_list(hello.extensions, table::kExtensionKind, keep_extension, profile);
  add_list(hello.supported_groups, table::kGroupKind, keep_any, profile);
  add_list(hello.signature_algorithms, table::kSigalgKind, keep_any, profile);
  profile.versions = version_mask(hello);
  profile.alpn = alpn_hash(hello);
}

// The key the table is sorted by (exact_key() in the script): the versions, the suites in order,
// the compression methods, the extensions as a set (Chrome shuffles their order), the groups
// and signature algorithms in order, the point formats and the ALPN names; GREASE and the
// volatile extensions left out. Only for a profile in the universe, whose extension bits,
// read in index order, are the sorted extension set.
std::uint64_t exact_key(const hello::ClientHello& hello, const Profile& profile) {
  Fnv fnv;
  fnv.u16(1);
  fnv.u16(hello.legacy_version);
  fnv.list(hello.supported_versions, keep_any);
  fnv.list(hello.cipher_suites, keep_any);
  fnv.list(hello.compression_methods, [](std::uint8_t) { return true; });
  const table::Bits& extensions = profile.sets[table::kExtensionKind];
  fnv.u16(extensions.count);
  const std::span<const std::uint16_t> universe = table::kTable.universes[table::kExtensionKind];
  for (std::size_t word = 0; word < table::kWords; ++word) {
    for (std::uint64_t bits = extensions.words[word]; bits != 0; bits &= bits - 1) {
      fnv.u16(universe[word * 64 + static_cast<std::size_t>(std::countr_zero(bits))]);
    }
  }
  fnv.list(hello.supported_groups, keep_any);
  fnv.list(hello.signature_algorithms, keep_any);
  fnv.list(hello.ec_point_formats, [](std::uint8_t) { return true; });
  fnv.u16(4);
  for (const int shift : {48, 32, 16, 0})
    fnv.u16(static_cast<std::uint16_t>(profile.alpn >> shift));
  return fnv.value();
}

// Jaccard similarity of two sets: shared values over all values; two empty sets are equal.
double set_similarity(const table::Bits& a, const table::Bits& b) {
  int shared = 0;
  for (std::size_t word = 0; word < table::kWords; ++word) {
    shared += std::popcount(a.words[word] & b.words[word]);
  }
  const int all = a.count + b.count - shared;
  return all == 0 ? 1.0 : static_cast<double>(shared) / all;
}

// How far the hello keeps the entry's order: of the values both hold, taken in the entry's
// order, the share of neighbours that the hello sends in the same order. With fewer than two
// shared values there is no order to compare, and the set similarity stands in for it.
double order_similarity(const std::array<std::uint16_t, kMaxUniverse>& position,
                        std::span<const std::uint8_t> entry_list, double set_similarity) {
  int shared = 0;
  int kept = 0;
  std::uint16_t previous = 0;
  for (const std::uint8_t index : entry_list) {
    const std::uint16_t at = position[index];
    if (at == kAbsent) continue;
    if (shared > 0 && at > previous) ++kept;
    previous = at;
    ++shared;
  }
  return shared < 2 ? set_similarity : static_cast<double>(kept) / (shared - 1);
}

}  // namespace

FamilyMatch match_family(const hello::ClientHello& hello) {
  const table::Table& table = table::kTable;
  Profile profile;
  build_profile(hello, profile);

  if (profile.in_universe) {
    const std::uint64_t key = exact_key(hello, profile);
    const auto found =
        std::lower_bound(table.entries.begin(), table.entries.end(), key,
                         [](const table::Entry& entry, std::uint64_t k) { return entry.key < k; });
    if (found != table.entries.end() && found->key == key) {
      return {&table.families[found->family], MatchKind::exact, 1.0};
    }
  }

  double best = -1;
  const table::Entry* best_entry = nullptr;
  for (const table::Entry& entry : table.entries) {
    std::array<double, kKinds> sets{};
    double score = (entry.versions == profile.versions ? kVersionWeight : 0) +
                   (entry.alpn == profile.alpn ? kAlpnWeight : 0);
    double weights = kVersionWeight + kAlpnWeight;
    double order_weights = 0;
    for (std::size_t kind = 0; kind < kKinds; ++kind) {
      if (profile.sets[kind].count == 0 && entry.sets[kind].count == 0) continue;
      sets[kind] = set_similarity(profile.sets[kind], entry.sets[kind]);
      score += kSetWeight[kind] * sets[kind];
      weights += kSetWeight[kind] + kOrderWeight[kind];
      order_weights += kOrderWeight[kind];
    }
    // The order terms cost a walk over the entry's lists: skip it when even perfect order
    // could not beat the best entry so far.
    if ((score + order_weights) / weights <= best) continue;
    for (std::size_t kind = 0; kind < kKinds; ++kind) {
      if (profile.sets[kind].count == 0 && entry.sets[kind].count == 0) continue;
      const table::ListRef list = entry.lists[kind];
      score += kOrderWeight[kind] * order_similarity(profile.position[kind],
                                                     table.order.subspan(list.offset, list.length),
                                                     sets[kind]);
    }
    score /= weights;
    if (score > best) {
      best = score;
      best_entry = &entry;
    }
  }
  if (best_entry == nullptr || best < kUnknownBelow) {
    return {nullptr, MatchKind::unknown, std::clamp(best, 0.0, kMaxClosest)};
  }
  return {&table.families[best_entry->family], MatchKind::closest, std::min(best, kMaxClosest)};
}

std::span<const Family> all_families() { return table::kTable.families; }

const Family* find_family(std::string_view id) {
  for (const Family& family : table::kTable.families) {
    if (family.id == id) return &family;
  }
  return nullptr;
}

std::size_t family_slot(const FamilyMatch& match) {
  if (match.family == nullptr) return 0;
  return static_cast<std::size_t>(match.family - table::kTable.families.data()) + 1;
}

std::string_view family_label(const FamilyMatch& match) {
  return match.family != nullptr ? match.family->id : kUnknownFamily;
}

std::string_view to_string(MatchKind kind) {
  switch (kind) {
    case MatchKind::exact:
      return "exact";
    case MatchKind::closest:
      return "closest";
    case MatchKind::unknown:
      return "unknown";
  }
  return "unknown";
}

}  // namespace tlsfloor::families
