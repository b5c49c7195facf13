#include "proxy/exception_ledger.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace tlsfloor::proxy {
namespace {

using namespace std::chrono;
namespace fs = std::filesystem;
const config::Timestamp kStart = sys_days{year{2026} / 11 / 22};

class ExceptionLedgerTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tlsfloor-ledger-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A runtime of listener "api" with exceptions of these names.
  std::shared_ptr<ListenerRuntime> runtime(std::vector<std::string> names) {
    auto runtime = std::make_shared<ListenerRuntime>();
    runtime->config.name = "api";
    for (const auto& name : names) {
      config::ExceptionConfig exception;
      exception.name = name;
      exception.expires = kStart + days(90);
      runtime->config.exceptions.push_back(exception);
      runtime->exception_metrics.push_back(&metrics_.listener("api").exception(name));
    }
    return runtime;
  }
  std::string path() const { return (dir_ / "state.json").string(); }

  metrics::Metrics metrics_;
  fs::path dir_;
};

TEST_F(ExceptionLedgerTest, RemembersUseAcrossLedgersAndForgetsRemovedExceptions) {
  auto first = runtime({"payroll", "scanner"});
  {
    ExceptionLedger ledger(path());
    ledger.adopt(*first, kStart);
    first->exception_metrics[0]->last_used.Set(config::to_unix_seconds(kStart + hours(5)));
    ledger.save({first});
  }
  const ExceptionUsages saved = load_state_file(path());
  ASSERT_EQ(saved.size(), 2u);
  EXPECT_EQ(saved.at({"api", "payroll"}), (ExceptionUsage{kStart, kStart + hours(5)}));
  EXPECT_EQ(saved.at({"api", "scanner"}), (ExceptionUsage{kStart, std::nullopt}));

  // A restart: the gauges start at 0 and get the remembered time back; "scanner" is gone.
  metrics::Metrics fresh;
  auto second = std::make_shared<ListenerRuntime>();
  second->config.name = "api";
  second->config.exceptions = {first->config.exceptions[0]};
  second->exception_metrics = {&fresh.listener("api").exception("payroll")};
  ExceptionLedger ledger(path());
  ledger.adopt(*second, kStart + days(1));
  EXPECT_EQ(second->exception_metrics[0]->last_used.Value(),
            config::to_unix_seconds(kStart + hours(5)));
  const auto views = ledger.views({second});
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].first_loaded, kStart) << "first loaded before the restart";
  EXPECT_EQ(views[0].last_used, kStart + hours(5));
  ledger.save({second});
  EXPECT_EQ(load_state_file(path()).size(), 1u) << "the removed exception is forgotten";
}

}  // namespace
}  // namespace tlsfloor::proxy
