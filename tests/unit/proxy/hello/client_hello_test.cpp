#include "proxy/hello/client_hello.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "config/tls_version.h"
#include "tests/support/client_hello_capture.h"

namespace tlsfloor::hello {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Version wire codes and the extensions the parser reads are named where the code names them;
// only what the parser never reads is spelled out here.
using namespace config::wire;
using namespace extension_type;
constexpr std::uint16_t kTls1_3Draft28 = 0x7f1c;
constexpr std::uint16_t kExtendedMasterSecret = 23;
constexpr std::uint16_t kSessionTicket = 35;
constexpr std::uint16_t kPskKeyExchangeModes = 45;
constexpr std::uint16_t kRenegotiationInfo = 0xff01;

// Builds TLS wire structures for hand-made hellos: big-endian integers and length-prefixed
// vectors, the only two shapes a ClientHello is made of.
class ByteBuilder {
 public:
  ByteBuilder& u8(std::uint8_t value) {
    bytes_.push_back(value);
    return *this;
  }
  ByteBuilder& u16(std::uint16_t value) {
    bytes_.push_back(static_cast<std::uint8_t>(value >> 8));
    bytes_.push_back(static_cast<std::uint8_t>(value));
    return *this;
  }
  ByteBuilder& raw(const Bytes& bytes) {
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  ByteBuilder& vec8(const Bytes& bytes) {
    return u8(static_cast<std::uint8_t>(bytes.size())).raw(bytes);
  }
  ByteBuilder& vec16(const Bytes& bytes) {
    return u16(static_cast<std::uint16_t>(bytes.size())).raw(bytes);
  }
  Bytes take() { return std::move(bytes_); }

 private:
  Bytes bytes_;
};

Bytes u16_list(std::initializer_list<std::uint16_t> values) {
  ByteBuilder builder;
  for (const std::uint16_t value : values) {
    builder.u16(value);
  }
  return builder.take();
}

Bytes text(const std::string& value) { return Bytes(value.begin(), value.end()); }

Bytes extension(std::uint16_t type, const Bytes& contents) {
  return ByteBuilder().u16(type).vec16(contents).take();
}

Bytes sni_extension(const std::string& host) {
  return extension(kServerName,
                   ByteBuilder().vec16(ByteBuilder().u8(0).vec16(text(host)).take()).take());
}

Bytes supported_versions_extension(std::initializer_list<std::uint16_t> versions) {
  return extension(kSupportedVersions, ByteBuilder().vec8(u16_list(versions)).take());
}

Bytes alpn_extension(std::initializer_list<std::string> protocols) {
  ByteBuilder list;
  for (const std::string& protocol : protocols) {
    list.vec8(text(protocol));
  }
  return extension(kAlpn, ByteBuilder().vec16(list.take()).take());
}

Bytes concat(std::initializer_list<Bytes> parts) {
  ByteBuilder builder;
  for (const Bytes& part : parts) {
    builder.raw(part);
  }
  return builder.take();
}

// A well-formed hello whose fields a test overrides one at a time.
struct HandHello {
  std::uint16_t legacy_version = kTls1_2;
  Bytes session_id = Bytes(32, 0x5e);
  Bytes cipher_suites = u16_list({0x1301, 0xc02f, 0x002f});
  Bytes compression_methods = {0};
  std::optional<Bytes> extensions;  // concatenated extension records; nullopt: no block at all

