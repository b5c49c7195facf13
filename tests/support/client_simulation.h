#pragma once
// The ClientHellos of real clients captured by SSL Labs, as testssl.sh ships them (Debian's
// testssl.sh package, /etc/testssl/client-simulation.txt): IE on XP..10, Java 6..17, Android
// 2.3..12, OpenSSL 0.9.8..3.0, Safari, Chrome, Firefox, crawlers. Read from the installed file at
// test time, never copied into the tree.
#include <cstdint>
#include <string>
#include <vector>

namespace tlsfloor::test {

/// Where Debian's testssl.sh package installs the client simulation data.
inline constexpr const char* kClientSimulationFile = "/etc/testssl/client-simulation.txt";

struct SimulatedClient {
  std::string name;        // "Android 2.3.7"
  std::string short_name;  // "android_237"
  /// The hello as it goes on the wire: a TLS record, or an SSL 2 record (first bit set).
  std::vector<std::uint8_t> record;
  /// The best version the client speaks, as a wire code (0x0300 .. 0x0304).
  std::uint16_t highest_protocol = 0;
  /// The groups SSL Labs decoded from the hello, in OpenSSL's names joined with ':'
  /// ("X25519:prime256v1:secp384r1"); empty when it offers none.
  std::string curves;
};

/// Every client of the file, in its order; throws std::runtime_error when it cannot be read.
std::vector<SimulatedClient> load_client_simulation(
    const std::string& path = kClientSimulationFile);

/// The ClientHello message body of `record` (record and handshake headers off), as BoringSSL's
/// early callback sees it: an SSL 2 record is converted the way BoringSSL's server converts one
/// before that callback (ssl/s3_both.cc, read_v2_client_hello): version, the challenge as the
/// random (left-padded to 32 bytes), no session id, the 3-byte cipher specs whose first byte is 0
/// as suites, null compression, no extensions.
std::vector<std::uint8_t> client_hello_body(const std::vector<std::uint8_t>& record);

}  // namespace tlsfloor::test
