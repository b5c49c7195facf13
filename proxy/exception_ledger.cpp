#include "proxy/exception_ledger.h"

#include <algorithm>
#include <chrono>

namespace tlsfloor::proxy {
namespace {

std::optional<config::Timestamp> gauge_time(const prometheus::Gauge& gauge) {
  const double seconds = gauge.Value();
  if (seconds <= 0) return std::nullopt;  // 0: never used
  return config::from_unix_seconds(seconds);
}

}  // namespace

ExceptionLedger::ExceptionLedger(std::optional<std::string> state_file)
    : path_(std::move(state_file)) {
  if (path_) {
    usages_ = load_state_file(*path_);
    saved_ = usages_;
  }
}

void ExceptionLedger::adopt(const ListenerRuntime& runtime, config::Timestamp now) {
  for (std::size_t i = 0; i < runtime.config.exceptions.size(); ++i) {
    const auto key = std::pair(runtime.config.name, runtime.config.exceptions[i].name);
    auto [it, added] = usages_.try_emplace(key, ExceptionUsage{now, std::nullopt});
    prometheus::Gauge& last_used = runtime.exception_metrics[i]->last_used;
    if (!added && it->second.last_used &&
        config::to_unix_seconds(*it->second.last_used) > last_used.Value()) {
      last_used.Set(config::to_unix_seconds(*it->second.last_used));
    }
  }
}

void ExceptionLedger::refresh(const std::vector<std::shared_ptr<const ListenerRuntime>>& runtimes) {
  // Exceptions no longer configured are forgotten, so the file does not grow with every
  // override ever written.
  std::erase_if(usages_, [&](const auto& entry) {
    return std::none_of(runtimes.begin(), runtimes.end(), [&](const auto& runtime) {
      return runtime->config.name == entry.first.first &&
             std::any_of(
                 runtime->config.exceptions.begin(), runtime->config.exceptions.end(),
                 [&](const auto& exception) { return exception.name == entry.first.second; });
    });
  });
  for (const auto& runtime : runtimes) {
    for (std::size_t i = 0; i < runtime->config.exceptions.size(); ++i) {
      const auto it = usages_.find({runtime->config.name, runtime->config.exceptions[i].name});
      if (it == usages_.end()) continue;
      const auto used = gauge_time(runtime->exception_metrics[i]->last_used);
      if (used && (!it->second.last_used || *used > *it->second.last_used)) {
        it->second.last_used = used;
      }
    }
  }
}

void ExceptionLedger::save(const std::vector<std::shared_ptr<const ListenerRuntime>>& runtimes,
                           bool force) {
  refresh(runtimes);
  if (!path_ || (!force && usages_ == saved_)) return;
  if (save_state_file(*path_, usages_)) saved_ = usages_;
}

std::vector<ExceptionView> ExceptionLedger::views(
    const std::vector<std::shared_ptr<const ListenerRuntime>>& runtimes) const {
  std::vector<ExceptionView> views;
  for (const auto& runtime : runtimes) {
    for (std::size_t i = 0; i < runtime->config.exceptions.size(); ++i) {
      const auto& exception = runtime->config.exceptions[i];
      const metrics::ExceptionMetrics& metrics = *runtime->exception_metrics[i];
      ExceptionView view;
      view.listener = runtime->config.name;
      view.exception = &exception;
      view.handshakes = static_cast<std::uint64_t>(metrics.handshakes.Value());
      view.last_used = gauge_time(metrics.last_used);
      if (const auto it = usages_.find({runtime->config.name, exception.name});
          it != usages_.end()) {
        view.first_loaded = it->second.first_loaded;
        if (!view.last_used) view.last_used = it->second.last_used;
      }
      views.push_back(std::move(view));
    }
  }
  return views;
}

}  // namespace tlsfloor::proxy
