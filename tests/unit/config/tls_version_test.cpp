#include "config/tls_version.h"

#include <cstdint>
#include <optional>
#include <string_view>

#include <gtest/gtest.h>

namespace tlsfloor::config {
namespace {

struct VersionCase {
  std::string_view text;
  TlsVersion version;
};

TEST(TlsVersionTest, ParsesExactSpellingsAndRoundTrips) {
  const VersionCase cases[] = {
      {"TLS1.0", TlsVersion::tls1_0},
      {"TLS1.1", TlsVersion::tls1_1},
      {"TLS1.2", TlsVersion::tls1_2},
      {"TLS1.3", TlsVersion::tls1_3},
  };
  for (const VersionCase& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(parse_tls_version(c.text), c.version);
    EXPECT_EQ(to_string(c.version), c.text);
  }
}

TEST(TlsVersionTest, RejectsEverythingElse) {
  for (const std::string_view text :
       {"", "tls1.2", "Tls1.2", "TLS1.4", "TLS1", "TLS 1.2", " TLS1.2", "TLS1.2 ", "1.2", "TLSv1.2",
        "TLSv1_2", "SSL3.0", "TLS1.2\n", "TLS1.3x"}) {
    SCOPED_TRACE(testing::Message() << '"' << text << '"');
    EXPECT_EQ(parse_tls_version(text), std::nullopt);
  }
}

// min_version <= max_version is checked with the enum's ordering; it must follow the wire codes.
TEST(TlsVersionTest, OrderFollowsWireCodes) {
  EXPECT_LT(TlsVersion::tls1_0, TlsVersion::tls1_1);
  EXPECT_LT(TlsVersion::tls1_1, TlsVersion::tls1_2);
  EXPECT_LT(TlsVersion::tls1_2, TlsVersion::tls1_3);
  EXPECT_EQ(static_cast<std::uint16_t>(TlsVersion::tls1_2), 0x0303);
}

struct WireCase {
  std::uint16_t wire;
  std::optional<TlsVersion> version;
  std::string_view label;
};

class WireVersionTest : public testing::TestWithParam<WireCase> {};

TEST_P(WireVersionTest, MapsWireCode) {
  const WireCase& c = GetParam();
  EXPECT_EQ(tls_version_from_wire(c.wire), c.version);
  EXPECT_EQ(wire_version_label(c.wire), c.label);
}

INSTANTIATE_TEST_SUITE_P(
    AllCodes, WireVersionTest,
    testing::Values(WireCase{0x0301, TlsVersion::tls1_0, "TLS1.0"},
                    WireCase{0x0302, TlsVersion::tls1_1, "TLS1.1"},
                    WireCase{0x0303, TlsVersion::tls1_2, "TLS1.2"},
                    WireCase{0x0304, TlsVersion::tls1_3, "TLS1.3"},
                    WireCase{0x0300, std::nullopt, "SSL3.0"},   // known, but not configurable
                    WireCase{0x0000, std::nullopt, "unknown"},  // "nothing could be read"
                    WireCase{0x0002, std::nullopt, "unknown"},  // SSL 2.0
                    WireCase{0x0305, std::nullopt, "unknown"},
                    WireCase{0x0a0a, std::nullopt, "unknown"},  // GREASE
                    WireCase{0x7f1c, std::nullopt, "unknown"},  // TLS 1.3 draft 28
                    WireCase{0xfefd, std::nullopt, "unknown"},  // DTLS 1.2
                    WireCase{0xffff, std::nullopt, "unknown"}),
    [](const testing::TestParamInfo<WireCase>& info) {
      char name[16];
      std::snprintf(name, sizeof name, "x%04x", info.param.wire);
      return std::string(name);
    });

TEST(WireVersionTest, NormalisesEveryCodeToSixValues) {
  for (std::uint32_t wire = 0; wire <= 0xffff; ++wire) {
    const auto code = static_cast<std::uint16_t>(wire);
    const std::uint16_t normal = normalised_wire_version(code);
    if (code >= wire::kSsl3_0 && code <= wire::kTls1_3) {
      EXPECT_EQ(normal, code);
    } else {
      ASSERT_EQ(normal, 0) << code;
    }
    // The index and the label agree with the normalisation, whatever the code.
    ASSERT_LT(wire_version_index(code), kWireVersionLabels);
    ASSERT_EQ(wire_version_index(code), wire_version_index(normal));
    ASSERT_EQ(wire_version_label(code), wire_version_label(normal));
  }
  EXPECT_EQ(wire_version_index(0), 0u);
  EXPECT_EQ(wire_version_index(wire::kSsl3_0), 1u);
  EXPECT_EQ(wire_version_index(wire::kTls1_3), 5u);
}

TEST(WireVersionTest, LabelsReadBackToTheirCodes) {
  for (const std::uint16_t code : {std::uint16_t{0}, wire::kSsl3_0, wire::kTls1_0, wire::kTls1_1,
                                   wire::kTls1_2, wire::kTls1_3}) {
    EXPECT_EQ(wire_version_from_label(wire_version_label(code)), code);
  }
  for (const char* label : {"", "TLS1.4", "tls1.2", "SSL2.0", "1.2", "TLS1.2 "}) {
    EXPECT_FALSE(wire_version_from_label(label).has_value()) << label;
  }
}

}  // namespace
}  // namespace tlsfloor::config