  Bytes body() const {
    ByteBuilder builder;
    builder.u16(legacy_version).raw(Bytes(32, 0xa5)).vec8(session_id).vec16(cipher_suites);
    builder.vec8(compression_methods);
    if (extensions) {
      builder.vec16(*extensions);
    }
    return builder.take();
  }
};

HandHello with_extensions(Bytes extensions) {
  HandHello hello;
  hello.extensions = std::move(extensions);
  return hello;
}

std::optional<ClientHello> parse(const Bytes& body) { return parse_client_hello(body); }

// ---------------------------------------------------------------------------------------------
// Real hellos from BoringSSL, one per maximum version.

// All three suites work from TLS 1.0 on, so BoringSSL offers the same list at every maximum.
constexpr char kCipherList[] = "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-SHA";
const std::vector<std::uint16_t> kConfiguredSuites = {0xc009, 0xc014, 0x002f};
constexpr char kHostName[] = "backend.example.test";

struct RealHelloCase {
  const char* name;
  std::uint16_t max_version;
  std::uint16_t legacy_version;
  bool has_supported_versions;
  std::vector<std::uint16_t> supported_versions;
  // Read off this BoringSSL build's hellos and cross-checked against BoringSSL's server view.
  std::vector<std::uint16_t> extensions;
};

// What BoringSSL sends at every maximum version (with SNI and ALPN configured), in wire order.
const std::vector<std::uint16_t> kBaseExtensions = {kServerName,
                                                    kExtendedMasterSecret,
                                                    kRenegotiationInfo,
                                                    kSupportedGroups,
                                                    kEcPointFormats,
                                                    kSessionTicket,
                                                    kAlpn};

std::vector<std::uint16_t> plus(std::vector<std::uint16_t> base,
                                std::initializer_list<std::uint16_t> more) {
  base.insert(base.end(), more);
  return base;
}

class RealHelloTest : public testing::TestWithParam<RealHelloCase> {
 protected:
  static test::HelloOptions options() {
    test::HelloOptions options;
    options.min_version = kTls1_0;
    options.max_version = GetParam().max_version;
    options.server_name = kHostName;
    options.alpn = {"h2", "http/1.1"};
    options.cipher_list = kCipherList;
    return options;
  }
};

TEST_P(RealHelloTest, ParsesEveryField) {
  const RealHelloCase& expected = GetParam();
  const Bytes body = test::capture_client_hello(options());
  const std::optional<ClientHello> hello = parse(body);
  ASSERT_TRUE(hello.has_value());

  EXPECT_EQ(hello->legacy_version, expected.legacy_version);
  EXPECT_EQ(hello->has_supported_versions, expected.has_supported_versions);
  EXPECT_EQ(hello->supported_versions, expected.supported_versions);
  EXPECT_EQ(highest_offered_version(*hello), expected.max_version);
  EXPECT_EQ(hello->server_name, kHostName);
  EXPECT_EQ(hello->alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_EQ(hello->compression_methods, Bytes{0});
  EXPECT_EQ(hello->extensions, expected.extensions);
  EXPECT_EQ(hello->supported_groups, (std::vector<std::uint16_t>{0x001d, 0x0017, 0x0018}));
  EXPECT_EQ(hello->ec_point_formats, Bytes{0});

  if (expected.max_version == kTls1_3) {
    // TLS 1.3 suites are not configurable and come first; their order depends on whether the CPU
    // has AES instructions, so only the set is fixed.
    ASSERT_EQ(hello->cipher_suites.size(), 3 + kConfiguredSuites.size());
    const std::vector<std::uint16_t> tls13(hello->cipher_suites.begin(),
                                           hello->cipher_suites.begin() + 3);
    EXPECT_TRUE(std::is_permutation(tls13.begin(), tls13.end(),
                                    std::vector<std::uint16_t>{0x1301, 0x1302, 0x1303}.begin()));
    EXPECT_EQ(
        std::vector<std::uint16_t>(hello->cipher_suites.begin() + 3, hello->cipher_suites.end()),
        kConfiguredSuites);
  } else {
    EXPECT_EQ(hello->cipher_suites, kConfiguredSuites);
  }

  if (expected.max_version >= kTls1_2) {
    EXPECT_EQ(hello->signature_algorithms,
              (std::vector<std::uint16_t>{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806,
                                          0x0601, 0x0201}));
  } else {
    EXPECT_TRUE(hello->signature_algorithms.empty());
  }
}

// BoringSSL's server parses the same bytes independently; both readings must agree exactly.
TEST_P(RealHelloTest, AgreesWithBoringSslServerView) {
  const Bytes body = test::capture_client_hello(options());
  const std::optional<ClientHello> hello = parse(body);
  ASSERT_TRUE(hello.has_value());
  const std::optional<test::ServerView> view = test::observe_as_server(test::wrap_in_record(body));
  ASSERT_TRUE(view.has_value());

  EXPECT_EQ(view->body, body);  // the capture strips exactly the headers the callback omits
  EXPECT_EQ(hello->legacy_version, view->legacy_version);
  EXPECT_EQ(hello->cipher_suites, view->cipher_suites);
  EXPECT_EQ(hello->compression_methods, view->compression_methods);
  EXPECT_EQ(hello->extensions, view->extension_types);
  EXPECT_EQ(hello->server_name, view->server_name);
}

TEST_P(RealHelloTest, WithoutSniOrAlpnThoseFieldsStayEmpty) {
  test::HelloOptions plain = options();
  plain.server_name.reset();
  plain.alpn.clear();
  const std::optional<ClientHello> hello = parse(test::capture_client_hello(plain));
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->server_name, "");
  EXPECT_TRUE(hello->alpn.empty());
  for (const std::uint16_t type : hello->extensions) {
    EXPECT_NE(type, kServerName);
    EXPECT_NE(type, kAlpn);
  }
  EXPECT_EQ(highest_offered_version(*hello), GetParam().max_version);
}

// Every cut of a real hello is rejected without reading out of bounds (ASan runs check that),
// except the one cut that ends right after compression_methods: that is a complete hello of the
// extension-less SSL 3.0 / TLS 1.0 shape.
TEST_P(RealHelloTest, EveryTruncationIsRejected) {
  const Bytes body = test::capture_client_hello(options());
  const std::optional<ClientHello> full = parse(body);
  ASSERT_TRUE(full.has_value());
  const std::size_t session_id_length = body[2 + 32];
  const std::size_t end_of_compression = 2 + 32 + 1 + session_id_length + 2 +
                                         2 * full->cipher_suites.size() + 1 +
                                         full->compression_methods.size();

  for (std::size_t length = 0; length < body.size(); ++length) {
    const std::optional<ClientHello> cut =
        parse_client_hello(std::span<const std::uint8_t>(body.data(), length));
    if (length == end_of_compression) {
      ASSERT_TRUE(cut.has_value()) << "prefix " << length;
      EXPECT_TRUE(cut->extensions.empty());
      EXPECT_EQ(cut->cipher_suites, full->cipher_suites);
    } else {
      EXPECT_FALSE(cut.has_value()) << "prefix " << length << " of " << body.size();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    MaxVersions, RealHelloTest,
    testing::Values(
        RealHelloCase{"Tls1_0", kTls1_0, kTls1_0, false, {}, kBaseExtensions},
        RealHelloCase{"Tls1_1", kTls1_1, kTls1_1, false, {}, kBaseExtensions},
        RealHelloCase{
            "Tls1_2", kTls1_2, kTls1_2, false, {}, plus(kBaseExtensions, {kSignatureAlgorithms})},
        // TLS 1.3 clients freeze the legacy field at TLS 1.2 and list versions newest first.
        RealHelloCase{"Tls1_3",
                      kTls1_3,
                      kTls1_2,
                      true,
                      {kTls1_3, kTls1_2, kTls1_1, kTls1_0},
                      plus(kBaseExtensions, {kSignatureAlgorithms, kKeyShare, kPskKeyExchangeModes,
                                             kSupportedVersions})}),
    [](const testing::TestParamInfo<RealHelloCase>& info) { return std::string(info.param.name); });

TEST(ClientHelloGrease, Tls13HelloWithGreaseStillOffersTls13) {
  test::HelloOptions options;
  options.max_version = kTls1_3;
  options.grease = true;
  const Bytes body = test::capture_client_hello(options);
  const std::optional<ClientHello> hello = parse(body);
  ASSERT_TRUE(hello.has_value());

  // BoringSSL puts one GREASE value first in each list and GREASE extensions at both ends.
  ASSERT_FALSE(hello->cipher_suites.empty());
  EXPECT_TRUE(is_grease(hello->cipher_suites.front()));
  ASSERT_FALSE(hello->supported_versions.empty());
  EXPECT_TRUE(is_grease(hello->supported_versions.front()));
  ASSERT_FALSE(hello->supported_groups.empty());
  EXPECT_TRUE(is_grease(hello->supported_groups.front()));
  ASSERT_FALSE(hello->extensions.empty());
  EXPECT_TRUE(is_grease(hello->extensions.front()));
  EXPECT_EQ(std::count_if(hello->extensions.begin(), hello->extensions.end(), is_grease), 2);
  EXPECT_EQ(std::vector<std::uint16_t>(hello->supported_versions.begin() + 1,
                                       hello->supported_versions.end()),
            (std::vector<std::uint16_t>{kTls1_3, kTls1_2, kTls1_1, kTls1_0}));

  EXPECT_EQ(highest_offered_version(*hello), kTls1_3);
  EXPECT_EQ(offered_versions(*hello),
            (std::vector<std::uint16_t>{kTls1_3, kTls1_2, kTls1_1, kTls1_0}))
      << "GREASE is not an offer";

  const std::optional<test::ServerView> view = test::observe_as_server(test::wrap_in_record(body));
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(hello->cipher_suites, view->cipher_suites);
  EXPECT_EQ(hello->extensions, view->extension_types);
}

TEST(ClientHelloGrease, Tls12HelloWithGreaseOffersTls12) {
  test::HelloOptions options;
  options.min_version = kTls1_2;
  options.max_version = kTls1_2;
  options.grease = true;
  const std::optional<ClientHello> hello = parse(test::capture_client_hello(options));
  ASSERT_TRUE(hello.has_value());
  EXPECT_TRUE(is_grease(hello->cipher_suites.front()));
  EXPECT_FALSE(hello->has_supported_versions);
  EXPECT_EQ(highest_offered_version(*hello), kTls1_2);
  EXPECT_EQ(offered_versions(*hello), (std::vector<std::uint16_t>{kTls1_2}));
}

// ---------------------------------------------------------------------------------------------
// Hand-built hellos: shapes BoringSSL never sends.

TEST(ClientHelloHandBuilt, NoExtensionsBlockAtAll) {
  HandHello hand;
  hand.legacy_version = kTls1_0;
  hand.session_id = {};
  const std::optional<ClientHello> hello = parse(hand.body());
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->legacy_version, kTls1_0);
  EXPECT_EQ(hello->cipher_suites, (std::vector<std::uint16_t>{0x1301, 0xc02f, 0x002f}));
  EXPECT_EQ(hello->compression_methods, Bytes{0});
  EXPECT_TRUE(hello->extensions.empty());
  EXPECT_FALSE(hello->has_supported_versions);
  EXPECT_EQ(hello->server_name, "");
  EXPECT_EQ(highest_offered_version(*hello), kTls1_0);
}

TEST(ClientHelloHandBuilt, EmptyExtensionsBlock) {
  const std::optional<ClientHello> hello = parse(with_extensions({}).body());
  ASSERT_TRUE(hello.has_value());
  EXPECT_TRUE(hello->extensions.empty());
  EXPECT_EQ(highest_offered_version(*hello), kTls1_2);
}

TEST(ClientHelloHandBuilt, Ssl3LegacyVersionIsReturnedAsIs) {
  HandHello hand;
  hand.legacy_version = kSsl3_0;
  hand.compression_methods = {1, 0};  // DEFLATE, null: SSL 3.0-era clients offered both
  const std::optional<ClientHello> hello = parse(hand.body());
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->compression_methods, (Bytes{1, 0}));
  EXPECT_EQ(highest_offered_version(*hello), kSsl3_0);
  EXPECT_EQ(offered_versions(*hello), (std::vector<std::uint16_t>{kSsl3_0}));
}

TEST(ClientHelloHandBuilt, GarbageLegacyVersionBelowTls12IsReturnedAsIs) {
  HandHello hand;
  hand.legacy_version = 0x0200;
  const std::optional<ClientHello> hello = parse(hand.body());
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(highest_offered_version(*hello), 0x0200);
}

TEST(ClientHelloHandBuilt, LegacyTls12WithoutSupportedVersionsIsTls12) {
  const std::optional<ClientHello> hello = parse(with_extensions(sni_extension("a.test")).body());
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->server_name, "a.test");
  EXPECT_EQ(highest_offered_version(*hello), kTls1_2);
}

TEST(ClientHelloHandBuilt, LegacyFieldAboveTls12IsCapped) {
  for (const std::uint16_t legacy : {kTls1_3, std::uint16_t{0x0305}, std::uint16_t{0xffff}}) {
    HandHello hand;
    hand.legacy_version = legacy;
    const std::optional<ClientHello> hello = parse(hand.body());
    ASSERT_TRUE(hello.has_value());
    EXPECT_EQ(highest_offered_version(*hello), kTls1_2) << std::hex << legacy;
  }
}

TEST(ClientHelloHandBuilt, OnlyDraftAndGreaseVersionsOfferNothing) {
  const std::optional<ClientHello> hello =
      parse(with_extensions(supported_versions_extension({kTls1_3Draft28, 0x2a2a})).body());
  ASSERT_TRUE(hello.has_value());
  EXPECT_TRUE(hello->has_supported_versions);
  EXPECT_EQ(hello->supported_versions, (std::vector<std::uint16_t>{kTls1_3Draft28, 0x2a2a}));
  // The legacy field says TLS 1.2, but supported_versions overrides it (RFC 8446 4.2.1).
  EXPECT_EQ(highest_offered_version(*hello), 0);
}

TEST(ClientHelloHandBuilt, SupportedVersionsWithOnlyTls10) {
  const std::optional<ClientHello> hello =
      parse(with_extensions(supported_versions_extension({kTls1_0})).body());
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(highest_offered_version(*hello), kTls1_0);
}

TEST(ClientHelloHandBuilt, SupportedVersionsIgnoresSsl3AndUnknownCodes) {
  EXPECT_EQ(highest_offered_version(
                *parse(with_extensions(supported_versions_extension({kSsl3_0})).body())),
            0);
  // 0xfefd is DTLS 1.2, 0x0305 does not exist (yet).
  EXPECT_EQ(
      highest_offered_version(*parse(
          with_extensions(supported_versions_extension({0x0305, 0xfefd, kTls1_1, 0x0a0a})).body())),
      kTls1_1);
}

TEST(ClientHelloHandBuilt, DecodesListExtensionsInOrder) {
  const Bytes extensions = concat({
      extension(0x3344, {}),  // unknown: only its type is kept
      extension(kSupportedGroups, ByteBuilder().vec16(u16_list({0x0017, 0x001d})).take()),
      extension(kEcPointFormats, ByteBuilder().vec8({0, 1, 2}).take()),
      extension(kSignatureAlgorithms, ByteBuilder().vec16(u16_list({0x0804, 0x0403})).take()),
      alpn_extension({"http/1.1", "h2", std::string(255, 'x')}),
      supported_versions_extension({kTls1_3, kTls1_2}),
  });
  const std::optional<ClientHello> hello = parse(with_extensions(extensions).body());
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->extensions,
            (std::vector<std::uint16_t>{0x3344, kSupportedGroups, kEcPointFormats,
                                        kSignatureAlgorithms, kAlpn, kSupportedVersions}));
  EXPECT_EQ(hello->supported_groups, (std::vector<std::uint16_t>{0x0017, 0x001d}));
  EXPECT_EQ(hello->ec_point_formats, (Bytes{0, 1, 2}));
  EXPECT_EQ(hello->signature_algorithms, (std::vector<std::uint16_t>{0x0804, 0x0403}));
  EXPECT_EQ(hello->alpn, (std::vector<std::string>{"http/1.1", "h2", std::string(255, 'x')}));
  EXPECT_EQ(hello->supported_versions, (std::vector<std::uint16_t>{kTls1_3, kTls1_2}));
  EXPECT_EQ(highest_offered_version(*hello), kTls1_3);
}

