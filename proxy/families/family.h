#pragma once
// A client family: which software a ClientHello comes from, and what to do about it.
#include <string_view>

namespace tlsfloor::families {

/// One kind of TLS client. Every field is static text from the generated table.
struct Family {
  /// Stable identifier and metric label value: [a-z0-9_.-], e.g. "schannel-win7".
  std::string_view id;
  /// For people, e.g. "Windows 7 / Server 2008 R2 (SChannel), TLS 1.2 off".
  std::string_view name;
  /// One sentence: what to change so the client speaks TLS 1.2 or later.
  std::string_view advice;
  /// A vendor page behind the advice (https).
  std::string_view link;
};

}  // namespace tlsfloor::families
