#pragma once
// What this binary is: reported by `tlsfloor --version` and the tlsfloor_build_info metric.
#include <string_view>

namespace tlsfloor::metrics {

/// tlsfloor's version, from CMake's project(VERSION).
extern const std::string_view kVersion;
/// The TLS library and its version, e.g. "BoringSSL (Debian android-libboringssl 13.0.0)".
extern const std::string_view kTlsLibrary;

}  // namespace tlsfloor::metrics