TEST(ClientHelloHandBuilt, SniSkipsUnknownNameTypes) {
  const Bytes list = ByteBuilder().u8(7).vec16(text("other")).u8(0).vec16(text("host.test")).take();
  const std::optional<ClientHello> hello =
      parse(with_extensions(extension(kServerName, ByteBuilder().vec16(list).take())).body());
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->server_name, "host.test");
}

TEST(ClientHelloHandBuilt, MaximalSessionIdIsAccepted) {
  HandHello hand;
  hand.session_id = Bytes(32, 1);
  EXPECT_TRUE(parse(hand.body()).has_value());
}

// ---------------------------------------------------------------------------------------------
// Malformed hellos: each differs from a valid one in exactly one way.

TEST(ClientHelloMalformed, Empty) { EXPECT_FALSE(parse({}).has_value()); }

TEST(ClientHelloMalformed, SessionIdLongerThan32) {
  HandHello hand;
  hand.session_id = Bytes(33, 1);
  EXPECT_FALSE(parse(hand.body()).has_value());
}

TEST(ClientHelloMalformed, LengthFieldsOverrunning) {
  const Bytes valid = with_extensions(sni_extension("a.test")).body();
  ASSERT_TRUE(parse(valid).has_value());
  constexpr std::size_t kSessionIdLength = 2 + 32;
  const std::size_t cipher_suites_length = kSessionIdLength + 1 + 32;
  const std::size_t compression_length = cipher_suites_length + 2 + 6;
  const std::size_t extensions_length = compression_length + 1 + 1;

  Bytes session_id_overrun = valid;
  session_id_overrun[kSessionIdLength] = 0xff;
  EXPECT_FALSE(parse(session_id_overrun).has_value());

  Bytes suites_overrun = valid;
  suites_overrun[cipher_suites_length] = 0xff;
  EXPECT_FALSE(parse(suites_overrun).has_value());

  Bytes compression_overrun = valid;
  compression_overrun[compression_length] = 0xff;
  EXPECT_FALSE(parse(compression_overrun).has_value());

  Bytes extensions_overrun = valid;
  ++extensions_overrun[extensions_length + 1];
  EXPECT_FALSE(parse(extensions_overrun).has_value());

  // An extensions block shorter than the rest leaves trailing bytes.
  Bytes extensions_short = valid;
  --extensions_short[extensions_length + 1];
  EXPECT_FALSE(parse(extensions_short).has_value());

  // The one extension's own length runs past the block.
  Bytes extension_overrun = valid;
  ++extension_overrun[extensions_length + 2 + 2 + 1];
  EXPECT_FALSE(parse(extension_overrun).has_value());
}

