#pragma once
// Which owner a handshake's client belongs to: the most specific owner of the directory
// (config/owner_directory.h) whose every listed kind of fact matches. Pure; runs for legacy and
// logged handshakes only, a scan of the directory (a few hundred owners cost microseconds).
#include <string_view>

#include "config/address_prefix.h"
#include "config/owner_directory.h"

namespace tlsfloor::policy {

/// What a handshake is known by, as the directory's matches name it.
struct OwnerFacts {
  std::string_view listener;
  std::string_view route;
  config::AddressPrefix client;  // the full-length address, IPv4-mapped as IPv4
  std::string_view server_name;  // SNI, any case; empty without one
  std::string_view family;       // the client family's id, or "unknown"
  std::string_view ja4;
  std::string_view exception;  // the exception that let the client in; empty for none
  /// The subject of the client certificate that verified (client_auth); empty for none.
  std::string_view certificate_subject;
};

/// The owner of `facts`, or null when no owner matches. Among the owners that match, the most
/// specific wins, kind by kind in this order: a certificate subject listed, an exception named, a
/// JA4 listed, the longest
/// client prefix containing the address, a server name listed (an exact name before a
/// wildcard), a route (LISTENER/ROUTE before a whole LISTENER), a family listed; owners equal
/// in all of these go by file order (the first wins).
const config::OwnerConfig* match_owner(const config::OwnerDirectory& directory,
                                       const OwnerFacts& facts);

}  // namespace tlsfloor::policy
