#include "proxy/hello/fingerprint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "config/tls_version.h"
#include "proxy/hello/client_hello.h"
#include "tests/support/client_hello_capture.h"

// Every expected fingerprint below is copied from a published source, cited next to it, or
// follows from a rule the specification states in words (cited the same way). None was produced
// by running this code.
//
// Sources:
//  [JA3]  https://github.com/salesforce/ja3 README.md, "How it works".
//  [JA4]  https://github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4.md
//  [OUSPG] https://github.com/ouspg/CloudAndNetworkSecurity, "3. Network Protocols/README.md":
//         Wireshark dissection of an `openssl s_client -tls1_3 -ciphersuites
//         TLS_CHACHA20_POLY1305_SHA256` hello to github.com, with JA4, JA4_r, JA3 full string and
//         JA3 as printed by the JA4 Wireshark plugin.
//  [BL]   https://github.com/service0427/v2_cp_app, tls.md: tls.browserleaks.com's JSON report of
//         a Chrome 143 (Android) hello, listing every value in wire order including GREASE, with
//         its ja3_text, ja3_hash, ja4 and ja4_r.

namespace tlsfloor::hello {
namespace {

using U16s = std::vector<std::uint16_t>;

using namespace config::wire;
using extension_type::kAlpn;
using extension_type::kServerName;

constexpr char kZeroHash[] = "000000000000";

// [JA4] "Example": 15 cipher suites and 16 extensions in the order the client sent them, the
// signature algorithms, TLS 1.3, an SNI, and "h2" as the first ALPN value.
ClientHello ja4_spec_example() {
  ClientHello hello;
  hello.legacy_version = kTls1_2;
  hello.cipher_suites = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                         0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  hello.compression_methods = {0};
  hello.extensions = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                      0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
  hello.has_supported_versions = true;
  hello.supported_versions = {kTls1_3, kTls1_2};
  hello.server_name = "example.com";
  hello.alpn = {"h2", "http/1.1"};
  hello.supported_groups = {0x001d, 0x0017, 0x0018};
  hello.ec_point_formats = {0};
  hello.signature_algorithms = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
  return hello;
}

// [JA4] "Example" and "Raw Output".
constexpr char kJa4SpecExample[] = "t13d1516h2_8daaf6152771_e5627efa2ab1";
constexpr char kJa4RawSpecExample[] =
    "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
    "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
    "0403,0804,0401,0503,0805,0501,0806,0601";

// [OUSPG]: openssl s_client. One suite, ten extensions in the order of the JA3 full string, no
// ALPN, supported_versions "TLS 1.3" only, legacy version 771.
ClientHello ouspg_openssl_hello() {
  ClientHello hello;
  hello.legacy_version = kTls1_2;
  hello.cipher_suites = {0x1303};
  hello.compression_methods = {0};
  hello.extensions = {0, 11, 10, 35, 22, 23, 13, 43, 45, 51};
  hello.has_supported_versions = true;
  hello.supported_versions = {kTls1_3};
  hello.server_name = "github.com";
  hello.supported_groups = {29, 23, 30, 25, 24, 256, 257, 258, 259, 260};
  hello.ec_point_formats = {0, 1, 2};
  hello.signature_algorithms = {0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x081a,
                                0x081b, 0x081c, 0x0809, 0x080a, 0x080b, 0x0804,
                                0x0805, 0x0806, 0x0401, 0x0501, 0x0601};
  return hello;
}

// [BL]: Chrome 143 exactly as listed in the report's "tls" section, GREASE values in place
// (0xaaaa cipher; 0x4a4a and 0x6a6a extensions; 0x3a3a group; 0x6a6a version).
ClientHello browserleaks_chrome_143() {
  ClientHello hello;
  hello.legacy_version = 771;
  hello.cipher_suites = {43690, 4865,  4866,  4867,  49195, 49199, 49196, 49200,
                         52393, 52392, 49171, 49172, 156,   157,   47,    53};
  hello.compression_methods = {0};
  hello.extensions = {19018, 45, 51,    16, 65037, 23, 17613, 0,  11,
                      10,    43, 65281, 35, 18,    5,  13,    27, 27242};
  hello.has_supported_versions = true;
  hello.supported_versions = {27242, 772, 771};
  hello.server_name = "tls-outer.browserleaks.com";
  hello.alpn = {"h2", "http/1.1"};
  hello.supported_groups = {14906, 4588, 29, 23, 24};
  hello.ec_point_formats = {0};
  hello.signature_algorithms = {1027, 2052, 1025, 1283, 2053, 1281, 2054, 1537};
  return hello;
}

// The hello that [JA3]'s example strings describe, field by field.
ClientHello hello_from_ja3_fields(std::uint16_t version, U16s ciphers, U16s extensions, U16s curves,
                                  std::vector<std::uint8_t> point_formats) {
  ClientHello hello;
  hello.legacy_version = version;
  hello.cipher_suites = std::move(ciphers);
  hello.compression_methods = {0};
  hello.extensions = std::move(extensions);
  hello.supported_groups = std::move(curves);
  hello.ec_point_formats = std::move(point_formats);
  return hello;
}

ClientHello ja3_readme_example_1() {
  return hello_from_ja3_fields(769, {47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4},
                               {0, 10, 11}, {23, 24, 25}, {0});
}

ClientHello ja3_readme_example_2() {
  return hello_from_ja3_fields(769, {4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99}, {}, {}, {});
}

// Inserts GREASE values (RFC 8701) at the front, middle and back of every list that can carry
// them, the way browsers do.
ClientHello with_grease(ClientHello hello) {
  const auto sprinkle = [](U16s& list, std::uint16_t a, std::uint16_t b, std::uint16_t c) {
    list.insert(list.begin(), a);
    list.insert(list.begin() + static_cast<std::ptrdiff_t>(list.size() / 2), b);
    list.push_back(c);
  };
  sprinkle(hello.cipher_suites, 0x0a0a, 0x5a5a, 0xfafa);
  sprinkle(hello.extensions, 0x1a1a, 0x6a6a, 0xeaea);
  sprinkle(hello.supported_groups, 0x2a2a, 0x7a7a, 0xdada);
  sprinkle(hello.signature_algorithms, 0x3a3a, 0x8a8a, 0xcaca);
  if (hello.has_supported_versions) {
    sprinkle(hello.supported_versions, 0x4a4a, 0x9a9a, 0xbaba);
  }
  return hello;
}

ClientHello without_extension(ClientHello hello, std::uint16_t type) {
  std::erase(hello.extensions, type);
  return hello;
}

// Section a is everything before the first '_'; the ALPN characters are its last two.
std::string section_a(const std::string& ja4_value) {
  return ja4_value.substr(0, ja4_value.find('_'));
}

std::string alpn_chars(const ClientHello& hello) { return section_a(ja4(hello)).substr(8, 2); }

// ---------------------------------------------------------------------------------------------
// Published vectors.

TEST(Ja3Test, ReadmeExampleWithExtensions) {
  // [JA3]: "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0 -->
  // ada70206e40642a3e4461f35503241d5".
  const ClientHello hello = ja3_readme_example_1();
  EXPECT_EQ(ja3_string(hello),
            "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
  EXPECT_EQ(ja3(hello), "ada70206e40642a3e4461f35503241d5");
}

TEST(Ja3Test, ReadmeExampleWithoutExtensionsLeavesFieldsEmpty) {
  // [JA3]: "If there are no SSL Extensions in the Client Hello, the fields are left empty."
  // "769,4-5-10-9-100-98-3-6-19-18-99,,, --> de350869b8c85de67a350c8d186f11e6".
  const ClientHello hello = ja3_readme_example_2();
  EXPECT_EQ(ja3_string(hello), "769,4-5-10-9-100-98-3-6-19-18-99,,,");
  EXPECT_EQ(ja3(hello), "de350869b8c85de67a350c8d186f11e6");
}

TEST(Ja3Test, OpensslHelloFromWireshark) {
  // [OUSPG]: "JA3 Fullstring: 771,4867,0-11-10-35-22-23-13-43-45-51,
  // 29-23-30-25-24-256-257-258-259-260,0-1-2" and "JA3: 482d93134dde169bf71e5da09c7715a8".
  const ClientHello hello = ouspg_openssl_hello();
  EXPECT_EQ(ja3_string(hello),
            "771,4867,0-11-10-35-22-23-13-43-45-51,29-23-30-25-24-256-257-258-259-260,0-1-2");
  EXPECT_EQ(ja3(hello), "482d93134dde169bf71e5da09c7715a8");
}

TEST(Ja3Test, ChromeHelloWithGreaseFromBrowserleaks) {
  // [BL]: "ja3_text" and "ja3_hash"; the report's own value lists still hold the GREASE values
  // that the JA3 text leaves out.
  const ClientHello hello = browserleaks_chrome_143();
  EXPECT_EQ(ja3_string(hello),
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
            "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0");
  EXPECT_EQ(ja3(hello), "98487aa16281980e7d1120d399efb6a4");
}

TEST(Ja4Test, SpecificationExample) {
  const ClientHello hello = ja4_spec_example();
  EXPECT_EQ(ja4(hello), kJa4SpecExample);
  EXPECT_EQ(ja4_raw(hello), kJa4RawSpecExample);
}

TEST(Ja4Test, SpecificationExampleWithoutSignatureAlgorithms) {
  // [JA4] "Extension hash": "If there are no signature algorithms in the hello packet, then the
  // string ends without an underscore and is hashed", e.g. "0005,000a,000b,000d,0012,0015,0017,
  // 001b,0023,002b,002d,0033,4469,ff01 = 6d807ffa2a79".
  ClientHello hello = ja4_spec_example();
  hello.signature_algorithms.clear();
  EXPECT_EQ(ja4(hello), "t13d1516h2_8daaf6152771_6d807ffa2a79");
  EXPECT_EQ(ja4_raw(hello),
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,"
            "cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01");
}

TEST(Ja4Test, OpensslHelloWithoutAlpnFromWireshark) {
  // [OUSPG]: "JA4: t13d011000_58070c528ac8_3eb3b556ea2c" and its "JA4_r".
  const ClientHello hello = ouspg_openssl_hello();
  EXPECT_EQ(ja4(hello), "t13d011000_58070c528ac8_3eb3b556ea2c");
  EXPECT_EQ(ja4_raw(hello),
            "t13d011000_1303_000a,000b,000d,0016,0017,0023,002b,002d,0033_0403,0503,0603,0807,"
            "0808,081a,081b,081c,0809,080a,080b,0804,0805,0806,0401,0501,0601");
}

TEST(Ja4Test, ChromeHelloWithGreaseFromBrowserleaks) {
  // [BL]: "ja4" and "ja4_r".
  const ClientHello hello = browserleaks_chrome_143();
  EXPECT_EQ(ja4(hello), "t13d1516h2_8daaf6152771_d8a2da3f94cd");
  EXPECT_EQ(ja4_raw(hello),
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,"
            "cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_0403,0804,"
            "0401,0503,0805,0501,0806,0601");
}

// ---------------------------------------------------------------------------------------------
// GREASE: [JA3] "JA3 ignores these values completely"; [JA4] "The program needs to ignore
// GREASE values anywhere it sees them".

TEST(FingerprintGrease, GreaseInEveryListChangesNothing) {
  for (const ClientHello& hello :
       {ja4_spec_example(), ouspg_openssl_hello(), ja3_readme_example_1(), ja3_readme_example_2(),
        browserleaks_chrome_143()}) {
    const ClientHello greased = with_grease(hello);
    ASSERT_NE(greased.cipher_suites, hello.cipher_suites);
    EXPECT_EQ(ja3_string(greased), ja3_string(hello));
    EXPECT_EQ(ja3(greased), ja3(hello));
    EXPECT_EQ(ja4(greased), ja4(hello));
    EXPECT_EQ(ja4_raw(greased), ja4_raw(hello));
  }
}

TEST(FingerprintGrease, PublishedVectorsHoldWithGreaseAdded) {
  EXPECT_EQ(ja3(with_grease(ja3_readme_example_1())), "ada70206e40642a3e4461f35503241d5");
  EXPECT_EQ(ja3(with_grease(ouspg_openssl_hello())), "482d93134dde169bf71e5da09c7715a8");
  EXPECT_EQ(ja4(with_grease(ja4_spec_example())), kJa4SpecExample);
  EXPECT_EQ(ja4_raw(with_grease(ja4_spec_example())), kJa4RawSpecExample);
  EXPECT_EQ(ja4(with_grease(ouspg_openssl_hello())), "t13d011000_58070c528ac8_3eb3b556ea2c");
}

// ---------------------------------------------------------------------------------------------
// JA4 section a, rule by rule.

TEST(Ja4Test, NoSniExtensionIsI) {
  // [JA4] "SNI": no SNI extension means "i". SNI and ALPN are left out of section c "so that the
  // same application would have the same c section of the fingerprint regardless of if it were
  // going to a domain, IP": only the letter and the extension count (16 -> 15) change.
  ClientHello hello = without_extension(ja4_spec_example(), kServerName);
  hello.server_name.clear();
  EXPECT_EQ(ja4(hello), "t13i1515h2_8daaf6152771_e5627efa2ab1");
}

TEST(Ja4Test, NoAlpnIsZeroZero) {
  // [JA4] "ALPN Extension Value": "If there is no ALPN extension, no ALPN values, or the first
  // ALPN value is empty, then we print "00"". Section c stays the same, as above.
  ClientHello hello = without_extension(ja4_spec_example(), kAlpn);
  hello.alpn.clear();
  EXPECT_EQ(ja4(hello), "t13d151500_8daaf6152771_e5627efa2ab1");

  ClientHello empty_first = ja4_spec_example();
  empty_first.alpn = {"", "h2"};
  EXPECT_EQ(alpn_chars(empty_first), "00");
}

TEST(Ja4Test, AlpnFirstAndLastCharacters) {
  // [JA4] "ALPN Extension Value": only the first value counts; "http/1.1" -> "h1"; "If the first
  // ALPN value is only a single character, then that character is treated as both the first and
  // last character."
  ClientHello hello = ja4_spec_example();
  hello.alpn = {"http/1.1", "h2"};
  EXPECT_EQ(alpn_chars(hello), "h1");
  hello.alpn = {"h3"};
  EXPECT_EQ(alpn_chars(hello), "h3");
  hello.alpn = {"x"};
  EXPECT_EQ(alpn_chars(hello), "xx");
}

TEST(Ja4Test, AlpnWithNonAlphanumericEndsUsesHex) {
  // [JA4] "ALPN Extension Value", the spec's own list: 0xAB -> "ab", 0xAB 0xCD -> "ad",
  // 0x30 0xAB -> "3b", 0x30 0x31 0xAB 0xCD -> "3d", 0x30 0xAB 0xCD 0x31 -> "01".
  const struct {
    std::string value;
    const char* expected;
  } cases[] = {
      {"\xab", "ab"},
      {"\xab\xcd", "ad"},
      {"\x30\xab", "3b"},
      {"\x30\x31\xab\xcd", "3d"},
      {"\x30\xab\xcd\x31", "01"},
  };
  for (const auto& c : cases) {
    ClientHello hello = ja4_spec_example();
    hello.alpn = {c.value};
    EXPECT_EQ(alpn_chars(hello), c.expected) << c.expected;
  }
}

TEST(Ja4Test, VersionFromSupportedVersionsOverLegacyField) {
  // [JA4] "TLS and DTLS Version": with supported_versions, "the version is the highest value in
  // the extension", ignoring GREASE; the legacy field does not matter then.
  ClientHello hello = ja4_spec_example();
  hello.legacy_version = kTls1_0;
  hello.supported_versions = {0x5a5a, kTls1_2, kTls1_3, kTls1_1};
  EXPECT_EQ(section_a(ja4(hello)).substr(0, 3), "t13");
  hello.supported_versions = {kTls1_2, kTls1_1};
  EXPECT_EQ(section_a(ja4(hello)).substr(0, 3), "t12");
}

TEST(Ja4Test, VersionFromLegacyFieldWithoutSupportedVersions) {
  // [JA4] "TLS and DTLS Version": "If the extension doesn't exist, then the TLS version is the
  // value of the Protocol Version", mapped 0x0304 "13" ... 0x0300 "s3", 0x0002 "s2",
  // "Unknown = 00".
  const struct {
    std::uint16_t legacy;
    const char* expected;
  } cases[] = {{kTls1_3, "t13"}, {kTls1_2, "t12"}, {kTls1_1, "t11"}, {kTls1_0, "t10"},
               {kSsl3_0, "ts3"}, {0x0002, "ts2"},  {0x0305, "t00"},  {0x0000, "t00"}};
  for (const auto& c : cases) {
    ClientHello hello = without_extension(ja4_spec_example(), 0x002b);
    hello.has_supported_versions = false;
    hello.supported_versions.clear();
    hello.legacy_version = c.legacy;
    EXPECT_EQ(section_a(ja4(hello)).substr(0, 3), c.expected) << c.legacy;
  }
}

TEST(Ja4Test, SupportedVersionsWithOnlyGreaseIsUnknown) {
  // The spec has no rule for this: the extension exists, so the legacy field is not used, and it
  // names no version, so the version is the spec's "Unknown = 00".
  ClientHello hello = ja4_spec_example();
  hello.supported_versions = {0x0a0a};
  EXPECT_EQ(section_a(ja4(hello)).substr(0, 3), "t00");
}

TEST(Ja4Test, CountsIgnoreGreaseAndStopAt99) {
  // [JA4] "Number of Ciphers": "If there's > 99, which there should never be, then output
  // "99"", counting non-cipher values such as SCSV 0x00ff too; "Number of Extensions": "Same as
  // counting ciphers".
  ClientHello hello = ja4_spec_example();
  hello.cipher_suites.clear();
  hello.extensions.clear();
  for (std::uint16_t i = 0; i < 120; ++i) {
    hello.cipher_suites.push_back(static_cast<std::uint16_t>(0xc100 + i));
    hello.extensions.push_back(static_cast<std::uint16_t>(0x0100 + i));
  }
  hello.cipher_suites.push_back(0x00ff);
  EXPECT_EQ(section_a(ja4(hello)).substr(0, 8), "t13i9999");
}

// ---------------------------------------------------------------------------------------------
// Empty lists: [JA4] "If there are no ciphers in the sorted cipher list, then the value of
// JA4_b is set to 000000000000" and "If there are no extensions in the sorted extensions list,
// then the value of JA4_c is set to 000000000000".

TEST(Ja4Test, NoCiphersGiveZeroHash) {
  ClientHello hello = ja4_spec_example();
  hello.cipher_suites = {0x2a2a};  // only GREASE: nothing is left to hash
  EXPECT_EQ(ja4(hello), std::string("t13d0016h2_") + kZeroHash + "_e5627efa2ab1");
}

TEST(Ja4Test, NoExtensionsGiveZeroHash) {
  // [JA3]'s extension-less example: TLS 1.0 legacy field, 11 suites, no SNI, no ALPN.
  const std::string value = ja4(ja3_readme_example_2());
  EXPECT_EQ(section_a(value), "t10i110000");
  EXPECT_EQ(value.substr(value.size() - 13), std::string("_") + kZeroHash);
}

TEST(Ja4Test, OnlySniAndAlpnLeaveNoExtensionsToHash) {
  // SNI and ALPN are counted in section a but removed before section c is built.
  ClientHello hello = ja4_spec_example();
  hello.extensions = {kServerName, kAlpn};
  hello.signature_algorithms.clear();
  EXPECT_EQ(ja4(hello), std::string("t13d1502h2_8daaf6152771_") + kZeroHash);
}

// ---------------------------------------------------------------------------------------------
// Real hellos from BoringSSL. Their exact fingerprints depend on the BoringSSL build, so these
// check shape and stability rather than a published value.

const std::regex kJa4Shape(
    "t(13|12|11|10|s3|s2|00)[di][0-9]{4}[0-9A-Za-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}");
const std::regex kJa3Shape("[0-9a-f]{32}");

test::HelloOptions capture_options(std::uint16_t max_version) {
  test::HelloOptions options;
  options.max_version = max_version;
  options.server_name = "example.com";
  options.alpn = {"h2", "http/1.1"};
  options.grease = true;
  return options;
}

ClientHello capture(const test::HelloOptions& options) {
  const std::optional<ClientHello> hello = parse_client_hello(test::capture_client_hello(options));
  if (!hello.has_value()) {
    ADD_FAILURE() << "captured hello did not parse";
    return {};
  }
  return *hello;
}

std::size_t count_non_grease(const U16s& values) {
  std::size_t count = 0;
  for (const std::uint16_t value : values) {
    count += is_grease(value) ? 0 : 1;
  }
  return count;
}

TEST(FingerprintCapture, Tls13HelloIsWellFormed) {
  const ClientHello hello = capture(capture_options(kTls1_3));
  const std::string ja4_value = ja4(hello);
  EXPECT_TRUE(std::regex_match(ja4_value, kJa4Shape)) << ja4_value;
  EXPECT_TRUE(std::regex_match(ja3(hello), kJa3Shape)) << ja3(hello);

  // TLS 1.3 offered through supported_versions, SNI sent, first ALPN value "h2".
  EXPECT_EQ(ja4_value.substr(0, 4), "t13d");
  EXPECT_EQ(ja4_value.substr(8, 2), "h2");
  const std::string counts = ja4_value.substr(4, 4);
  EXPECT_EQ(std::stoul(counts.substr(0, 2)), count_non_grease(hello.cipher_suites));
  EXPECT_EQ(std::stoul(counts.substr(2, 2)), count_non_grease(hello.extensions));

  // RFC 8446 4.1.2: a TLS 1.3 client sets legacy_version to 0x0303 (771); GREASE never shows.
  const std::string ja3_text = ja3_string(hello);
  EXPECT_EQ(ja3_text.substr(0, 4), "771,");
  EXPECT_EQ(std::count(ja3_text.begin(), ja3_text.end(), ','), 4);
  for (const char* grease : {"2570", "6682", "64250"}) {  // 0x0a0a, 0x1a1a, 0xfafa
    EXPECT_EQ(ja3_text.find(std::string("-") + grease + "-"), std::string::npos);
  }
}

TEST(FingerprintCapture, Tls12HelloWithoutSniOrAlpn) {
  test::HelloOptions options = capture_options(kTls1_2);
  options.server_name.reset();
  options.alpn.clear();
  const ClientHello hello = capture(options);
  const std::string ja4_value = ja4(hello);
  EXPECT_TRUE(std::regex_match(ja4_value, kJa4Shape)) << ja4_value;
  EXPECT_EQ(ja4_value.substr(0, 4), "t12i");
  EXPECT_EQ(ja4_value.substr(8, 2), "00");
  EXPECT_EQ(ja3_string(hello).substr(0, 4), "771,");
}

TEST(FingerprintCapture, SameOptionsGiveSameFingerprints) {
  // BoringSSL picks fresh GREASE values, randoms and key shares for every connection; none of
  // that may reach a fingerprint.
  for (const std::uint16_t max_version : {kTls1_2, kTls1_3}) {
    const ClientHello first = capture(capture_options(max_version));
    const ClientHello second = capture(capture_options(max_version));
    EXPECT_EQ(ja3_string(first), ja3_string(second));
    EXPECT_EQ(ja3(first), ja3(second));
    EXPECT_EQ(ja4(first), ja4(second));
    EXPECT_EQ(ja4_raw(first), ja4_raw(second));
  }
}

}  // namespace
}  // namespace tlsfloor::hello