TEST(ClientHelloMalformed, CipherSuitesOddOrEmpty) {
  HandHello odd;
  odd.cipher_suites = {0x13, 0x01, 0xc0};
  EXPECT_FALSE(parse(odd.body()).has_value());
  HandHello empty;
  empty.cipher_suites = {};
  EXPECT_FALSE(parse(empty.body()).has_value());
}

TEST(ClientHelloMalformed, EmptyCompressionMethods) {
  HandHello hand;
  hand.compression_methods = {};
  EXPECT_FALSE(parse(hand.body()).has_value());
}

TEST(ClientHelloMalformed, DuplicateExtension) {
  EXPECT_FALSE(parse(with_extensions(concat({extension(0x3344, {}), extension(0x3344, {})})).body())
                   .has_value());
  EXPECT_FALSE(parse(with_extensions(
                         concat({supported_versions_extension({kTls1_3}), sni_extension("a.test"),
                                 supported_versions_extension({kTls1_2})}))
                         .body())
                   .has_value());
}

TEST(ClientHelloMalformed, TrailingBytes) {
  Bytes after_extensions = with_extensions(sni_extension("a.test")).body();
  after_extensions.push_back(0);
  EXPECT_FALSE(parse(after_extensions).has_value());

  // One byte after compression_methods cannot even be an extensions length.
  Bytes after_compression = HandHello().body();
  after_compression.push_back(0);
  EXPECT_FALSE(parse(after_compression).has_value());

  // A partial extension header inside the block.
  EXPECT_FALSE(parse(with_extensions({0x00, 0x10, 0x00}).body()).has_value());
}

