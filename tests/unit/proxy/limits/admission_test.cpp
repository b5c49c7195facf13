#include "proxy/limits/admission.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <variant>
#include <vector>

namespace tlsfloor::limits {
namespace {

using config::Limit;

// Descriptors are not what these tests are about (those below that are say so): plenty.
constexpr unsigned long kPlenty = 1'000'000;
const auto kBudget = std::make_shared<DescriptorBudget>();

config::AddressPrefix address(std::uint8_t last) {
  return config::ipv4_address(std::array<std::uint8_t, 4>{192, 0, 2, last});
}

// Admits or fails the test; the slot is returned so the caller decides how long it is held.
AdmissionSlot admit(Admission& admission, const config::LimitsConfig& limits,
                    const config::AddressPrefix& source) {
  auto result = admission.admit(limits, &source, kBudget, kPlenty);
  EXPECT_TRUE(std::holds_alternative<AdmissionSlot>(result));
  if (!std::holds_alternative<AdmissionSlot>(result)) return {};
  return std::move(std::get<AdmissionSlot>(result));
}

std::optional<Limit> refusal(Admission& admission, const config::LimitsConfig& limits,
                             const config::AddressPrefix& source) {
  auto result = admission.admit(limits, &source, kBudget, kPlenty);
  if (const auto* limit = std::get_if<Limit>(&result)) return *limit;
  return std::nullopt;
}

TEST(AdmissionTest, RefusesTheConnectionOverMaxConnections) {
  auto admission = std::make_shared<Admission>();
  const config::LimitsConfig limits{.max_connections = 2};
  AdmissionSlot first = admit(*admission, limits, address(1));
  AdmissionSlot second = admit(*admission, limits, address(2));
  first.end_handshake();  // relaying still holds a connection slot
  EXPECT_EQ(refusal(*admission, limits, address(3)), Limit::connections);
  first.release();
  EXPECT_EQ(refusal(*admission, limits, address(3)), std::nullopt);
  EXPECT_EQ(admission->connections(), 1u);  // the refusal check above admitted and released
}

TEST(AdmissionTest, HandshakeSlotsComeBackWhenTheHandshakeEnds) {
  auto admission = std::make_shared<Admission>();
  const config::LimitsConfig limits{.max_handshakes_in_flight = 2};
  AdmissionSlot first = admit(*admission, limits, address(1));
  AdmissionSlot second = admit(*admission, limits, address(2));
  EXPECT_EQ(refusal(*admission, limits, address(3)), Limit::handshakes_in_flight);
  // A refusal takes nothing: the connection count is unchanged.
  EXPECT_EQ(admission->connections(), 2u);
  first.end_handshake();
  EXPECT_EQ(admission->handshakes(), 1u);
  EXPECT_EQ(admission->connections(), 2u);
  AdmissionSlot third = admit(*admission, limits, address(3));
  EXPECT_EQ(admission->handshakes(), 2u);
}

TEST(AdmissionTest, OneSourceCannotTakeTheWholeAllowance) {
  auto admission = std::make_shared<Admission>();
  const config::LimitsConfig limits{.max_handshakes_per_source = 2};
  std::vector<AdmissionSlot> held;
  held.push_back(admit(*admission, limits, address(1)));
  held.push_back(admit(*admission, limits, address(1)));
  EXPECT_EQ(refusal(*admission, limits, address(1)), Limit::handshakes_per_source);
  EXPECT_EQ(admission->handshakes(), 2u);
  EXPECT_EQ(admission->connections(), 2u);
  // Another source is not affected.
  held.push_back(admit(*admission, limits, address(2)));
  EXPECT_EQ(admission->handshakes_from(address(1)), 2u);
  EXPECT_EQ(admission->handshakes_from(address(2)), 1u);
  held[0].end_handshake();
  held[0].end_handshake();  // twice is once
  EXPECT_EQ(admission->handshakes_from(address(1)), 1u);
  held.push_back(admit(*admission, limits, address(1)));
}

TEST(AdmissionTest, TheSourceTableHoldsOnlySourcesInFlight) {
  auto admission = std::make_shared<Admission>();
  const config::LimitsConfig limits;
  for (std::uint8_t i = 0; i < 200; ++i) {
    AdmissionSlot slot = admit(*admission, limits, address(i));
    EXPECT_EQ(admission->sources(), 1u);
  }
  EXPECT_EQ(admission->sources(), 0u);
  EXPECT_EQ(admission->connections(), 0u);
  EXPECT_EQ(admission->handshakes(), 0u);
}

TEST(AdmissionTest, ASourceNamedLaterCountsFromThen) {
  // Behind a PROXY protocol balancer the source is known only once the header is read.
  auto admission = std::make_shared<Admission>();
  const config::LimitsConfig limits{.max_handshakes_per_source = 1};
  auto first = admission->admit(limits, nullptr, kBudget, kPlenty);
  auto second = admission->admit(limits, nullptr, kBudget, kPlenty);
  ASSERT_TRUE(std::holds_alternative<AdmissionSlot>(first));
  ASSERT_TRUE(std::holds_alternative<AdmissionSlot>(second));
  EXPECT_EQ(admission->sources(), 0u);
  EXPECT_TRUE(std::get<AdmissionSlot>(first).take_source(limits, address(1)));
  EXPECT_FALSE(std::get<AdmissionSlot>(second).take_source(limits, address(1)));
  EXPECT_TRUE(std::get<AdmissionSlot>(second).take_source(limits, address(2)));
  EXPECT_EQ(admission->handshakes_from(address(1)), 1u);
  std::get<AdmissionSlot>(first).end_handshake();
  EXPECT_EQ(admission->handshakes_from(address(1)), 0u);
  std::get<AdmissionSlot>(second).release();
  EXPECT_EQ(admission->sources(), 0u);
  EXPECT_EQ(admission->connections(), 1u);  // first's connection slot
}

TEST(AdmissionTest, AMovedSlotIsGivenBackOnce) {
  auto admission = std::make_shared<Admission>();
  const config::LimitsConfig limits;
  {
    AdmissionSlot slot = admit(*admission, limits, address(1));
    AdmissionSlot moved(std::move(slot));
    EXPECT_FALSE(slot.holds_connection());  // NOLINT(bugprone-use-after-move): on purpose
    EXPECT_FALSE(slot.holds_handshake());   // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(moved.holds_handshake());
    AdmissionSlot assigned;
    assigned = std::move(moved);
    EXPECT_EQ(admission->connections(), 1u);
    EXPECT_EQ(admission->handshakes_from(address(1)), 1u);
  }
  EXPECT_EQ(admission->connections(), 0u);
  EXPECT_EQ(admission->handshakes_from(address(1)), 0u);
}

TEST(AdmissionTest, TheSlotKeepsItsAdmissionAlive) {
  // A listener closed by a reload drops its Admission while connections still hold slots.
  auto admission = std::make_shared<Admission>();
  AdmissionSlot slot = admit(*admission, {}, address(1));
  admission.reset();
  slot.release();  // must not touch freed memory (ASan)
}

TEST(AdmissionTest, ConcurrentClientsNeverExceedTheLimits) {
  auto admission = std::make_shared<Admission>();
  const config::LimitsConfig limits{
      .max_connections = 1000, .max_handshakes_in_flight = 8, .max_handshakes_per_source = 3};
  std::atomic<unsigned> peak_per_source{0};
  std::atomic<unsigned> peak_handshakes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        const config::AddressPrefix source = address(static_cast<std::uint8_t>((i + t) % 3));
        auto result = admission->admit(limits, &source, kBudget, kPlenty);
        if (auto* slot = std::get_if<AdmissionSlot>(&result)) {
          const unsigned handshakes = admission->handshakes();
          unsigned seen = peak_handshakes.load();
          while (handshakes > seen && !peak_handshakes.compare_exchange_weak(seen, handshakes)) {
          }
          const unsigned from =
              admission->handshakes_from(address(static_cast<std::uint8_t>((i + t) % 3)));
          seen = peak_per_source.load();
          while (from > seen && !peak_per_source.compare_exchange_weak(seen, from)) {
          }
          slot->release();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(peak_handshakes.load(), 8u);
  EXPECT_LE(peak_per_source.load(), 3u);
  EXPECT_EQ(admission->connections(), 0u);
  EXPECT_EQ(admission->handshakes(), 0u);
  EXPECT_EQ(admission->sources(), 0u);
}

TEST(AdmissionTest, EveryClientIsCountedForTwoDescriptorsUntilItCloses) {
  // Its own socket and its upstream's: admitted only when both fit.
  auto admission = std::make_shared<Admission>();
  auto descriptors = std::make_shared<DescriptorBudget>();
  const config::LimitsConfig limits;
  const config::AddressPrefix first_source = address(1);
  auto first = admission->admit(limits, &first_source, descriptors, 5);
  auto second = admission->admit(limits, &first_source, descriptors, 5);
  ASSERT_TRUE(std::holds_alternative<AdmissionSlot>(first));
  ASSERT_TRUE(std::holds_alternative<AdmissionSlot>(second));
  EXPECT_EQ(descriptors->in_use(), 4u);
  auto third = admission->admit(limits, &first_source, descriptors, 5);
  ASSERT_TRUE(std::holds_alternative<Limit>(third));
  EXPECT_EQ(std::get<Limit>(third), Limit::descriptors);
  EXPECT_EQ(descriptors->in_use(), 4u);  // the refusal took nothing
  EXPECT_EQ(admission->connections(), 2u);
  // Its handshake over, a client still holds its descriptors: they are given back on close.
  std::get<AdmissionSlot>(first).end_handshake();
  EXPECT_EQ(descriptors->in_use(), 4u);
  std::get<AdmissionSlot>(first).release();
  EXPECT_EQ(descriptors->in_use(), 2u);
}

TEST(AdmissionTest, ARefusalByAnotherLimitGivesTheDescriptorsBack) {
  auto admission = std::make_shared<Admission>();
  auto descriptors = std::make_shared<DescriptorBudget>();
  const config::LimitsConfig limits{.max_handshakes_per_source = 1};
  const config::AddressPrefix source = address(1);
  auto first = admission->admit(limits, &source, descriptors, 100);
  auto second = admission->admit(limits, &source, descriptors, 100);
  ASSERT_TRUE(std::holds_alternative<Limit>(second));
  EXPECT_EQ(std::get<Limit>(second), Limit::handshakes_per_source);
  EXPECT_EQ(descriptors->in_use(), 2u);
}

}  // namespace
}  // namespace tlsfloor::limits
