#pragma once
// TLS client fingerprints of a parsed ClientHello: JA3 (Salesforce) and JA4 (FoxIO, TLS over TCP).
// Pure functions, no I/O; they allocate a few short strings and run once per handshake.
//
// Specifications implemented:
//   JA3: https://github.com/salesforce/ja3 (README.md, "How it works")
//   JA4: https://github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4.md
#include <string>

#include "proxy/hello/client_hello.h"

namespace tlsfloor::hello {

/// The JA3 string "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats":
/// the legacy_version field and every list value in decimal, values joined by '-', in the
/// client's order, GREASE values (RFC 8701) left out. A list the hello does not carry is an
/// empty field, so the string always has four commas (e.g. "769,4-5-10,,,").
std::string ja3_string(const ClientHello& hello);

/// The JA3 fingerprint: MD5 of ja3_string() as 32 lowercase hex characters.
std::string ja3(const ClientHello& hello);

/// The JA4 fingerprint of a TLS-over-TCP hello, e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1":
///  - "t", then the version: the highest non-GREASE supported_versions value when that extension
///    is present, else legacy_version; 0x0304 "13", 0x0303 "12", 0x0302 "11", 0x0301 "10",
///    0x0300 "s3", 0x0002 "s2", 0xfeff "d1", 0xfefd "d2", 0xfefc "d3", anything else "00"
///    (also a supported_versions holding nothing but GREASE);
///  - "d" when the SNI extension (0x0000) is present, else "i";
///  - cipher and extension counts without GREASE, two digits each, capped at 99 (SNI and ALPN
///    are counted);
///  - the first and last characters of the first ALPN value ("00" without one). When either
///    end byte is not an ASCII letter or digit, the first and last characters of the value's
///    lowercase hex form are used instead; a one-character value gives that character twice;
///  - "_", the first 12 hex characters of SHA-256 over the sorted cipher list (4 lowercase hex
///    digits each, comma-separated), or "000000000000" when no cipher is left;
///  - "_", the same over the sorted extension list without SNI and ALPN, followed by "_" and the
///    signature algorithms in the client's order (no "_" when there are none), or
///    "000000000000" when no extension is left.
/// GREASE values are ignored in every list.
std::string ja4(const ClientHello& hello);

/// JA4_r: ja4() with the hashed parts replaced by the strings that would be hashed, e.g.
/// "t13d1516h2_002f,0035,..._0005,000a,..._0403,0804,...". An empty list prints as nothing (the
/// zero hash stands in for a hash, not for a list), and the signature algorithm part and its
/// "_" are left out when there are none.
std::string ja4_raw(const ClientHello& hello);

}  // namespace tlsfloor::hello