TEST(ClientHelloMalformed, BadServerName) {
  const auto sni_with_list = [](const Bytes& list) {
    return with_extensions(extension(kServerName, ByteBuilder().vec16(list).take())).body();
  };
  const auto host_entry = [](const Bytes& name) { return ByteBuilder().u8(0).vec16(name).take(); };

  EXPECT_FALSE(parse(with_extensions(extension(kServerName, {})).body()).has_value());
  EXPECT_FALSE(parse(sni_with_list({})).has_value());
  EXPECT_FALSE(parse(sni_with_list(host_entry({}))).has_value());
  EXPECT_FALSE(parse(sni_with_list(host_entry({'a', 0, 'b'}))).has_value());
  EXPECT_FALSE(
      parse(sni_with_list(concat({host_entry(text("a.test")), host_entry(text("b.test"))})))
          .has_value());
  // Name length past the list, and a list length inside the extension that is too short.
  EXPECT_FALSE(
      parse(sni_with_list(ByteBuilder().u8(0).u16(10).raw(text("a.test")).take())).has_value());
  EXPECT_FALSE(
      parse(with_extensions(
                extension(kServerName, ByteBuilder().u16(3).raw(host_entry(text("a.test"))).take()))
                .body())
          .has_value());
  // Bytes after the list inside the extension.
  EXPECT_FALSE(
      parse(with_extensions(extension(kServerName,
                                      ByteBuilder().vec16(host_entry(text("a.test"))).u8(0).take()))
                .body())
          .has_value());
}

