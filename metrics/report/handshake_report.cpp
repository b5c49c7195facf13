#include "metrics/report/handshake_report.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <functional>
#include <limits>
#include <tuple>

#include "config/bounded_text.h"
#include "config/owner_directory.h"

namespace tlsfloor::report {
namespace {

// The values a client row keeps of its handshakes, each with the record field it comes from:
// add() and merge() both go through this one list, so that a new one cannot be added to one and
// forgotten in the other (merge once dropped the certificates).
constexpr std::array kClientValues = {
    std::pair{&ClientRow::server_names, &HandshakeRecord::server_name},
    std::pair{&ClientRow::fingerprints, &HandshakeRecord::ja4},
    std::pair{&ClientRow::certificates, &HandshakeRecord::certificate_subject},
    std::pair{&ClientRow::listeners, &HandshakeRecord::listener},
    std::pair{&ClientRow::routes, &HandshakeRecord::route},
    std::pair{&ClientRow::failures, &HandshakeRecord::failure},
    std::pair{&ClientRow::families, &HandshakeRecord::family},
    std::pair{&ClientRow::owners, &HandshakeRecord::owner},
};

// Adds `handshakes` to `day`, keeping the latest kReportDays days.
void count_day(std::map<std::int64_t, std::uint64_t>& days, std::int64_t day,
               std::uint64_t handshakes) {
  days[day] += handshakes;
  if (days.size() > kReportDays) days.erase(days.begin());
}

}  // namespace

void DistinctValues::add(std::string_view value) {
  if (value.empty()) return;
  value = config::utf8_prefix(value);
  if (std::find(kept_.begin(), kept_.end(), value) != kept_.end()) return;
  if (kept_.size() < kMaxKept) {
    kept_.emplace_back(value);
    return;
  }
  add_hash(std::hash<std::string_view>{}(value));
}

void DistinctValues::add_hash(std::uint64_t hash) {
  const auto position = std::lower_bound(more_hashes_.begin(), more_hashes_.end(), hash);
  if (position != more_hashes_.end() && *position == hash) return;
  if (more_hashes_.size() >= kMaxCounted) {
    saturated_ = true;
    return;
  }
  more_hashes_.insert(position, hash);
}

void DistinctValues::merge(const DistinctValues& later) {
  // `later`'s distinct values, in the order it first saw them, are its kept ones and then those
  // it only hashed. Its kept ones go first, as add() would take them. They always fill kept_
  // when `later` hashed any: of its kMaxKept kept values at most kept_.size() were kept here.
  for (const std::string& value : later.kept_) add(value);
  if (!later.more_hashes_.empty()) {
    // The values it hashed count here unless they are kept here (known by their hash only).
    std::array<std::uint64_t, kMaxKept> kept_hashes{};
    for (std::size_t i = 0; i < kept_.size(); ++i) {
      kept_hashes[i] = std::hash<std::string_view>{}(kept_[i]);
    }
    const auto kept_end = kept_hashes.begin() + static_cast<std::ptrdiff_t>(kept_.size());
    std::vector<std::uint64_t> merged;
    merged.reserve(more_hashes_.size() + later.more_hashes_.size());
    auto mine = more_hashes_.begin();
    for (const std::uint64_t hash : later.more_hashes_) {
      if (std::find(kept_hashes.begin(), kept_end, hash) != kept_end) continue;
      while (mine != more_hashes_.end() && *mine < hash) merged.push_back(*mine++);
      if (mine != more_hashes_.end() && *mine == hash) ++mine;
      merged.push_back(hash);
    }
    merged.insert(merged.end(), mine, more_hashes_.end());
    // Which kMaxCounted are kept no longer matters once counting has stopped.
    if (merged.size() > kMaxCounted) {
      saturated_ = true;
      merged.resize(kMaxCounted);
    }
    more_hashes_ = std::move(merged);
  }
  // More than kMaxCounted beyond its kept ones stay more than that beyond kept_.
  saturated_ = saturated_ || later.saturated_;
}

void ReplicaRow::add(config::Timestamp time, std::chrono::seconds gap) {
  first_seen_ = lines_ == 0 ? time : std::min(first_seen_, time);
  last_seen_ = lines_ == 0 ? time : std::max(last_seen_, time);
  ++lines_;
  if (gap.count() <= 0) return;
  // Lines mostly come in time order: the newest span just grows.
  if (!spans_.empty() && last_span_ + 1 == spans_.size()) {
    Span& span = spans_.back();
    if (time >= span.begin && time <= span.end + gap) {
      span.end = std::max(span.end, time);
      return;
    }
  }
  add_span({time, time}, gap);
}

void ReplicaRow::add_span(Span span, std::chrono::seconds gap) {
  // Spans are sorted by begin and by end alike (they are disjoint): the first that comes within
  // the threshold of `span`, and every one after it that does, become one.
  auto first = std::lower_bound(spans_.begin(), spans_.end(), span.begin - gap,
                                [](const Span& s, config::Timestamp t) { return s.end < t; });
  auto last = first;
  while (last != spans_.end() && last->begin <= span.end + gap) {
    span.begin = std::min(span.begin, last->begin);
    span.end = std::max(span.end, last->end);
    ++last;
  }
  if (first == last) {
    first = spans_.insert(first, span);
  } else {
    *first = span;
    first = spans_.erase(first + 1, last) - 1;
  }
  last_span_ = static_cast<std::size_t>(first - spans_.begin());
  if (spans_.size() > 2 * kMaxSpans) join_closest();
}

void ReplicaRow::join_closest() {
  // The kMaxSpans - 1 longest gaps stay; the shorter ones are joined (the count becomes a lower
  // bound, the longest gap stays exact). Amortised: this runs once per kMaxSpans new spans.
  std::vector<config::Timestamp::duration> gaps;
  gaps.reserve(spans_.size() - 1);
  for (std::size_t i = 1; i < spans_.size(); ++i) {
    gaps.push_back(spans_[i].begin - spans_[i - 1].end);
  }
  const std::size_t keep = kMaxSpans - 1;
  std::nth_element(gaps.begin(), gaps.end() - static_cast<std::ptrdiff_t>(keep), gaps.end());
  const auto shortest_kept = *(gaps.end() - static_cast<std::ptrdiff_t>(keep));
  // Of the gaps as long as the shortest kept one, keep only as many as fit.
  std::size_t equal_kept = static_cast<std::size_t>(
      std::count(gaps.end() - static_cast<std::ptrdiff_t>(keep), gaps.end(), shortest_kept));
  std::vector<Span> joined;
  joined.reserve(kMaxSpans);
  joined.push_back(spans_.front());
  for (std::size_t i = 1; i < spans_.size(); ++i) {
    const auto gap = spans_[i].begin - joined.back().end;
    bool kept = gap > shortest_kept;
    if (gap == shortest_kept && equal_kept > 0) {
      kept = true;
      --equal_kept;
    }
    if (kept) {
      joined.push_back(spans_[i]);
    } else {
      joined.back().end = spans_[i].end;
    }
  }
  spans_ = std::move(joined);
  last_span_ = spans_.size() - 1;
  spans_joined_ = true;
}

void ReplicaRow::merge(const ReplicaRow& other, std::chrono::seconds gap) {
  if (other.lines_ == 0) return;
  first_seen_ = lines_ == 0 ? other.first_seen_ : std::min(first_seen_, other.first_seen_);
  last_seen_ = lines_ == 0 ? other.last_seen_ : std::max(last_seen_, other.last_seen_);
  lines_ += other.lines_;
  for (const Span& span : other.spans_) add_span(span, gap);
  spans_joined_ = spans_joined_ || other.spans_joined_;
}

std::optional<ReplicaRow::Gap> ReplicaRow::longest_gap() const {
  std::optional<Gap> longest;
  for (std::size_t i = 1; i < spans_.size(); ++i) {
    if (!longest || spans_[i].begin - spans_[i - 1].end > longest->to - longest->from) {
      longest = Gap{spans_[i - 1].end, spans_[i].begin};
    }
  }
  return longest;
}

HandshakeReport::HandshakeReport(Settings settings) : settings_(settings) {}

bool HandshakeReport::is_affected(std::uint16_t highest_offered) const {
  // "unknown" is 0, below every version's wire code.
  return settings_.floor && highest_offered < static_cast<std::uint16_t>(*settings_.floor);
}

bool HandshakeReport::is_affected(const HandshakeRecord& record) const {
  if (is_affected(record.highest_offered)) return true;
  if (settings_.ciphers && record.offered_ciphers && record.highest_offered != 0 &&
      !config::shares_suite(*record.offered_ciphers, *settings_.ciphers, record.highest_offered)) {
    return true;
  }
  if (!record.offered_groups || record.highest_offered == 0) return false;
  if (settings_.pq && !record.pq_offered) return true;
  return settings_.groups && !shares_candidate_group(record);
}

bool HandshakeReport::shares_candidate_group(const HandshakeRecord& record) const {
  const std::vector<std::uint16_t>& offered = *record.offered_groups;
  if (offered.empty()) return true;  // names no group: its suite's key exchange, not judged here
  const bool tls13 = record.highest_offered >= config::wire::kTls1_3;
  return std::any_of(offered.begin(), offered.end(), [&](std::uint16_t group) {
    return (tls13 || !config::is_tls13_only(group)) &&
           std::find(settings_.groups->begin(), settings_.groups->end(), group) !=
               settings_.groups->end();
  });
}

std::string group_list_cell(const HandshakeRecord& record) {
  if (!record.offered_groups || record.offered_groups->empty()) return "-";
  return config::group_list_text(*record.offered_groups);
}

std::vector<std::uint16_t> HandshakeReport::affected_versions() const {
  std::vector<std::uint16_t> versions;
  // A cipher list can leave clients of any version below TLS 1.3 without a suite, a group list
  // (or the want of a post-quantum one) clients of any version.
  const std::uint16_t last = judges_key_exchange() ? config::wire::kTls1_3
                             : settings_.ciphers   ? config::wire::kTls1_2
                                                   : 0;
  for (std::uint16_t wire = config::wire::kSsl3_0; is_affected(wire) || wire <= last; ++wire) {
    versions.push_back(wire);
  }
  versions.push_back(0);  // unknown
  return versions;
}

void HandshakeReport::add(const HandshakeRecord& record) {
  // Every line counts for its replica, whatever its route: a gap is the log's, not a route's.
  const std::string_view host = config::utf8_prefix(record.host);
  if (last_replica_ == nullptr || last_replica_->host() != host) {
    auto replica = replicas_.find(host);
    if (replica == replicas_.end()) {
      hosts_named_ = hosts_named_ || !host.empty();
      replica = replicas_.emplace(std::string(host), ReplicaRow(std::string(host))).first;
    }
    last_replica_ = &replica->second;
  }
  last_replica_->add(record.time, settings_.gap);

  if (settings_.route && record.route != *settings_.route) {
    ++totals_.other_routes;
    return;
  }
  if (settings_.owner &&
      (*settings_.owner == config::kUnowned ? !record.owner.empty()
                                            : record.owner != *settings_.owner)) {
    ++totals_.other_owners;
    return;
  }
  ++totals_.handshakes;
  // Cut like DistinctValues: names come from the log, which may come from anywhere.
  const std::pair<std::string_view, std::string_view> route_key{
      config::utf8_prefix(record.listener), config::utf8_prefix(record.route)};
  auto route_entry = routes_.find(route_key);
  if (route_entry == routes_.end()) {
    route_entry = routes_.emplace(std::pair<std::string, std::string>(route_key), RouteRow{}).first;
    route_entry->second.listener = route_key.first;
    route_entry->second.route = route_key.second;
    if (settings_.deadlines) {
      if (const RouteDeadline* deadline =
              settings_.deadlines->find(route_entry->second.listener, route_entry->second.route)) {
        route_entry->second.deadline = *deadline;
      }
    }
  }
  RouteRow& route = route_entry->second;
  ++route.handshakes;
  totals_.first_seen =
      totals_.first_seen ? std::min(*totals_.first_seen, record.time) : record.time;
  totals_.last_seen = totals_.last_seen ? std::max(*totals_.last_seen, record.time) : record.time;
  if (settings_.ciphers && !record.offered_ciphers) ++totals_.without_ciphers;
  if (judges_key_exchange() && !record.offered_groups) ++totals_.without_groups;
  if (!is_affected(record)) return;
  ++totals_.affected;
  count_day(totals_.affected_by_day,
            std::chrono::floor<std::chrono::days>(record.time).time_since_epoch().count(), 1);
  totals_.affected_detail.add(record);
  route.affected.add(record);

  const config::AddressPrefix key =
      config::masked(record.client, settings_.ipv4_prefix, settings_.ipv6_prefix);
  auto client = clients_.find(key);
  if (client == clients_.end()) {
    assert(clients_.size() < std::numeric_limits<std::uint32_t>::max());
    ClientEntry entry;
    entry.row.client = key;
    entry.row.client_text = to_string(key);
    entry.id = static_cast<std::uint32_t>(clients_.size());
    client = clients_.emplace(key, std::move(entry)).first;
  }
  ClientRow& client_row = client->second.row;
  client_row.affected.add(record);
  for (const auto& [values, field] : kClientValues) (client_row.*values).add(record.*field);
  // A route that serves it today breaks it on the day its schedule starts refusing.
  if (route.deadline && !record.failed) {
    client_row.breaks = earliest(client_row.breaks, route.deadline->breaks);
  }
  if (judges_key_exchange()) client_row.group_lists.add(group_list_cell(record));

  // Cut like the values in DistinctValues, so that a row's size is bounded whatever the log.
  const std::string_view ja4 = config::utf8_prefix(record.ja4);
  auto fingerprint = fingerprints_.find(ja4);
  if (fingerprint == fingerprints_.end()) {
    assert(fingerprints_.size() < std::numeric_limits<std::uint32_t>::max());
    FingerprintEntry entry;
    entry.row.ja4 = ja4;
    entry.id = static_cast<std::uint32_t>(fingerprints_.size());
    fingerprint = fingerprints_.emplace(std::string(ja4), std::move(entry)).first;
  }
  FingerprintRow& fingerprint_row = fingerprint->second.row;
  fingerprint_row.affected.add(record);
  fingerprint_row.server_names.add(record.server_name);
  if (judges_key_exchange()) fingerprint_row.group_lists.add(group_list_cell(record));
  const std::uint64_t pair = std::uint64_t{client->second.id} << 32 | fingerprint->second.id;
  if (client_fingerprint_pairs_.insert(pair).second) ++fingerprint_row.clients;

  families_.add(record.family, client->second.id, record);
  owners_.add(record.owner, client->second.id, record);
}

namespace {

// Moves `theirs`' rows into `mine`, merging (with `merge_row`) those both have; returns the id
// each of theirs has in `mine`, by its old id.
template <typename Map, typename MergeRow>
std::vector<std::uint32_t> merge_rows(Map& mine, Map& theirs, MergeRow merge_row) {
  std::vector<std::uint32_t> ids(theirs.size());
  for (auto it = theirs.begin(); it != theirs.end();) {
    auto& entry = it->second;
    const auto found = mine.find(it->first);
    if (found != mine.end()) {
      ids[entry.id] = found->second.id;
      merge_row(found->second.row, entry.row);
      ++it;
      continue;
    }
    assert(mine.size() < std::numeric_limits<std::uint32_t>::max());
    const std::uint32_t old_id = entry.id;
    entry.id = static_cast<std::uint32_t>(mine.size());
    ids[old_id] = entry.id;
    // The node itself moves over: no row is ever held twice.
    mine.insert(theirs.extract(it++));
  }
  return ids;
}

}  // namespace

void HandshakeReport::merge(HandshakeReport&& later) {
  ReportTotals& totals = totals_;
  const ReportTotals& other = later.totals_;
  totals.files += other.files;
  totals.handshakes += other.handshakes;
  totals.affected += other.affected;
  totals.affected_detail.merge(other.affected_detail);
  totals.malformed_lines += other.malformed_lines;
  totals.other_routes += other.other_routes;
  totals.other_owners += other.other_owners;
  totals.without_groups += other.without_groups;
  for (const auto& [day, handshakes] : other.affected_by_day) {
    count_day(totals.affected_by_day, day, handshakes);
  }
  totals.without_ciphers += other.without_ciphers;
  if (other.first_seen) {
    totals.first_seen =
        totals.first_seen ? std::min(*totals.first_seen, *other.first_seen) : *other.first_seen;
  }
  if (other.last_seen) {
    totals.last_seen =
        totals.last_seen ? std::max(*totals.last_seen, *other.last_seen) : *other.last_seen;
  }

  for (auto& [key, row] : later.routes_) {
    const auto route = routes_.find(key);
    if (route == routes_.end()) {
      routes_.emplace(key, std::move(row));
    } else {
      route->second.handshakes += row.handshakes;
      route->second.affected.merge(row.affected);
    }
  }

  for (auto& [host, row] : later.replicas_) {
    auto replica = replicas_.find(host);
    if (replica == replicas_.end()) {
      replica = replicas_.emplace(host, ReplicaRow(host)).first;
    }
    replica->second.merge(row, settings_.gap);
  }
  hosts_named_ = hosts_named_ || later.hosts_named_;

  // Rows are renumbered: `later`'s ids become this report's.
  const std::vector<std::uint32_t> client_ids =
      merge_rows(clients_, later.clients_, [](ClientRow& row, const ClientRow& other) {
        row.affected.merge(other.affected);
        for (const auto& [values, field] : kClientValues) (row.*values).merge(other.*values);
        // Not in kClientValues: added only when the report judges key exchange.
        row.group_lists.merge(other.group_lists);
        row.breaks = earliest(row.breaks, other.breaks);
      });
  for (auto& [ja4, entry] : later.fingerprints_) entry.row.clients = 0;  // counted from pairs
  const std::vector<std::uint32_t> fingerprint_ids = merge_rows(
      fingerprints_, later.fingerprints_, [](FingerprintRow& row, const FingerprintRow& other) {
        row.affected.merge(other.affected);
        row.server_names.merge(other.server_names);
        row.group_lists.merge(other.group_lists);
      });
  // The distinct clients of a fingerprint: the union of both reports' (client, fingerprint)
  // pairs, so a client seen by both counts once.
  std::vector<FingerprintRow*> fingerprint_rows(fingerprints_.size());
  for (auto& [ja4, entry] : fingerprints_) fingerprint_rows[entry.id] = &entry.row;
  for (const std::uint64_t pair : later.client_fingerprint_pairs_) {
    const std::uint32_t fingerprint = fingerprint_ids[pair & 0xffffffffu];
    const std::uint64_t renumbered = std::uint64_t{client_ids[pair >> 32]} << 32 | fingerprint;
    if (client_fingerprint_pairs_.insert(renumbered).second) {
      ++fingerprint_rows[fingerprint]->clients;
    }
  }

  families_.merge(std::move(later.families_), client_ids);
  owners_.merge(std::move(later.owners_), client_ids);
  later = HandshakeReport(settings_);
}

std::vector<const ReplicaRow*> HandshakeReport::replicas() const {
  std::vector<const ReplicaRow*> rows;
  rows.reserve(replicas_.size());
  for (const auto& [host, row] : replicas_) rows.push_back(&row);
  return rows;
}

std::vector<const ClientRow*> HandshakeReport::clients() const {
  std::vector<const ClientRow*> rows;
  rows.reserve(clients_.size());
  for (const auto& [key, entry] : clients_) rows.push_back(&entry.row);
  std::sort(rows.begin(), rows.end(), [](const ClientRow* a, const ClientRow* b) {
    return std::tie(b->affected.count, a->client_text) <
           std::tie(a->affected.count, b->client_text);
  });
  return rows;
}

std::vector<const ClientRow*> HandshakeReport::clients_that_would_break() const {
  std::vector<const ClientRow*> rows = clients();
  std::erase_if(rows, [](const ClientRow* row) { return !row->would_break(); });
  return rows;
}

std::vector<const ClientRow*> HandshakeReport::clients_failing_today() const {
  std::vector<const ClientRow*> rows = clients();
  std::erase_if(rows, [](const ClientRow* row) { return row->would_break(); });
  return rows;
}

std::vector<const FingerprintRow*> HandshakeReport::fingerprints() const {
  std::vector<const FingerprintRow*> rows;
  rows.reserve(fingerprints_.size());
  for (const auto& [ja4, entry] : fingerprints_) rows.push_back(&entry.row);
  std::sort(rows.begin(), rows.end(), [](const FingerprintRow* a, const FingerprintRow* b) {
    return std::tie(b->affected.count, a->ja4) < std::tie(a->affected.count, b->ja4);
  });
  return rows;
}

std::vector<const RouteRow*> HandshakeReport::routes() const {
  std::vector<const RouteRow*> rows;
  rows.reserve(routes_.size());
  for (const auto& [key, row] : routes_) rows.push_back(&row);
  std::sort(rows.begin(), rows.end(), [](const RouteRow* a, const RouteRow* b) {
    return std::tie(b->affected.count, a->listener, a->route) <
           std::tie(a->affected.count, b->listener, b->route);
  });
  return rows;
}

}  // namespace tlsfloor::report
