#include "metrics/report/label_table.h"

#include <algorithm>
#include <tuple>

#include "config/bounded_text.h"

namespace tlsfloor::report {

LabelTable::Entry& LabelTable::entry_for(std::string_view label) {
  auto entry = entries_.find(label);
  if (entry != entries_.end()) return entry->second;
  if (entries_.size() >= kMaxRows) {
    label = kOther;
    entry = entries_.find(label);
    if (entry != entries_.end()) return entry->second;
  }
  Entry fresh;
  fresh.row.label = label;
  fresh.id = static_cast<std::uint32_t>(entries_.size());
  return entries_.emplace(std::string(label), std::move(fresh)).first->second;
}

void LabelTable::add(std::string_view label, std::uint32_t client_id,
                     const HandshakeRecord& record) {
  Entry& entry = entry_for(config::utf8_prefix(label));
  entry.row.affected.add(record);
  if (client_pairs_.insert(std::uint64_t{client_id} << 32 | entry.id).second) {
    ++entry.row.clients;
  }
}

void LabelTable::merge(LabelTable&& later, const std::vector<std::uint32_t>& client_ids) {
  // The later table's labels, in this one's numbering (beyond kMaxRows, its kOther row).
  std::vector<std::uint32_t> ids(later.entries_.size());
  for (auto& [label, theirs] : later.entries_) {
    Entry& mine = entry_for(label);
    mine.row.affected.merge(theirs.row.affected);
    ids[theirs.id] = mine.id;
  }
  std::vector<LabelRow*> rows(entries_.size());
  for (auto& [label, entry] : entries_) rows[entry.id] = &entry.row;
  // A client both tables saw under one label counts once.
  for (const std::uint64_t pair : later.client_pairs_) {
    const std::uint32_t id = ids[pair & 0xffffffffu];
    if (client_pairs_.insert(std::uint64_t{client_ids[pair >> 32]} << 32 | id).second) {
      ++rows[id]->clients;
    }
  }
  later = LabelTable();
}

std::vector<const LabelRow*> LabelTable::rows() const {
  std::vector<const LabelRow*> rows;
  rows.reserve(entries_.size());
  for (const auto& [label, entry] : entries_) rows.push_back(&entry.row);
  std::sort(rows.begin(), rows.end(), [](const LabelRow* a, const LabelRow* b) {
    return std::tie(b->affected.count, a->label) < std::tie(a->affected.count, b->label);
  });
  return rows;
}

}  // namespace tlsfloor::report