TEST(ClientHelloMalformed, BadAlpn) {
  EXPECT_FALSE(parse(with_extensions(alpn_extension({"h2", ""})).body()).has_value());
  EXPECT_FALSE(parse(with_extensions(alpn_extension({})).body()).has_value());
  EXPECT_FALSE(parse(with_extensions(extension(kAlpn, {})).body()).has_value());
  // Name length past the list.
  EXPECT_FALSE(
      parse(with_extensions(extension(kAlpn, ByteBuilder().vec16({5, 'h', '2'}).take())).body())
          .has_value());
  EXPECT_FALSE(
      parse(
          with_extensions(extension(kAlpn, ByteBuilder().vec16({2, 'h', '2'}).u8(0).take())).body())
          .has_value());
}

TEST(ClientHelloMalformed, BadSupportedVersions) {
  const auto with_contents = [](const Bytes& contents) {
    return with_extensions(extension(kSupportedVersions, contents)).body();
  };
  EXPECT_FALSE(parse(with_contents({3, 0x03, 0x04, 0x03})).has_value());        // odd length
  EXPECT_FALSE(parse(with_contents({0})).has_value());                          // empty list
  EXPECT_FALSE(parse(with_contents({})).has_value());                           // no length byte
  EXPECT_FALSE(parse(with_contents({4, 0x03, 0x04})).has_value());              // length overruns
  EXPECT_FALSE(parse(with_contents({2, 0x03, 0x04, 0x03, 0x03})).has_value());  // trailing bytes
  // The ServerHello form (a bare version) is not valid in a ClientHello.
  EXPECT_FALSE(parse(with_contents({0x03, 0x04})).has_value());
}

