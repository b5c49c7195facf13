#include "config/tls_profile.h"

#include <algorithm>
#include <iterator>

#include "config/named_group.h"

namespace tlsfloor::config {
namespace {

using namespace group;

// Mozilla's guidelines 6.0 list X25519MLKEM768 first; BoringSSL here cannot negotiate ML-KEM,
// so the rest of the list, in its order, is what a listener can offer.
constexpr std::uint16_t kMozilla6Groups[] = {kX25519, kP256, kP384};
constexpr std::uint16_t kMozilla5Groups[] = {kX25519, kP256, kP384};
// SP 800-52r2 on the supported groups extension: P-256 or P-384 shall be supported, other curves
// only as SP 800-56A approves them (P-521 is; X25519 is not among them).
constexpr std::uint16_t kNistGroups[] = {kP256, kP384, kP521};
constexpr std::uint16_t kPciGroups[] = {kX25519, kP256, kP384};

// The six ECDHE suites with AEAD of Mozilla's intermediate configuration (guidelines 6.0).
constexpr std::string_view kEcdheAead =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

constexpr TlsProfile kProfiles[] = {
    {
        "mozilla-modern",
        "Mozilla Server Side TLS guidelines 6.0, Modern "
        "(https://ssl-config.mozilla.org/guidelines/6.0.json)",
        TlsVersion::tls1_3,
        TlsVersion::tls1_3,
        kEcdheAead,
        kMozilla6Groups,
        "X25519MLKEM768 (this BoringSSL cannot negotiate ML-KEM). Modern lists no TLS 1.2 suites; "
        "ciphers are Intermediate's, used only for clients let in below the floor and for refusals "
        "answered over HTTP. The server's order decides (the policy leaves it to the client).",
    },
    {
        "mozilla-intermediate",
        "Mozilla Server Side TLS guidelines 6.0, Intermediate "
        "(https://ssl-config.mozilla.org/guidelines/6.0.json)",
        TlsVersion::tls1_2,
        TlsVersion::tls1_3,
        kEcdheAead,
        kMozilla6Groups,
        "X25519MLKEM768 (this BoringSSL cannot negotiate ML-KEM). The server's order decides (the "
        "policy leaves it to the client).",
    },
    {
        "mozilla-old",
        "Mozilla Server Side TLS guidelines 5.7, Old (https://ssl-config.mozilla.org/guidelines/"
        "5.7.json; dropped from 6.0, kept for the transition)",
        TlsVersion::tls1_0,
        TlsVersion::tls1_3,
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
        "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:"
        "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA:DES-CBC3-SHA",
        kMozilla5Groups,
        "The DHE suites and the SHA-256/SHA-384 CBC suites (this BoringSSL has neither), and "
        "1024-bit DH parameters with them.",
    },
    {
        "nist-sp800-52r2",
        "NIST SP 800-52 Rev. 2 (2019): TLS 1.2 and 1.3 (section 3.1), its TLS 1.2 suites with "
        "ephemeral ECDHE and AES-GCM or AES-CBC (3.3.1), NIST curves (supported groups)",
        TlsVersion::tls1_2,
        TlsVersion::tls1_3,
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
        "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA",
        kNistGroups,
        "The CCM and SHA-256/SHA-384 CBC suites (this BoringSSL has none). Static-RSA and DHE "
        "suites, which the SP permits, are left out: it prefers ephemeral ECDHE. BoringSSL fixes "
        "TLS 1.3's suites, so TLS_CHACHA20_POLY1305_SHA256, which the SP does not list, is offered "
        "to TLS 1.3 clients.",
    },
    {
        "pci-dss-4",
        "PCI DSS v4.0.1, requirements 4.2.1 and 2.2.7 (strong cryptography) and Appendix A2 (no "
        "SSL or early TLS)",
        TlsVersion::tls1_2,
        TlsVersion::tls1_3,
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
        "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA",
        kPciGroups,
        "PCI DSS names no suites: this is tlsfloor's default list (forward secrecy, no 3DES, no "
        "static RSA) with the TLS 1.2 floor Appendix A2 requires.",
    },
};

void describe(std::string_view where, const TlsConfig& tls, std::vector<std::string>& lines) {
  const TlsProfile* profile = find_tls_profile(tls.profile);
  if (profile == nullptr) return;
  const auto mark = [](bool own) { return own ? std::string() : std::string(" (set here)"); };
  const bool own_versions =
      tls.min_version == profile->min_version && tls.max_version == profile->max_version;
  const bool own_ciphers = tls.ciphers.text == profile->ciphers;
  const bool own_groups = std::equal(tls.groups.codes.begin(), tls.groups.codes.end(),
                                     profile->groups.begin(), profile->groups.end());
  lines.push_back(std::string(where) + ": profile " + std::string(profile->name) + ", " +
                  std::string(profile->source));
  lines.push_back("  versions " + std::string(to_string(tls.min_version)) + " to " +
                  std::string(to_string(tls.max_version)) + mark(own_versions));
  lines.push_back("  ciphers  " + tls.ciphers.text + mark(own_ciphers));
  lines.push_back("  groups   " + group_list_text(tls.groups.codes) + mark(own_groups));
  lines.push_back("  left out " + std::string(profile->left_out));
}

}  // namespace

std::span<const TlsProfile> tls_profiles() { return kProfiles; }

std::vector<std::string> describe_profiles(const Config& config) {
  std::vector<std::string> lines;
  for (const ListenerConfig& listener : config.listeners) {
    describe("listener " + listener.name, listener.tls, lines);
    for (const RouteConfig& route : listener.routes) {
      // A route that only inherits its listener's profile was described with it.
      if (route.tls.profile.empty() ||
          (route.tls.profile == listener.tls.profile && route.tls.ciphers == listener.tls.ciphers &&
           route.tls.groups == listener.tls.groups &&
           route.tls.min_version == listener.tls.min_version &&
           route.tls.max_version == listener.tls.max_version)) {
        continue;
      }
      describe("listener " + listener.name + " route " + route.name, route.tls, lines);
    }
  }
  return lines;
}

const TlsProfile* find_tls_profile(std::string_view name) {
  for (const TlsProfile& profile : kProfiles) {
    if (profile.name == name) return &profile;
  }
  return nullptr;
}

}  // namespace tlsfloor::config
