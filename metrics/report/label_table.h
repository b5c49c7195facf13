#pragma once
// Affected handshakes grouped by a label each log line gives its client (its family, its
// owner): per label, the handshakes and the distinct clients. Bounded: a log may come from
// anywhere, so after kMaxRows distinct labels the rest share one row.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "metrics/report/affected_handshakes.h"

namespace tlsfloor::report {

/// One label with at least one affected handshake ("" for lines without the label).
struct LabelRow {
  std::string label;
  AffectedHandshakes affected;
  std::uint64_t clients = 0;  // distinct clients (after prefix grouping), exact
};

class LabelTable {
 public:
  /// Labels with a row of their own: the proxy's family table has fewer than 100, and an owner
  /// directory rarely more; further labels count as kOther.
  static constexpr std::size_t kMaxRows = 256;
  static constexpr std::string_view kOther = "(other)";

  /// Counts `record` (affected) from the client numbered `client_id` under `label` (cut at a
  /// UTF-8 boundary like the report's other values).
  void add(std::string_view label, std::uint32_t client_id, const HandshakeRecord& record);
  /// Adds the table of the lines read after this one's: `client_ids` renumbers the later
  /// report's clients into this one's (HandshakeReport::merge).
  void merge(LabelTable&& later, const std::vector<std::uint32_t>& client_ids);
  /// Heaviest first; equal counts by label.
  std::vector<const LabelRow*> rows() const;

 private:
  struct Entry {
    LabelRow row;
    std::uint32_t id = 0;
  };
  Entry& entry_for(std::string_view label);

  std::map<std::string, Entry, std::less<>> entries_;
  // (client id << 32 | label id) of every pair seen, for the exact distinct-client counts.
  std::unordered_set<std::uint64_t> client_pairs_;
};

}  // namespace tlsfloor::report
