#include "proxy/state/exception_ledger.h"

#include <algorithm>
#include <chrono>

namespace tlsfloor::state {
namespace {

std::int64_t to_nanoseconds(config::Timestamp when) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
}

}  // namespace

void ExceptionUse::record(config::Timestamp when) {
  handshakes_.fetch_add(1, std::memory_order_relaxed);
  raise_last_used(when);
}

void ExceptionUse::raise_last_used(config::Timestamp when) {
  // Workers record concurrently with slightly different clocks: keep the latest.
  const std::int64_t wanted = to_nanoseconds(when);
  std::int64_t seen = last_used_ns_.load(std::memory_order_relaxed);
  while (seen < wanted &&
         !last_used_ns_.compare_exchange_weak(seen, wanted, std::memory_order_relaxed)) {
  }
}

std::optional<config::Timestamp> ExceptionUse::last_used() const {
  const std::int64_t ns = last_used_ns_.load(std::memory_order_relaxed);
  if (ns == 0) return std::nullopt;
  return config::Timestamp(
      std::chrono::duration_cast<config::Timestamp::duration>(std::chrono::nanoseconds(ns)));
}

ExceptionLedger::ExceptionLedger(std::optional<std::string> state_file)
    : path_(std::move(state_file)) {
  if (path_) {
    remembered_ = load_state_file(*path_);
    saved_ = remembered_;
  }
}

std::vector<const config::ExceptionConfig*> configured_exceptions(
    const config::ListenerConfig& listener) {
  std::vector<const config::ExceptionConfig*> exceptions;
  for (const auto& exception : listener.exceptions) exceptions.push_back(&exception);
  for (const auto& route : listener.routes) {
    for (const auto& exception : route.exceptions) {
      if (exception.route == route.name) exceptions.push_back(&exception);
    }
  }
  return exceptions;
}

std::string ledger_name(const config::ExceptionConfig& exception) {
  return exception.route == config::kDefaultRouteName ? exception.name
                                                      : exception.route + "/" + exception.name;
}

std::shared_ptr<ExceptionUse> ExceptionLedger::use(const std::string& listener,
                                                   const std::string& exception) {
  const Key key{listener, exception};
  auto& use = uses_[key];
  if (!use) {
    use = std::make_shared<ExceptionUse>();
    if (const auto it = remembered_.find(key); it != remembered_.end() && it->second.last_used) {
      use->remember(*it->second.last_used);
    }
  }
  return use;
}

void ExceptionLedger::adopt(const config::ListenerConfig& listener, config::Timestamp now) {
  for (const auto* exception : configured_exceptions(listener)) {
    const Key key{listener.name, ledger_name(*exception)};
    const auto it = remembered_.find(key);
    first_loaded_.try_emplace(key, it != remembered_.end() ? it->second.first_loaded : now);
  }
}

ExceptionUsages ExceptionLedger::snapshot() const {
  ExceptionUsages usages;
  for (const auto& [key, first_loaded] : first_loaded_) {
    const auto use = uses_.find(key);
    usages[key] = {first_loaded, use != uses_.end() ? use->second->last_used() : std::nullopt};
  }
  return usages;
}

void ExceptionLedger::save(const ConfiguredListeners& listeners, bool force) {
  // Exceptions no longer configured are forgotten, so the file does not grow with every
  // override ever written.
  const auto configured = [&](const Key& key) {
    return std::any_of(listeners.begin(), listeners.end(), [&](const auto* listener) {
      if (listener->name != key.first) return false;
      const auto exceptions = configured_exceptions(*listener);
      return std::any_of(exceptions.begin(), exceptions.end(), [&](const auto* exception) {
        return ledger_name(*exception) == key.second;
      });
    });
  };
  std::erase_if(first_loaded_, [&](const auto& entry) { return !configured(entry.first); });
  std::erase_if(uses_, [&](const auto& entry) { return !configured(entry.first); });
  std::erase_if(remembered_, [&](const auto& entry) { return !configured(entry.first); });
  const ExceptionUsages usages = snapshot();
  if (!path_ || (!force && usages == saved_)) return;
  if (save_state_file(*path_, usages)) saved_ = usages;
}

std::vector<ExceptionRecord> ExceptionLedger::records(const ConfiguredListeners& listeners) const {
  std::vector<ExceptionRecord> records;
  for (const auto* listener : listeners) {
    for (const auto* exception : configured_exceptions(*listener)) {
      const Key key{listener->name, ledger_name(*exception)};
      ExceptionRecord record;
      record.listener = listener->name;
      record.exception = exception;
      if (const auto it = uses_.find(key); it != uses_.end()) {
        record.handshakes = it->second->handshakes();
        record.last_used = it->second->last_used();
      }
      if (const auto it = first_loaded_.find(key); it != first_loaded_.end()) {
        record.first_loaded = it->second;
      }
      records.push_back(std::move(record));
    }
  }
  return records;
}

}  // namespace tlsfloor::state
