#pragma once
// Which software a ClientHello comes from: a pure matcher over the parsed hello and the generated
// family table (family_table.cpp, built by tests/families/build_family_table.py from testssl.sh's
// client simulations and from captures of real clients). No I/O, no allocation, no locks: it
// runs in the TLS early callback. Cost: one pass over the hello's lists and a binary search,
// about 0.6 us, for a hello the table holds; otherwise also a comparison with every entry made
// of bit operations and short byte walks, about 6 us (measured: tests/families/README.md).
#include <cstddef>
#include <span>
#include <string_view>

#include "proxy/families/family.h"
#include "proxy/hello/client_hello.h"

namespace tlsfloor::families {

enum class MatchKind {
  exact,    // the hello is one the table holds (GREASE, SNI and padding aside)
  closest,  // the most similar entry's family, similar enough to be worth naming
  unknown,  // nothing in the table is close enough
};

struct FamilyMatch {
  /// The family; null when kind is unknown.
  const Family* family = nullptr;
  MatchKind kind = MatchKind::unknown;
  /// 1 for an exact match; else the similarity in [0, 1] to the closest entry (also when that
  /// is below kUnknownBelow and the answer is unknown).
  double confidence = 0;
};

/// Similarities below this name no family: the answer is unknown.
// Chosen from the held-out evaluation (tests/families/README.md): every wrong answer there
// scored 0.78 or more and the lowest right one 0.53 (IE 8 on XP against IE 6's entry), so no
// threshold turns wrong answers into unknown without first losing right ones; 0.5 sits just
// below the lowest right answer. A hello sharing no suite and no extension with the table
// scores about 0.1 (only the version and ALPN terms can agree), far below.
inline constexpr double kUnknownBelow = 0.5;

/// The family of `hello`: an exact match on the table when there is one, else the family of the
/// most similar entry when its similarity reaches kUnknownBelow, else unknown. Never throws.
FamilyMatch match_family(const hello::ClientHello& hello);

/// Every family the table can answer, in a fixed order: with "unknown" they are all the values
/// a family label can take.
std::span<const Family> all_families();

/// "exact", "closest" or "unknown".
std::string_view to_string(MatchKind kind);

/// The family labelled `id`, or null (also for "unknown").
const Family* find_family(std::string_view id);

/// The label every view gives a handshake no family names.
inline constexpr std::string_view kUnknownFamily = "unknown";

/// Where a match sits in a list of every label a family view can show: 0 for unknown, then the
/// position in all_families() plus one. Lets a counter per family be an array slot.
std::size_t family_slot(const FamilyMatch& match);

/// The label of a match: the family's id, or kUnknownFamily.
std::string_view family_label(const FamilyMatch& match);

}  // namespace tlsfloor::families
