#include "proxy/state/exception_ledger.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

namespace tlsfloor::state {
namespace {

using namespace std::chrono;
namespace fs = std::filesystem;
const config::Timestamp kStart = sys_days{year{2026} / 11 / 22};

// Listener "api" with exceptions of these names.
config::ListenerConfig listener(const std::vector<std::string>& names) {
  config::ListenerConfig config;
  config.name = "api";
  for (const auto& name : names) {
    config::ExceptionConfig exception;
    exception.name = name;
    exception.expires = kStart + days(90);
    config.exceptions.push_back(exception);
  }
  return config;
}

class ExceptionLedgerTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tlsfloor-ledger-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path() const { return (dir_ / "state.json").string(); }

  fs::path dir_;
};

TEST(ExceptionUseTest, CountsAndKeepsTheLatestUse) {
  ExceptionUse use;
  EXPECT_EQ(use.handshakes(), 0u);
  EXPECT_FALSE(use.last_used().has_value());
  use.record(kStart + hours(2));
  use.record(kStart + hours(1));  // another worker, a moment behind
  EXPECT_EQ(use.handshakes(), 2u);
  EXPECT_EQ(use.last_used(), kStart + hours(2));
  use.remember(kStart);  // an older time from the state file changes nothing
  EXPECT_EQ(use.last_used(), kStart + hours(2));
}

TEST(ExceptionUseTest, ConcurrentRecordsAreAllCounted) {
  ExceptionUse use;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&use, t] {
      for (int i = 0; i < 10000; ++i) use.record(kStart + seconds(t * 10000 + i));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(use.handshakes(), 40000u);
  EXPECT_EQ(use.last_used(), kStart + seconds(39999));
}

TEST_F(ExceptionLedgerTest, RemembersUseAcrossLedgersAndForgetsRemovedExceptions) {
  const config::ListenerConfig first = listener({"payroll", "scanner"});
  {
    ExceptionLedger ledger(path());
    const auto payroll = ledger.use("api", "payroll");
    ledger.use("api", "scanner");
    ledger.adopt(first, kStart);
    payroll->record(kStart + hours(5));
    ledger.save({&first});
  }
  const ExceptionUsages saved = load_state_file(path());
  ASSERT_EQ(saved.size(), 2u);
  EXPECT_EQ(saved.at({"api", "payroll"}), (ExceptionUsage{kStart, kStart + hours(5)}));
  EXPECT_EQ(saved.at({"api", "scanner"}), (ExceptionUsage{kStart, std::nullopt}));

  // A restart: the use record gets the remembered time back; "scanner" is gone.
  const config::ListenerConfig second = listener({"payroll"});
  ExceptionLedger ledger(path());
  const auto payroll = ledger.use("api", "payroll");
  ledger.adopt(second, kStart + days(1));
  EXPECT_EQ(payroll->last_used(), kStart + hours(5));
  EXPECT_EQ(payroll->handshakes(), 0u) << "counts are per process";
  const auto records = ledger.records({&second});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].listener, "api");
  EXPECT_EQ(records[0].exception, &second.exceptions[0]);
  EXPECT_EQ(records[0].first_loaded, kStart) << "first loaded before the restart";
  EXPECT_EQ(records[0].last_used, kStart + hours(5));
  ledger.save({&second});
  EXPECT_EQ(load_state_file(path()).size(), 1u) << "the removed exception is forgotten";
}

TEST_F(ExceptionLedgerTest, AnExceptionOfARefusedReloadIsNeverWritten) {
  const config::ListenerConfig running = listener({"payroll"});
  ExceptionLedger ledger(path());
  ledger.use("api", "payroll");
  ledger.adopt(running, kStart);
  // A reload builds its runtimes (asking for use records) and is then refused: no adopt().
  ledger.use("api", "candidate")->record(kStart + hours(1));
  ledger.save({&running}, /*force=*/true);
  const ExceptionUsages saved = load_state_file(path());
  EXPECT_EQ(saved.size(), 1u);
  EXPECT_TRUE(saved.contains({"api", "payroll"}));
}

TEST_F(ExceptionLedgerTest, UseRecordsOutliveAReloadThatDropsThem) {
  const config::ListenerConfig running = listener({"payroll"});
  ExceptionLedger ledger(std::nullopt);
  const auto payroll = ledger.use("api", "payroll");
  ledger.adopt(running, kStart);
  const config::ListenerConfig without = listener({});
  ledger.save({&without});
  // An open connection of the old configuration may still record: it must be safe.
  payroll->record(kStart + hours(1));
  EXPECT_EQ(payroll->handshakes(), 1u);
  EXPECT_TRUE(ledger.records({&without}).empty());
}

}  // namespace
}  // namespace tlsfloor::state
