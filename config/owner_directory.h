#pragma once
// The owner directory: who is responsible for which legacy clients, read from its own YAML file
// (`owners_file` in the configuration) so that the people who keep it need not edit the proxy's
// configuration. Each owner has a name, contacts and a link (a ticket queue, a runbook) and the
// facts its clients are known by. Parsing only; matching a handshake to its owner is
// proxy/policy/owner_match.h.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/address_prefix.h"
#include "config/config.h"

namespace tlsfloor::config {

/// The owner label of a handshake no owner matches (metrics, report); a name no owner may take.
inline constexpr std::string_view kUnowned = "unowned";

/// Bounds on what a directory may hold: it is read on every reload and scanned for legacy and
/// logged handshakes, so a runaway generated file is refused rather than slowing every one.
inline constexpr std::size_t kMaxOwners = 2000;
inline constexpr std::size_t kMaxOwnerValues = 20000;  // match values, all owners together
inline constexpr std::size_t kMaxOwnerFileBytes = 4 * 1024 * 1024;

/// A route an owner's clients come through: a whole listener, or one route of it.
struct OwnerRoute {
  std::string listener;
  std::optional<std::string> route;  // absent: every route of the listener
  friend bool operator==(const OwnerRoute&, const OwnerRoute&) = default;
};

/// What an owner's clients are known by. A handshake matches when, for every kind of fact the
/// owner lists, one of the listed values matches (kinds AND, values OR).
struct OwnerMatch {
  std::vector<AddressPrefix> clients;
  std::vector<std::string> server_names;  // exact, lower case; "*.example.com" for subdomains
  std::vector<OwnerRoute> routes;
  std::vector<std::string> families;  // ids of GET /families, "unknown" included
  std::vector<std::string> ja4;
  std::vector<std::string> exceptions;  // names of exceptions that let the client in
  /// Subjects of verified client certificates, whole and RFC 2253 ("CN=pos-7,O=Shop"), as the
  /// handshake log writes them (client_auth).
  std::vector<std::string> certificate_subjects;
  friend bool operator==(const OwnerMatch&, const OwnerMatch&) = default;
};

struct OwnerConfig {
  std::string name;
  std::vector<std::string> contacts;
  std::string link;
  OwnerMatch match;
  SourceMark where;        // the owner's entry
  SourceMark families_at;  // its families list, for errors about unknown family ids
  friend bool operator==(const OwnerConfig&, const OwnerConfig&) = default;
};

struct OwnerDirectory {
  std::string source_path;
  std::vector<OwnerConfig> owners;  // in file order: the tie-breaker of equal specificity
  friend bool operator==(const OwnerDirectory&, const OwnerDirectory&) = default;
};

/// A complete directory or every error in it, sorted by position (never both).
struct OwnerDirectoryParse {
  std::optional<OwnerDirectory> directory;
  std::vector<ConfigError> errors;
};

/// The owner of exception `name`: the first owner, in file order, whose match lists it; null when
/// none does. What the exception's views and alerts name as whom to ask about it.
const OwnerConfig* owner_of_exception(const OwnerDirectory& directory, std::string_view name);

/// Parses and validates a directory's YAML text; `source_name` names the file in errors.
/// Unknown keys, missing names, duplicate names, `unowned` as a name, an owner with nothing to
/// match, malformed CIDRs, JA4s, routes and server names are errors with file:line:column.
/// Family ids are checked by the caller, which knows the family table.
OwnerDirectoryParse parse_owner_directory(std::string_view text, const std::string& source_name);

/// Reads `path` (at most kMaxOwnerFileBytes) and parses it; an unreadable file is one error.
OwnerDirectoryParse load_owner_directory(const std::string& path);

}  // namespace tlsfloor::config