TEST(ClientHelloMalformed, BadListExtensions) {
  const auto with = [](std::uint16_t type, const Bytes& contents) {
    return with_extensions(extension(type, contents)).body();
  };
  EXPECT_FALSE(parse(with(kSupportedGroups, {0x00, 0x03, 0x00, 0x17, 0x00})).has_value());
  EXPECT_FALSE(parse(with(kSupportedGroups, {0x00, 0x00})).has_value());
  EXPECT_FALSE(parse(with(kEcPointFormats, {0x00})).has_value());
  EXPECT_FALSE(parse(with(kEcPointFormats, {0x01, 0x00, 0x00})).has_value());
  EXPECT_FALSE(parse(with(kSignatureAlgorithms, {0x00, 0x00})).has_value());
  EXPECT_FALSE(parse(with(kSignatureAlgorithms, {0x00, 0x01, 0x04})).has_value());
}

// ---------------------------------------------------------------------------------------------
// Key shares (TLS 1.3): their groups are kept, GREASE left out, capped and counted like ALPN.

Bytes key_share_extension(std::initializer_list<std::pair<std::uint16_t, Bytes>> shares) {
  ByteBuilder list;
  for (const auto& [group, key] : shares) list.u16(group).vec16(key);
  return extension(kKeyShare, ByteBuilder().vec16(list.take()).take());
}

TEST(ClientHelloKeyShare, RealTls13HelloSharesItsFirstGroup) {
  test::HelloOptions options;
  options.grease = true;
  const std::optional<ClientHello> hello = parse(test::capture_client_hello(options));
  ASSERT_TRUE(hello.has_value());
  // BoringSSL's default: X25519, P-256, P-384 after a GREASE value, and a key share for X25519
  // after a GREASE share of one byte.
  EXPECT_EQ(std::vector<std::uint16_t>(hello->supported_groups.begin() + 1,
                                       hello->supported_groups.end()),
            (std::vector<std::uint16_t>{0x001d, 0x0017, 0x0018}));
  EXPECT_EQ(hello->key_share_groups, std::vector<std::uint16_t>{0x001d});
  EXPECT_EQ(hello->key_shares_offered, 1u);
}

TEST(ClientHelloKeyShare, HandBuiltSharesKeepTheirOrderWithoutGrease) {
  const Bytes body =
      with_extensions(
          concat(
              {supported_versions_extension({kTls1_3}),
               extension(kSupportedGroups, ByteBuilder().vec16(u16_list({0x11ec, 0x001d})).take()),
               key_share_extension(
                   {{0x2a2a, {0}}, {0x11ec, Bytes(1216, 7)}, {0x001d, Bytes(32, 9)}})}))
          .body();
  const std::optional<ClientHello> hello = parse(body);
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->key_share_groups, (std::vector<std::uint16_t>{0x11ec, 0x001d}));
  EXPECT_EQ(hello->key_shares_offered, 2u);
}

TEST(ClientHelloKeyShare, AnEmptyListAsksForARetry) {
  const auto hello = parse(with_extensions(extension(kKeyShare, {0, 0})).body());
  ASSERT_TRUE(hello.has_value());
  EXPECT_TRUE(hello->key_share_groups.empty());
  EXPECT_EQ(hello->key_shares_offered, 0u);
}

TEST(ClientHelloKeyShare, AStuffedHelloIsCappedAndCounted) {
  ByteBuilder list;
  for (std::uint16_t i = 0; i < 5000; ++i)
    list.u16(static_cast<std::uint16_t>(0x0100 + i)).vec16({1});
  const auto hello =
      parse(with_extensions(extension(kKeyShare, ByteBuilder().vec16(list.take()).take())).body());
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->key_share_groups.size(), kMaxKeySharesKept);
  EXPECT_EQ(hello->key_share_groups.front(), 0x0100);
  EXPECT_EQ(hello->key_shares_offered, 4999u) << "0x0a0a is GREASE, not a share";
}

TEST(ClientHelloMalformed, BadKeyShare) {
  const auto with_contents = [](const Bytes& contents) {
    return with_extensions(extension(kKeyShare, contents)).body();
  };
  EXPECT_FALSE(parse(with_contents({})).has_value());                        // no list length
  EXPECT_FALSE(parse(with_contents({0, 3, 0x00, 0x1d, 0x00})).has_value());  // entry cut short
  EXPECT_FALSE(parse(with_contents({0, 6, 0x00, 0x1d, 0x00, 0x05, 1, 2})).has_value());  // key
  EXPECT_FALSE(parse(with_contents({0, 0, 0x00})).has_value());  // trailing byte
}

// ---------------------------------------------------------------------------------------------

