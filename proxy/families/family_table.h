#pragma once
// The shape of the generated client family table (family_table.cpp, written by
// tests/families/build_family_table.py from real ClientHellos). Everything the matcher compares
// per entry is precomputed here, so matching a hello costs bit operations and short walks over
// byte arrays, never an allocation. Internal to proxy/families/: use family_matcher.h.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "proxy/families/family.h"

namespace tlsfloor::families::table {

/// The lists a hello is compared on, in this order: cipher suites, extensions (without the ones
/// that depend on the connection rather than the software: SNI, padding, pre_shared_key,
/// early_data, cookie), supported groups, signature algorithms. GREASE is left out of all.
inline constexpr std::size_t kKinds = 4;
inline constexpr std::size_t kCipherKind = 0;
inline constexpr std::size_t kExtensionKind = 1;
inline constexpr std::size_t kGroupKind = 2;
inline constexpr std::size_t kSigalgKind = 3;

/// The most distinct values of one kind the table may hold (the script refuses more): a value
/// is then a byte-sized index and a set is four words.
inline constexpr std::size_t kMaxUniverse = 256;
inline constexpr std::size_t kWords = kMaxUniverse / 64;

/// A set of values of one kind, as bits over that kind's universe, with its size.
struct Bits {
  std::array<std::uint64_t, kWords> words;
  std::uint16_t count;
};

/// Where one entry's list of one kind lies in Table::order.
struct ListRef {
  std::uint16_t offset;
  std::uint16_t length;
};

/// One distinct hello of the table (several captures may share it).
struct Entry {
  std::uint64_t key;       // exact_key() of the hello; the entries are sorted by it
  std::uint16_t family;    // index into Table::families
  std::uint16_t versions;  // the versions offered: bit 0 SSL 3.0 ... bit 4 TLS 1.3
  std::uint64_t alpn;      // hash of the ALPN names, 0 without ALPN
  std::array<ListRef, kKinds> lists;
  std::array<Bits, kKinds> sets;
};

struct Table {
  std::span<const Family> families;
  /// Per kind, every value some entry holds, ascending: a value's index is its position.
  std::array<std::span<const std::uint16_t>, kKinds> universes;
  /// The entries' lists in the client's order, as universe indexes.
  std::span<const std::uint8_t> order;
  std::span<const Entry> entries;
};

extern const Table kTable;

}  // namespace tlsfloor::families::table