TEST(IsGrease, AllSixteenRfc8701Values) {
  for (std::uint16_t nibble = 0; nibble < 16; ++nibble) {
    const auto byte = static_cast<std::uint16_t>((nibble << 4) | 0x0a);
    const auto value = static_cast<std::uint16_t>((byte << 8) | byte);
    EXPECT_TRUE(is_grease(value)) << std::hex << value;
  }
}

TEST(IsGrease, NearMisses) {
  for (const std::uint16_t value : {0x0000, 0x0303, 0x0304, 0x0a0b, 0x0b0a, 0x0a1a, 0x1a0a, 0x1a2a,
                                    0xa0a0, 0x0aaa, 0xfaf0, 0xffff, 0x7f1c}) {
    EXPECT_FALSE(is_grease(value)) << std::hex << value;
  }
}

// ---------------------------------------------------------------------------------------------
// The capture helpers themselves.

TEST(ClientHelloCapture, WrapInRecordLayout) {
  const Bytes body = {1, 2, 3};
  EXPECT_EQ(test::wrap_in_record(body, kTls1_2),
            (Bytes{22, 0x03, 0x03, 0x00, 0x07, 1, 0x00, 0x00, 0x03, 1, 2, 3}));
}

TEST(ClientHelloCapture, WrapInRecordSplitsAt16KiB) {
  const Bytes body(20000, 0x42);
  const Bytes records = test::wrap_in_record(body);
  ASSERT_EQ(records.size(), 5 + 16384 + 5 + (20004 - 16384));
  EXPECT_EQ((Bytes{records[0], records[1], records[2], records[3], records[4]}),
            (Bytes{22, 0x03, 0x01, 0x40, 0x00}));
  const std::size_t second = 5 + 16384;
  EXPECT_EQ((Bytes{records[second], records[second + 3], records[second + 4]}),
            (Bytes{22, (20004 - 16384) >> 8, (20004 - 16384) & 0xff}));
}

TEST(ClientHelloCapture, RejectsUnknownCipherString) {
  test::HelloOptions options;
  options.cipher_list = "NOT-A-CIPHER";
  EXPECT_THROW(test::capture_client_hello(options), std::runtime_error);
}

}  // namespace
}  // namespace tlsfloor::hello

namespace tlsfloor::hello {
namespace {

TEST(CanVerifyEcdsaTest, Tls13NeedsTheKeysSchemeBelowASuiteAnAlgorithmAndTheCurve) {
  constexpr std::uint16_t kP256 = 23, kP384 = 24, kEcdsaP256Sha256 = 0x0403,
                          kEcdsaP384Sha384 = 0x0503, kRsaPss = 0x0804;
  ClientHello modern;
  modern.signature_algorithms = {kEcdsaP256Sha256, kRsaPss};
  modern.cipher_suites = {0x1301, 0xC02B, 0xC02F};
  modern.supported_groups = {29, kP256};
  EXPECT_TRUE(can_verify_ecdsa(modern, true, kP256, kEcdsaP256Sha256));
  EXPECT_FALSE(can_verify_ecdsa(modern, true, kP384, kEcdsaP384Sha384));  // TLS 1.3 ties curve
  EXPECT_TRUE(can_verify_ecdsa(modern, false, kP256, kEcdsaP256Sha256));
  EXPECT_FALSE(can_verify_ecdsa(modern, false, kP384, kEcdsaP384Sha384));  // P-384 not offered

  ClientHello rsa_only = modern;
  rsa_only.signature_algorithms = {kRsaPss, 0x0401};
  EXPECT_FALSE(can_verify_ecdsa(rsa_only, true, kP256, kEcdsaP256Sha256));
  EXPECT_FALSE(can_verify_ecdsa(rsa_only, false, kP256, kEcdsaP256Sha256));

  ClientHello no_ecdsa_suite = modern;
  no_ecdsa_suite.cipher_suites = {0xC02F, 0x009C};  // ECDHE_RSA and static RSA
  EXPECT_TRUE(can_verify_ecdsa(no_ecdsa_suite, true, kP256, kEcdsaP256Sha256));
  EXPECT_FALSE(can_verify_ecdsa(no_ecdsa_suite, false, kP256, kEcdsaP256Sha256));

  // TLS 1.0: no signature_algorithms; an ECDHE_ECDSA suite (0xC009) is what says yes.
  ClientHello old;
  old.cipher_suites = {0xC013, 0x002F};
  EXPECT_FALSE(can_verify_ecdsa(old, false, kP256, kEcdsaP256Sha256));
  old.cipher_suites.push_back(0xC009);
  EXPECT_TRUE(can_verify_ecdsa(old, false, kP256, kEcdsaP256Sha256));
}

}  // namespace
}  // namespace tlsfloor::hello
