// YAML -> Config, collecting every error with its file:line:column.
//
// Decisions the header leaves open:
// - Positions are 1-based (yaml-cpp's Mark is 0-based). An unknown or duplicate key points at the
//   key; a bad value at the value; a missing required key at the enclosing map (where its first
//   key starts). A key written with no value (`tls:`) points at the key, because yaml-cpp places a
//   missing value on the next token, which may be lines further down.
// - Errors are sorted by position, so cross-checks (duplicate names and addresses) appear in file
//   order next to the errors found while walking the tree.
// - A relative certificate path is resolved against the directory part of `source_name` (the text
//   before its last '/'); without a '/', it is kept as written, i.e. relative to the working
//   directory, which is where a slash-less config file lives too. load_config_file passes its
//   path as the source name, so it gets the same behaviour.
// - Duplicate keys in one map are errors: yaml-cpp keeps both, and a second `mode: observe` further
//   down must not silently win or lose.
// - Listen addresses are compared after inet_pton, so "[::1]" and "[0:0:0:0:0:0:0:1]" collide.
//   A wildcard and a specific address on the same port do not: the kernel routes each connection
//   to the most specific socket, so that is a valid, deterministic setup.
#include "config/config_parser.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <utility>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "config/bounded_text.h"
#include "config/enforcement_schedule.h"
#include "config/file_io.h"
#include "config/name_checks.h"
#include "config/owner_directory.h"
#include "config/tls_profile.h"

namespace tlsfloor::config {
namespace {

constexpr std::string_view kDurationHint =
    "(expected a number with a unit: 250ms, 5s, 10m, 1h, 14d)";
constexpr std::string_view kVersionHint = "(expected one of: TLS1.0, TLS1.1, TLS1.2, TLS1.3)";
constexpr std::string_view kModeHint = "(expected one of: observe, brownout, enforce)";
constexpr std::string_view kTimestampHint =
    "(expected an RFC 3339 time such as 2027-03-31T00:00:00Z)";
constexpr unsigned kMaxThreads = 1024;
constexpr unsigned kMaxHandshakeStormRate = 1'000'000;  // full handshakes per second
// Beyond these the table or the series count is a memory problem, not a useful view.
// At about 8 KiB per client in the worst case (see the README), 10,000 clients are about 80 MiB
// per listener; the long tail belongs in the handshake log and the report.
constexpr unsigned kMaxTopK = 10000;
constexpr unsigned kMaxMetricsTopN = 10000;

using Keys = std::span<const std::string_view>;
constexpr std::string_view kTopLevelKeys[] = {"admin",
                                              "threads",
                                              "signing_threads",
                                              "handshake_threads",
                                              "handshake_storm_rate",
                                              "drain_timeout",
                                              "legacy_clients",
                                              "access_log",
                                              "state_file",
                                              "limits",
                                              "session_tickets",
                                              "certificate_reload",
                                              "listeners",
                                              "keyserver",
                                              "owners_file"};
constexpr std::string_view kKeyServerKeys[] = {"socket", "timeout"};
constexpr std::string_view kSessionTicketsKeys[] = {"keys_file", "rotation"};
constexpr std::string_view kCertificateReloadKeys[] = {"interval"};
constexpr std::string_view kAdminKeys[] = {"listen", "server_names", "token_file",
                                           "reloads_per_minute", "max_connections"};
constexpr std::string_view kListenerKeys[] = {
    "name",   "listen",      "upstream",       "upstream_by_alpn", "certificates",
    "tls",    "enforcement", "timeouts",       "access_log",       "exceptions",
    "limits", "routes",      "proxy_protocol", "client_auth"};
constexpr std::string_view kProxyProtocolKeys[] = {"trusted", "timeout"};
constexpr std::string_view kRouteKeys[] = {
    "name",        "server_names", "upstream",   "upstream_by_alpn", "certificates", "tls",
    "enforcement", "timeouts",     "access_log", "exceptions",       "client_auth"};
constexpr std::string_view kExceptionKeys[] = {"name",    "clients",     "server_names",
                                               "ja4",     "min_version", "ciphers",
                                               "expires", "note",        "unused_after"};
constexpr std::string_view kClientAuthKeys[] = {"mode", "ca_file", "crl_file", "verify_depth",
                                                "allow"};
constexpr std::string_view kClientAuthAllowKeys[] = {"subjects", "sans", "spki_sha256"};
// Beyond this a chain is a denial of service, not a PKI (see proxy/tls/client_auth.h).
constexpr unsigned kMaxVerifyDepth = 8;
constexpr std::string_view kBrownoutKeys[] = {"windows", "every", "fraction"};
constexpr std::string_view kWindowKeys[] = {"start", "end"};
constexpr std::string_view kEveryKeys[] = {"period", "duration"};
constexpr std::string_view kHttpRefusalKeys[] = {"status", "body"};
constexpr std::string_view kLegacyClientsKeys[] = {"ipv4_prefix",   "ipv6_prefix", "top_k",
                                                   "metrics_top_n", "key",         "ledger"};
constexpr std::string_view kClientLedgerKeys[] = {"path", "horizon", "max_entries"};
constexpr std::string_view kAccessLogKeys[] = {"path", "legacy_only", "follow_symlinks", "schema"};
constexpr std::string_view kUpstreamKeys[] = {"address", "connect_timeout", "proxy_protocol", "tls",
                                              "client_certificate_tlv"};
constexpr std::string_view kUpstreamTlsKeys[] = {"server_name", "ca_file",     "verify",
                                                 "min_version", "max_version", "cert",
                                                 "key",         "alpn",        "ciphers"};
constexpr std::string_view kCertificateKeys[] = {"cert", "key", "keyserver"};
constexpr std::string_view kTlsKeys[] = {"profile", "min_version",    "max_version", "alpn",
                                         "ciphers", "legacy_ciphers", "groups"};
constexpr std::string_view kEnforcementKeys[] = {
    "mode", "cipher_mode", "groups_mode", "brownout", "on_reject", "http", "schedule"};
constexpr std::string_view kScheduleStepKeys[] = {"at", "mode", "cipher_mode", "brownout"};
constexpr std::string_view kTimeoutsKeys[] = {"handshake", "idle"};
constexpr std::string_view kLimitsKeys[] = {"max_connections", "max_handshakes_in_flight",
                                            "max_handshakes_per_source", "source_ipv4_prefix",
                                            "source_ipv6_prefix"};
constexpr std::string_view kTopLevelLimitsKeys[] = {
    "max_connections",    "max_handshakes_in_flight", "max_handshakes_per_source",
    "source_ipv4_prefix", "source_ipv6_prefix",       "descriptor_reserve"};
// An admin token shorter than this (but at least 16 characters) is warned about.
constexpr std::size_t kGoodTokenLength = 32;
// Scrapers and health checks need a handful; each connection may hold about 12 KiB.
constexpr unsigned kMaxAdminConnections = 1000;
// A reserve beyond this is a typo: no process needs a million spare descriptors.
constexpr unsigned kMaxDescriptorReserve = 1'000'000;

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string join(Keys keys) {
  std::string out;
  for (const std::string_view key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "the scalar " + quoted(node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "no value";
}

bool before(const SourceMark& a, const SourceMark& b) {
  return std::pair(a.line, a.column) < std::pair(b.line, b.column);
}

// How lax a route is towards its upstream, exceptions aside: the lowest version it lets in (its
// floor when it enforces; otherwise, observe or brownout between windows, anything) and the
// suites it lets a client in with (its floor's when the cipher floor enforces; otherwise the
// legacy list, by default every suite the library has).
constexpr std::string_view kCompatibilitySuites = "every suite the library has";

struct Laxness {
  TlsVersion lowest = TlsVersion::tls1_0;
  std::string suites;
  friend bool operator==(const Laxness&, const Laxness&) = default;
};

Laxness laxness_of(const RouteSettings& settings) {
  // A scheduled route is as lax as the laxest of its stages: it is that lax at some time.
  bool versions_enforced = true;
  bool ciphers_enforced = true;
  for (std::size_t stage = 0; stage < stage_count(settings.enforcement); ++stage) {
    const EnforcementConfig in_stage = enforcement_in_stage(settings.enforcement, stage);
    versions_enforced = versions_enforced && in_stage.mode == EnforcementMode::enforce;
    ciphers_enforced = ciphers_enforced && in_stage.mode == EnforcementMode::enforce &&
                       in_stage.cipher_mode == EnforcementMode::enforce;
  }
  Laxness laxness;
  laxness.lowest = versions_enforced ? settings.tls.min_version : TlsVersion::tls1_0;
  laxness.suites = ciphers_enforced              ? settings.tls.ciphers.text
                   : settings.tls.legacy_ciphers ? settings.tls.legacy_ciphers->text
                                                 : std::string(kCompatibilitySuites);
  return laxness;
}

// "TLS1.2 enforce"; when only the suites differ, ", suites <which> (cipher_mode <mode>)" too.
std::string describe_floor(const RouteSettings& settings, bool with_ciphers) {
  std::string text = std::string(to_string(settings.tls.min_version)) + " " +
                     std::string(to_string(settings.enforcement.mode));
  if (with_ciphers) {
    const std::string suites = laxness_of(settings).suites;
    const std::string which = suites == kDefaultCiphers        ? "of the default list"
                              : suites == kCompatibilitySuites ? std::string(suites)
                                                               : quoted(suites);
    text += ", suites " + which + " (cipher_mode " +
            std::string(to_string(settings.enforcement.cipher_mode)) + ")";
  }
  return text;
}

// The addresses an upstream name stands for (an IP literal is itself), so that "localhost:80"
// and "127.0.0.1:80" are known to be one upstream. A name that does not resolve here stands for
// itself. Resolved once per name, and only for routes whose floors differ.
class UpstreamIdentities {
 public:
  bool same(const Endpoint& a, const Endpoint& b) {
    if (a.port != b.port) return false;
    if (a == b) return true;
    const std::vector<std::string>& first = addresses(a.host);
    const std::vector<std::string>& second = addresses(b.host);
    return std::any_of(first.begin(), first.end(), [&](const std::string& address) {
      return std::find(second.begin(), second.end(), address) != second.end();
    });
  }

 private:
  const std::vector<std::string>& addresses(const std::string& host) {
    const auto known = resolved_.find(host);
    if (known != resolved_.end()) return known->second;
    std::vector<std::string>& out = resolved_[host];
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) == 0) {
      for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        const void* raw = entry->ai_family == AF_INET
                              ? static_cast<const void*>(
                                    &reinterpret_cast<sockaddr_in*>(entry->ai_addr)->sin_addr)
                              : static_cast<const void*>(
                                    &reinterpret_cast<sockaddr_in6*>(entry->ai_addr)->sin6_addr);
        if (::inet_ntop(entry->ai_family, raw, text, sizeof text) != nullptr) out.push_back(text);
      }
      ::freeaddrinfo(found);
    }
    if (out.empty()) out.push_back(ascii_lowercase(host));
    return out;
  }
  std::map<std::string, std::vector<std::string>> resolved_;
};

// verify: false is allowed (a legacy service with a certificate nobody can check), but it is
// said every time: the upstream leg is then open to anyone on its path.
std::vector<ConfigError> unverified_upstream_warnings(const Config& config) {
  std::vector<ConfigError> warnings;
  std::vector<SourceMark> said;  // a route inherits its listener's mapping: say it once
  const auto check = [&](const UpstreamConfig& upstream) {
    const auto& tls = upstream.tls;
    if (!tls || tls->verify || std::find(said.begin(), said.end(), tls->where) != said.end()) {
      return;
    }
    said.push_back(tls->where);
    warnings.push_back({tls->where, "TLS to upstream " + upstream.address.to_string() +
                                        " is not verified (verify: false): anyone on the path "
                                        "to it can read and change the traffic"});
  };
  const auto check_all = [&](const RouteSettings& settings) {
    check(settings.upstream);
    for (const AlpnUpstream& entry : settings.upstream_by_alpn) check(entry.upstream);
  };
  for (const ListenerConfig& listener : config.listeners) {
    check_all(listener);
    for (const RouteConfig& route : listener.routes) check_all(route);
  }
  return warnings;
}

// Every upstream a route's connections may go to: `upstream`, then upstream_by_alpn's.
std::vector<const Endpoint*> upstream_addresses(const RouteSettings& settings) {
  std::vector<const Endpoint*> addresses{&settings.upstream.address};
  for (const AlpnUpstream& entry : settings.upstream_by_alpn) {
    addresses.push_back(&entry.upstream.address);
  }
  return addresses;
}

// A route's floor protects its upstream only if no laxer route reaches the same upstream: a
// client picks the route by the SNI it sends, and the listener by the port it connects to.
// Every pair of routes of every listener is compared (each pair once, said at the later one).
std::vector<ConfigError> shared_upstream_warnings(const Config& config) {
  struct Site {
    const ListenerConfig* listener;
    std::string_view route;
    const RouteSettings* settings;
    SourceMark where;
  };
  std::vector<Site> sites;
  for (const ListenerConfig& listener : config.listeners) {
    sites.push_back({&listener, kDefaultRouteName, &listener, listener.where});
    for (const RouteConfig& route : listener.routes) {
      sites.push_back({&listener, route.name, &route, route.where});
    }
  }
  UpstreamIdentities identities;
  std::vector<ConfigError> warnings;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const Site& site = sites[i];
      const Site& other = sites[j];
      const Laxness ours = laxness_of(*site.settings);
      const Laxness theirs = laxness_of(*other.settings);
      if (ours == theirs) continue;
      // Any upstream of one (upstream_by_alpn's too: a client chooses its ALPN as freely as
      // its SNI) that is one of the other's.
      const Endpoint* shared = nullptr;
      const Endpoint* other_shared = nullptr;
      for (const Endpoint* ours_at : upstream_addresses(*site.settings)) {
        for (const Endpoint* theirs_at : upstream_addresses(*other.settings)) {
          if (shared == nullptr && identities.same(*ours_at, *theirs_at)) {
            shared = ours_at;
            other_shared = theirs_at;
          }
        }
      }
      if (shared == nullptr) continue;
      const Endpoint& upstream = *shared;
      const Endpoint& other_upstream = *other_shared;
      // The suites are named only when the versions do not already tell the floors apart.
      const bool with_ciphers = ours.lowest == theirs.lowest;
      const std::string what = upstream == other_upstream
                                   ? "upstream " + upstream.to_string()
                                   : "upstream " + upstream.to_string() + " (also reached as " +
                                         other_upstream.to_string() + ")";
      std::string pair;
      if (site.listener == other.listener) {
        pair = "routes " + quoted(site.route) + " (" +
               describe_floor(*site.settings, with_ciphers) + ") and " + quoted(other.route) +
               " (" + describe_floor(*other.settings, with_ciphers) + ") of listener " +
               quoted(site.listener->name) + " share " + what;
      } else {
        pair = "route " + quoted(site.route) + " of listener " + quoted(site.listener->name) +
               " (" + describe_floor(*site.settings, with_ciphers) + ") and route " +
               quoted(other.route) + " of listener " + quoted(other.listener->name) + " (" +
               describe_floor(*other.settings, with_ciphers) + ") share " + what;
      }
      warnings.push_back({site.where, pair + ": a client reaches it through the laxer route by "
                                             "sending that route's SNI or connecting to its "
                                             "port, so the stricter floor does not protect it"});
    }
  }
  return warnings;
}

std::string_view line_at(std::string_view text, int index) {
  for (int i = 0; i < index; ++i) {
    const std::size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return {};
    text.remove_prefix(newline + 1);
  }
  return text.substr(0, text.find('\n'));
}

// `listen: [::1]:8443` without quotes is a YAML flow list followed by junk; yaml-cpp then says
// "end of map not found", which does not tell the user that quoting is the fix.
bool has_unquoted_ipv6_endpoint(std::string_view line) {
  for (std::size_t open = line.find('['); open != std::string_view::npos;
       open = line.find('[', open + 1)) {
    if (open > 0 && (line[open - 1] == '"' || line[open - 1] == '\'')) continue;
    const std::size_t close = line.find(']', open);
    if (close == std::string_view::npos) return false;
    const std::string_view inside = line.substr(open + 1, close - open - 1);
    const std::string_view after = line.substr(close + 1);
    if (inside.find(':') != std::string_view::npos &&
        inside.find_first_not_of("0123456789abcdefABCDEF:.") == std::string_view::npos &&
        after.size() >= 2 && after[0] == ':' && after[1] >= '0' && after[1] <= '9') {
      return true;
    }
  }
  return false;
}

// The same address written two ways ("::1" and "0:0::1") must compare equal.
std::string canonical_address(const Endpoint& endpoint) {
  std::string key;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, endpoint.host.c_str(), &v4) == 1) {
    key = "4:" + std::string(reinterpret_cast<const char*>(&v4), sizeof v4);
  } else if (inet_pton(AF_INET6, endpoint.host.c_str(), &v6) == 1) {
    key = "6:" + std::string(reinterpret_cast<const char*>(&v6), sizeof v6);
  } else {
    key = "n:" + endpoint.host;
  }
  return key + ":" + std::to_string(endpoint.port);
}

// A value with the position its errors point at and the key it was found under.
// An SPKI pin: 64 hex digits, or base64 as HPKP's pin-sha256 and Envoy's verify_certificate_spki
// write it.
std::optional<std::array<std::uint8_t, 32>> parse_spki_pin(std::string_view text) {
  std::array<std::uint8_t, 32> pin{};
  if (text.size() == 64) {
    for (std::size_t i = 0; i < 32; ++i) {
      unsigned byte = 0;
      const auto [end, ec] =
          std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, byte, 16);
      if (ec != std::errc{} || end != text.data() + 2 * i + 2) return std::nullopt;
      pin[i] = static_cast<std::uint8_t>(byte);
    }
    return pin;
  }
  const auto decoded = decode_base64(text);
  if (!decoded || decoded->size() != pin.size()) return std::nullopt;
  std::copy(decoded->begin(), decoded->end(), pin.begin());
  return pin;
}

struct Value {
  YAML::Node node;
  SourceMark where;
  std::string_view name;
};

// One YAML map after unknown and duplicate keys were reported.
struct Fields {
  SourceMark where;
  std::string context;  // "in tls", "at the top level"
  std::vector<Value> values;

  const Value* find(std::string_view key) const {
    for (const Value& value : values) {
      if (value.name == key) return &value;
    }
    return nullptr;
  }
};

class Parser {
 public:
  explicit Parser(const std::string& source_name) : source_name_(source_name) {
    const std::size_t slash = source_name.rfind('/');
    if (slash != std::string::npos) base_dir_ = source_name.substr(0, slash == 0 ? 1 : slash);
  }

  ParseResult parse(std::string_view text) {
    YAML::Node document;
    std::optional<YAML::Mark> second_document;
    try {
      document = load_document(std::string(text), second_document);
    } catch (const YAML::Exception& e) {
      // ParserException and the rest carry the mark of the offending character.
      std::string message = "invalid YAML: " + e.msg;
      if (has_unquoted_ipv6_endpoint(line_at(text, e.mark.line))) {
        message += " (an IPv6 address must be quoted in YAML, e.g. listen: \"[::1]:8443\")";
      }
      error(mark_of(e.mark), std::move(message));
      return finish(Config{});
    }

    Config config;
    config.source_path = source_name_;
    if (second_document) {
      error(mark_of(*second_document), "only one YAML document is allowed per configuration file");
    }
    if (!document.IsDefined() || document.IsNull()) {
      if (!second_document) error(SourceMark{source_name_, 1, 1}, "configuration is empty");
      return finish(std::move(config));
    }
    read_top_level(Value{document, mark_of(document), ""}, config);
    check_unique_listen_addresses();
    return finish(std::move(config));
  }

 private:
  struct ListenSite {
    Endpoint endpoint;
    SourceMark where;
    std::string owner;  // for the message: `listener "api"`, `the admin listener`
  };

  // Where each document of a YAML stream starts: its first node (like a loaded node's mark),
  // or the document's start when it has none. The events themselves are not kept.
  class DocumentStarts : public YAML::EventHandler {
   public:
    std::vector<YAML::Mark> starts;
    void OnDocumentStart(const YAML::Mark& mark) override {
      starts.push_back(mark);
      awaiting_node_ = true;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  const std::string&) override {
      node(mark);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
      node(mark);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
      node(mark);
    }
    void OnMapEnd() override {}

   private:
    void node(const YAML::Mark& mark) {
      if (awaiting_node_) starts.back() = mark;
      awaiting_node_ = false;
    }
    bool awaiting_node_ = false;
  };

  // The configuration's document, and whether a second one follows (reported as an error).
  // Not YAML::LoadAll: in yaml-cpp 0.7 it loops for ever, allocating, on inputs as small as
  // ",'" (its parser keeps reporting one more empty document; fixed upstream after 0.8), which
  // the config fuzzer found: 3 GB in 3 s. Here the parser is asked for two documents at most.
  static YAML::Node load_document(const std::string& text, std::optional<YAML::Mark>& second) {
    YAML::Node document = YAML::Load(text);
    std::stringstream stream(text);
    YAML::Parser parser(stream);
    DocumentStarts starts;
    if (parser.HandleNextDocument(starts) && parser.HandleNextDocument(starts) &&
        starts.starts.size() >= 2) {
      // A "second document" where the first began: the parser is stuck on a character it
      // cannot use (the case that made LoadAll loop). Say so, where it is.
      if (starts.starts[1].pos == starts.starts[0].pos) {
        throw YAML::ParserException(starts.starts[1],
                                    "unexpected character (a stray ',' or an unclosed quote?)");
      }
      second = starts.starts[1];
    }
    return document;
  }

  ParseResult finish(Config config) {
    ParseResult result;
    result.certificates = std::move(all_certificates_);
    result.upstream_tls = std::move(all_upstream_tls_);
    result.cipher_lists = std::move(all_cipher_lists_);
    result.client_auth = std::move(all_client_auth_);
    if (errors_.empty()) {
      result.warnings = shared_upstream_warnings(config);
      for (ConfigError& warning : unverified_upstream_warnings(config)) {
        result.warnings.push_back(std::move(warning));
      }
      for (ConfigError& warning : warnings_) result.warnings.push_back(std::move(warning));
      sort_by_position(result.warnings);
      result.config = std::move(config);
    } else {
      sort_by_position(errors_);
      result.errors = std::move(errors_);
    }
    return result;
  }

  SourceMark mark_of(const YAML::Mark& mark) const {
    return SourceMark{source_name_, mark.line + 1, mark.column + 1};
  }
  SourceMark mark_of(const YAML::Node& node) const { return mark_of(node.Mark()); }

  void error(SourceMark where, std::string message) {
    errors_.push_back(ConfigError{std::move(where), std::move(message)});
  }
  // Valid, but probably not meant or not safe: said at start, by --check and on reload.
  void warn(SourceMark where, std::string message) {
    warnings_.push_back(ConfigError{std::move(where), std::move(message)});
  }

  // --- generic readers -------------------------------------------------------------------------

  std::optional<Fields> read_map(const Value& value, std::string_view section, Keys allowed) {
    const std::string type_context =
        section.empty() ? "at the top level" : "for " + std::string(section);
    if (!value.node.IsMap()) {
      error(value.where, "expected a map " + type_context + ", got " + describe(value.node));
      return std::nullopt;
    }
    Fields fields;
    fields.where = value.where;
    fields.context = section.empty() ? "at the top level" : "in " + std::string(section);
    for (const auto& entry : value.node) {
      const YAML::Node& key = entry.first;
      const YAML::Node& child = entry.second;
      const SourceMark key_mark = mark_of(key);
      if (!key.IsScalar()) {
        error(key_mark, "expected a plain key " + fields.context + ", got " + describe(key));
        continue;
      }
      const auto known = std::find(allowed.begin(), allowed.end(), key.Scalar());
      if (known == allowed.end()) {
        error(key_mark, "unknown key " + quoted(key.Scalar()) + " " + fields.context +
                            " (expected one of: " + join(allowed) + ")");
        continue;
      }
      if (const Value* first = fields.find(*known)) {
        error(key_mark, "duplicate key " + quoted(key.Scalar()) + " " + fields.context +
                            " (first set at line " + std::to_string(first->where.line) + ")");
        continue;
      }
      // A key without a value reports at the key: yaml-cpp marks the null on the next token.
      const SourceMark where = child.IsNull() ? key_mark : mark_of(child);
      fields.values.push_back(Value{child, where, *known});
    }
    return fields;
  }

  const Value* require(const Fields& fields, std::string_view key) {
    const Value* value = fields.find(key);
    if (value == nullptr) {
      error(fields.where, "missing required key " + quoted(key) + " " + fields.context);
    }
    return value;
  }

  std::optional<std::string> read_string(const Value& value, std::string_view kind = "a string") {
    if (!value.node.IsScalar()) {
      error(value.where, "expected " + std::string(kind) + " for " + std::string(value.name) +
                             ", got " + describe(value.node));
      return std::nullopt;
    }
    return value.node.Scalar();
  }

  std::optional<Duration> read_duration(const Value& value, bool allow_zero,
                                        Duration longest = kMaxDuration) {
    const std::string too_long =
        " is longer than the longest duration allowed, " +
        std::to_string(std::chrono::duration_cast<std::chrono::days>(longest).count()) + "d";
    const std::optional<std::string> text = read_string(value, "a duration");
    if (!text) return std::nullopt;
    const std::optional<Duration> duration = parse_duration(*text);
    if (!duration) {
      // Digits and a known unit that still failed can only be an overflow; say so rather than
      // repeat the syntax hint the value already follows.
      const std::size_t digits = text->find_first_not_of("0123456789");
      const bool well_formed = digits != 0 && digits != std::string::npos &&
                               parse_duration("0" + text->substr(digits)).has_value();
      if (well_formed) {
        error(value.where, std::string(value.name) + " " + quoted(*text) + too_long);
      } else {
        error(value.where, "invalid duration " + quoted(*text) + " " + std::string(kDurationHint));
      }
      return std::nullopt;
    }
    if (!allow_zero && duration->count() == 0) {
      error(value.where,
            std::string(value.name) + " must be greater than 0 (got " + quoted(*text) + ")");
      return std::nullopt;
    }
    if (*duration > longest) {
      error(value.where, std::string(value.name) + " " + quoted(*text) + too_long);
      return std::nullopt;
    }
    return duration;
  }

  std::optional<unsigned> read_unsigned(const Value& value, unsigned min, unsigned max,
                                        std::string_view note = "") {
    const std::optional<std::string> text = read_string(value, "an integer");
    if (!text) return std::nullopt;
    // Digits only: no sign, no hex, no "1e3"; a value with more digits than max is out of range.
    const bool digits_only = !text->empty() && text->size() <= 10 &&
                             text->find_first_not_of("0123456789") == std::string::npos;
    const unsigned long number = digits_only ? std::stoul(*text) : 0;
    if (!digits_only || number < min || number > max) {
      error(value.where, "invalid " + std::string(value.name) + " " + quoted(*text) +
                             " (expected an integer from " + std::to_string(min) + " to " +
                             std::to_string(max) + std::string(note) + ")");
      return std::nullopt;
    }
    return static_cast<unsigned>(number);
  }

  std::optional<Timestamp> read_timestamp(const Value& value) {
    const std::optional<std::string> text = read_string(value, "a time");
    if (!text) return std::nullopt;
    const std::optional<Timestamp> when = parse_timestamp(*text);
    if (!when) {
      error(value.where, "invalid " + std::string(value.name) + " " + quoted(*text) + " " +
                             std::string(kTimestampHint));
    }
    return when;
  }

  // The items of a list; each keeps its own position for errors.
  std::vector<Value> read_list(const Value& value) {
    std::vector<Value> items;
    if (!value.node.IsSequence()) {
      error(value.where,
            "expected a list for " + std::string(value.name) + ", got " + describe(value.node));
      return items;
    }
    for (const YAML::Node& item : value.node) {
      items.push_back(Value{item, mark_of(item), value.name});
    }
    return items;
  }

  std::optional<bool> read_bool(const Value& value) {
    const std::optional<std::string> text = read_string(value, "true or false");
    if (!text) return std::nullopt;
    // YAML 1.2's booleans only: "yes", "on" and "1" are YAML 1.1 traps.
    if (*text == "true") return true;
    if (*text == "false") return false;
    error(value.where,
          "invalid " + std::string(value.name) + " " + quoted(*text) + " (expected true or false)");
    return std::nullopt;
  }

  std::optional<Endpoint> read_endpoint(const Value& value, std::string_view label,
                                        bool require_ip_literal) {
    const std::optional<std::string> text = read_string(value);
    if (!text) return std::nullopt;
    std::string problem;
    std::optional<Endpoint> endpoint = parse_endpoint(*text, &problem);
    if (!endpoint) {
      error(value.where, "invalid " + std::string(label) + " " + quoted(*text) + ": " + problem +
                             " (expected host:port or [ipv6]:port)");
      return std::nullopt;
    }
    // Binding to a name would depend on resolver state at start-up and could pick any of several
    // addresses; only upstreams are resolved.
    if (require_ip_literal && !endpoint->host_is_ip_literal()) {
      error(value.where, std::string(label) + " " + quoted(*text) +
                             " must be an IP address such as 0.0.0.0:8443 or [::]:8443 (host "
                             "names are only allowed for upstream addresses)");
      return std::nullopt;
    }
    return endpoint;
  }

  std::optional<TlsVersion> read_version(const Value& value) {
    const std::optional<std::string> text = read_string(value);
    if (!text) return std::nullopt;
    const std::optional<TlsVersion> version = parse_tls_version(*text);
    if (!version) {
      error(value.where, "invalid TLS version " + quoted(*text) + " for " +
                             std::string(value.name) + " " + std::string(kVersionHint));
    }
    return version;
  }

  std::string resolve_path(const std::string& path) const {
    if (base_dir_.empty() || path.front() == '/') return path;
    if (base_dir_ == "/") return "/" + path;
    return base_dir_ + "/" + path;
  }

  // --- sections --------------------------------------------------------------------------------

  void read_top_level(const Value& root, Config& config) {
    const std::optional<Fields> fields = read_map(root, "", kTopLevelKeys);
    if (!fields) return;

    if (const Value* admin = fields->find("admin")) read_admin(*admin, config);

    if (const Value* threads = fields->find("threads")) {
      if (auto count = read_unsigned(*threads, 0, kMaxThreads, "; 0 means one per core")) {
        config.threads = *count;
      }
    }

    if (const Value* signing = fields->find("signing_threads")) {
      if (auto count = read_unsigned(*signing, 0, kMaxThreads,
                                     "; 0 signs on the worker threads themselves")) {
        config.signing_threads = *count;
      }
    }

    if (const Value* handshakes = fields->find("handshake_threads")) {
      if (auto count = read_unsigned(*handshakes, 0, kMaxThreads,
                                     "; 0 runs handshakes on the worker threads themselves")) {
        config.handshake_threads = *count;
      }
    }

    if (const Value* rate = fields->find("handshake_storm_rate")) {
      if (auto per_second = read_unsigned(*rate, 0, kMaxHandshakeStormRate,
                                          "; 0 sends every connection to the handshake threads")) {
        config.handshake_storm_rate = *per_second;
      }
    }

    if (const Value* drain = fields->find("drain_timeout")) {
      // 0s is meaningful here: close open connections at once on shutdown.
      if (auto duration = read_duration(*drain, /*allow_zero=*/true))
        config.drain_timeout = *duration;
    }

    if (const Value* legacy_clients = fields->find("legacy_clients")) {
      read_legacy_clients(*legacy_clients, config.legacy_clients);
    }
    if (const Value* access_log = fields->find("access_log")) {
      config.access_log = read_access_log(*access_log);
    }
    if (const Value* state_file = fields->find("state_file")) {
      config.state_file = read_path(*state_file);
    }
    if (const Value* owners_file = fields->find("owners_file")) {
      config.owners_file = read_path(*owners_file);
      config.owners_file_where = owners_file->where;
    }
    // Before the listeners: they start from these.
    if (const Value* limits = fields->find("limits")) read_top_level_limits(*limits, config);
    if (const Value* tickets = fields->find("session_tickets")) {
      read_session_tickets(*tickets, config.session_tickets);
    }
    if (const Value* reload = fields->find("certificate_reload")) {
      if (const auto reload_fields =
              read_map(*reload, "certificate_reload", kCertificateReloadKeys)) {
        if (const Value* interval = reload_fields->find("interval")) {
          // 0s turns the checks off.
          if (auto duration = read_duration(*interval, /*allow_zero=*/true)) {
            config.certificate_reload_interval = *duration;
          }
        }
      }
    }

    const Value* listeners = require(*fields, "listeners");
    if (listeners == nullptr) return;
    if (!listeners->node.IsSequence()) {
      error(listeners->where, "expected a list for listeners, got " + describe(listeners->node));
      return;
    }
    if (listeners->node.size() == 0) {
      error(listeners->where, "listeners must not be empty (at least one listener is required)");
      return;
    }
    for (const YAML::Node& item : listeners->node) {
      read_listener(Value{item, mark_of(item), "listener"}, config);
    }
    check_keyserver_users(fields->find("keyserver"), config);
  }

  // The top-level `keyserver` section.
  void read_keyserver(const Value& value, Config& config) {
    const std::optional<Fields> fields = read_map(value, "keyserver", kKeyServerKeys);
    if (!fields) return;
    KeyServerClientConfig keyserver;
    keyserver.where = value.where;
    if (const Value* socket = require(*fields, "socket")) {
      if (auto path = read_path(*socket)) {
        if (path->front() != '/') {
          error(socket->where, "keyserver socket must be an absolute path");
        } else if (path->size() > 107) {
          error(socket->where, "keyserver socket path longer than a Unix socket allows (107)");
        } else {
          keyserver.socket = *path;
        }
      }
    }
    if (const Value* timeout = fields->find("timeout")) {
      if (auto duration = read_duration(*timeout, /*allow_zero=*/false)) {
        keyserver.timeout = *duration;
      }
    }
    config.keyserver = std::move(keyserver);
  }

  // A certificate whose key is with the key server needs one to ask.
  void check_keyserver_users(const Value* section, Config& config) {
    if (const Value* keyserver = section) read_keyserver(*keyserver, config);
    if (section != nullptr) return;
    for (const SourceMark& where : keyserver_certificates_) {
      error(where, "keyserver: true needs the top-level keyserver section (its socket)");
    }
  }

  void read_admin(const Value& value, Config& config) {
    const std::optional<Fields> fields = read_map(value, "admin", kAdminKeys);
    if (!fields) return;
    AdminConfig admin;
    if (const Value* listen = require(*fields, "listen")) {
      if (auto endpoint = read_endpoint(*listen, "listen address", /*require_ip_literal=*/true)) {
        admin.listen = *endpoint;
        listen_sites_.push_back(ListenSite{*endpoint, listen->where, "the admin listener"});
      }
    }
    if (const Value* names = fields->find("server_names")) {
      for (const Value& entry : read_list(*names)) {
        const auto name = read_string(entry);
        if (!name) continue;
        if (name->empty() || name->find_first_of(" :/[]*") != std::string::npos) {
          error(entry.where, "invalid admin server name " + quoted(*name) +
                                 " (a host name, without port or wildcard)");
          continue;
        }
        admin.server_names.push_back(ascii_lowercase(*name));
      }
    }
    if (const Value* token_file = fields->find("token_file")) {
      if (auto path = read_path(*token_file)) admin.token = read_token_file(*token_file, *path);
    }
    if (const Value* rate = fields->find("reloads_per_minute")) {
      if (auto count = read_unsigned(*rate, 1, 600)) admin.reloads_per_minute = *count;
    }
    if (const Value* connections = fields->find("max_connections")) {
      if (auto count = read_unsigned(*connections, 1, kMaxAdminConnections)) {
        admin.max_connections = *count;
      }
    }
    config.admin = std::move(admin);
  }

  void read_session_tickets(const Value& value, SessionTicketsConfig& tickets) {
    const std::optional<Fields> fields = read_map(value, "session_tickets", kSessionTicketsKeys);
    if (!fields) return;
    const Value* keys_file = fields->find("keys_file");
    const Value* rotation = fields->find("rotation");
    if (keys_file && rotation) {
      error(rotation->where,
            "rotation applies to the keys tlsfloor makes itself, not to "
            "keys_file (rotate by adding a key at the top of the file)");
    } else if (rotation) {
      if (auto duration = read_duration(*rotation, false)) tickets.rotation = *duration;
    }
    if (keys_file == nullptr) return;
    const std::optional<std::string> path = read_path(*keys_file);
    if (!path) return;
    tickets.keys_file = *path;
    tickets.keys_file_where = keys_file->where;
    std::ifstream in(*path, std::ios::binary);
    if (!in) {
      error(keys_file->where,
            "cannot read session ticket keys file " + *path + ": " + std::strerror(errno));
      return;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    TicketKeysParse parsed = parse_ticket_keys(text);
    if (!parsed.error.empty()) {
      error(keys_file->where, "session ticket keys file " + *path + ", " + parsed.error);
      return;
    }
    // Whoever reads the keys can decrypt every ticket, and so every resumed session.
    struct stat status {};
    if (::stat(path->c_str(), &status) == 0 && (status.st_mode & S_IRWXO) != 0) {
      error(keys_file->where,
            "session ticket keys file " + *path + " is readable by others (chmod o-rwx)");
      return;
    }
    tickets.keys = std::move(parsed.keys);
  }

  // A secret anyone on the machine may read (a key file left 0644 by a deployment tool) is not
  // refused, since the TLS layer can still use it, but said every time it is loaded.
  void warn_if_readable_by_others(const SourceMark& where, std::string_view what,
                                  const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) == 0 && (status.st_mode & S_IROTH) != 0) {
      warn(where, std::string(what) + " " + path +
                      " is readable by every user of this machine (chmod o-rwx)");
    }
  }

  // The admin token: the file's first line, which must be at least 16 characters, and the file
  // must not be readable by others (it is a secret).
  std::optional<std::string> read_token_file(const Value& value, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      error(value.where, "cannot read admin token file " + path + ": " + std::strerror(errno));
      return std::nullopt;
    }
    std::string token;
    std::getline(in, token);
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
      token.pop_back();
    }
    if (token.size() < 16) {
      error(value.where, "admin token in " + path +
                             " is shorter than 16 characters (e.g. openssl rand -hex 32 > FILE)");
      return std::nullopt;
    }
    struct stat status {};
    if (::stat(path.c_str(), &status) == 0 && (status.st_mode & S_IRWXO) != 0) {
      error(value.where, "admin token file " + path + " is readable by others (chmod o-rwx)");
      return std::nullopt;
    }
    if (token.size() < kGoodTokenLength) {
      // Accepted: a shorter one may be all a deployment can change now. But it is guessed
      // sooner than it should be, and POST /reload is worth guessing.
      warn(value.where, "admin token in " + path + " is " + std::to_string(token.size()) +
                            " characters; use " + std::to_string(kGoodTokenLength) +
                            " or more random ones (openssl rand -hex 32 > FILE)");
    }
    return token;
  }

  void read_listener(const Value& value, Config& config) {
    const std::optional<Fields> fields = read_map(value, "listener", kListenerKeys);
    if (!fields) return;
    ListenerConfig listener;
    listener.where = value.where;

    if (const Value* name = require(*fields, "name")) read_listener_name(*name, listener);

    if (const Value* listen = require(*fields, "listen")) {
      if (auto endpoint = read_endpoint(*listen, "listen address", /*require_ip_literal=*/true)) {
        listener.listen = *endpoint;
        const std::string owner =
            listener.name.empty() ? "another listener" : "listener " + quoted(listener.name);
        listen_sites_.push_back(ListenSite{*endpoint, listen->where, owner});
      }
    }

    read_route_settings(*fields, /*route=*/false, listener);
    listener.limits = config.limits;
    if (const Value* limits = fields->find("limits")) {
      if (const std::optional<Fields> keys = read_map(*limits, "limits", kLimitsKeys)) {
        read_limits(*keys, listener.limits);
      }
    }
    if (const Value* proxy_protocol = fields->find("proxy_protocol")) {
      listener.proxy_protocol = read_proxy_protocol(*proxy_protocol);
    }
    // After the listener's own keys: routes start from them.
    if (const Value* routes = fields->find("routes")) read_routes(*routes, listener);

    config.listeners.push_back(std::move(listener));
  }

  void read_listener_name(const Value& value, ListenerConfig& listener) {
    const std::optional<std::string> name = read_string(value);
    if (!name) return;
    if (name->empty()) {
      error(value.where, "listener name must not be empty");
      return;
    }
    if (!is_valid_name(*name)) {
      error(value.where, "invalid listener name " + quoted(*name) +
                             " (use only letters, digits, '_', '.' and '-')");
      return;
    }
    for (const auto& [seen, where] : names_) {
      if (seen == *name) {
        error(value.where, "duplicate listener name " + quoted(*name) + " (first defined at line " +
                               std::to_string(where.line) + ")");
        return;
      }
    }
    names_.emplace_back(*name, value.where);
    listener.name = *name;
  }

  // The keys a listener and its routes share. A listener must name its upstream and
  // certificates; a route starts from its listener's settings and replaces what it writes
  // (key by key inside upstream, tls, enforcement and timeouts; whole lists and logs).
  void read_route_settings(const Fields& fields, bool route, RouteSettings& settings) {
    const Value* upstream = route ? fields.find("upstream") : require(fields, "upstream");
    if (upstream) read_upstream(*upstream, settings.upstream, /*address_required=*/!route);
    // After `upstream`: its entries start from it. A route that names its own upstream routes
    // by ALPN only if it says so: the listener's map would send its clients to the listener's
    // backends.
    const Value* by_alpn = fields.find("upstream_by_alpn");
    if (by_alpn != nullptr) {
      read_upstream_by_alpn(*by_alpn, settings);
    } else if (upstream != nullptr) {
      settings.upstream_by_alpn.clear();
    }
    const Value* certificates =
        route ? fields.find("certificates") : require(fields, "certificates");
    if (certificates) read_certificates(*certificates, settings.certificates);
    if (const Value* tls = fields.find("tls")) read_tls(*tls, settings.tls);
    if (const Value* enforcement = fields.find("enforcement")) {
      read_enforcement(*enforcement, settings.enforcement);
    }
    if (const Value* timeouts = fields.find("timeouts"))
      read_timeouts(*timeouts, settings.timeouts);
    if (const Value* access_log = fields.find("access_log")) {
      settings.access_log = read_access_log(*access_log);
    }
    if (const Value* client_auth = fields.find("client_auth")) {
      settings.client_auth = read_client_auth(*client_auth);
    }
    if (const Value* exceptions = fields.find("exceptions")) {
      settings.exceptions.clear();
      read_exceptions(*exceptions, settings);
    }
    check_client_certificate_settings(fields, settings);
    check_alpn_routing(fields, settings);
  }

  // --- upstream_by_alpn ------------------------------------------------------------------------

  // A map of ALPN protocol names to upstreams, each written like `upstream` and starting from
  // it key by key. Replaces whatever map the settings held (a route's, its listener's).
  void read_upstream_by_alpn(const Value& value, RouteSettings& settings) {
    settings.upstream_by_alpn.clear();
    if (!value.node.IsMap()) {
      error(value.where,
            "expected a map of ALPN protocols to upstreams for upstream_by_alpn, got " +
                describe(value.node));
      return;
    }
    if (value.node.size() == 0) {
      error(value.where,
            "upstream_by_alpn must not be empty (leave it out to send every client to upstream)");
      return;
    }
    std::vector<std::pair<std::string, int>> seen;  // each protocol once, with its line
    for (const auto& entry : value.node) {
      const YAML::Node& key = entry.first;
      const YAML::Node& child = entry.second;
      const SourceMark key_mark = mark_of(key);
      if (!key.IsScalar()) {
        error(key_mark,
              "expected an ALPN protocol name (such as h2 or http/1.1) as a key of "
              "upstream_by_alpn, got " +
                  describe(key));
        continue;
      }
      const std::string& protocol = key.Scalar();
      if (protocol.empty() || protocol.size() > 255) {
        error(key_mark, "invalid ALPN protocol " + quoted(protocol) +
                            " in upstream_by_alpn (1 to 255 bytes, such as h2 or http/1.1)");
        continue;
      }
      const auto first = std::find_if(seen.begin(), seen.end(),
                                      [&](const auto& each) { return each.first == protocol; });
      if (first != seen.end()) {
        error(key_mark, "duplicate ALPN protocol " + quoted(protocol) +
                            " in upstream_by_alpn (first set at line " +
                            std::to_string(first->second) + ")");
        continue;
      }
      seen.emplace_back(protocol, key_mark.line);
      AlpnUpstream alpn{protocol, settings.upstream, key_mark};
      // A key without a value reports at the key (see read_map).
      const Value upstream{child, child.IsNull() ? key_mark : mark_of(child), "upstream_by_alpn"};
      read_upstream(upstream, alpn.upstream, /*address_required=*/true,
                    "upstream_by_alpn " + quoted(protocol));
      settings.upstream_by_alpn.push_back(std::move(alpn));
    }
  }

  // Every protocol of upstream_by_alpn must be one the route can negotiate: one of its tls.alpn
  // when it has that list (with none, the map's protocols are what it offers), and h2 only up
  // from TLS 1.2, below which it is never selected (RFC 9113, section 9.2). A map and a tls
  // section both inherited from the listener were judged there.
  void check_alpn_routing(const Fields& fields, const RouteSettings& settings) {
    const bool map_here = fields.find("upstream_by_alpn") != nullptr;
    const Value* tls = fields.find("tls");
    if (settings.upstream_by_alpn.empty() || (!map_here && tls == nullptr)) return;
    const std::vector<std::string>& offered = settings.tls.alpn;
    std::string offered_text;
    for (const std::string& protocol : offered) {
      offered_text += (offered_text.empty() ? "" : ", ") + protocol;
    }
    for (const AlpnUpstream& entry : settings.upstream_by_alpn) {
      // The key when the map is written here; else the route's tls, which changed what it offers.
      const SourceMark& where = map_here ? entry.where : tls->where;
      if (!offered.empty() &&
          std::find(offered.begin(), offered.end(), entry.protocol) == offered.end()) {
        error(where, "ALPN protocol " + quoted(entry.protocol) +
                         " of upstream_by_alpn is not in tls.alpn (" + offered_text +
                         "): no client can negotiate it (list it in tls.alpn, or leave tls.alpn "
                         "out to offer upstream_by_alpn's protocols)");
      } else if (entry.protocol == "h2" && settings.tls.max_version < TlsVersion::tls1_2) {
        error(where,
              "h2 in upstream_by_alpn is never negotiated: HTTP/2 needs TLS1.2 or above "
              "(RFC 9113) and max_version is " +
                  std::string(to_string(settings.tls.max_version)));
      }
    }
  }

  // --- client certificates -------------------------------------------------------------------

  // A route's section replaces its listener's whole: a CA bundle kept from the listener beside
  // a route's own allow list would be a policy nobody wrote.
  ClientAuthConfig read_client_auth(const Value& value) {
    ClientAuthConfig auth;
    auth.where = value.where;
    auth.ca_file_where = value.where;
    auth.crl_file_where = value.where;
    const std::optional<Fields> fields = read_map(value, "client_auth", kClientAuthKeys);
    if (!fields) return auth;
    const Value* mode = require(*fields, "mode");
    bool mode_read = false;
    if (mode != nullptr) {
      if (const auto text = read_string(*mode)) {
        mode_read = true;
        if (*text == "none") {
          auth.mode = ClientAuthMode::none;
        } else if (*text == "optional") {
          auth.mode = ClientAuthMode::optional;
        } else if (*text == "require") {
          auth.mode = ClientAuthMode::require;
        } else {
          mode_read = false;
          error(mode->where, "invalid client_auth mode " + quoted(*text) +
                                 " (expected one of: none, optional, require)");
        }
      }
    }
    const Value* ca_file = fields->find("ca_file");
    if (ca_file != nullptr) {
      if (auto path = read_path(*ca_file)) {
        auth.ca_file = *path;
        auth.ca_file_where = ca_file->where;
      }
    }
    if (const Value* crl_file = fields->find("crl_file")) {
      if (auto path = read_path(*crl_file)) {
        auth.crl_file = *path;
        auth.crl_file_where = crl_file->where;
      }
    }
    if (const Value* depth = fields->find("verify_depth")) {
      if (auto count = read_unsigned(*depth, 0, kMaxVerifyDepth,
                                     "; intermediate CAs between a client and ca_file")) {
        auth.verify_depth = *count;
      }
    }
    if (const Value* allow = fields->find("allow")) read_client_auth_allow(*allow, auth);
    if (!mode_read) {
      // Said once, at the mode: the other keys cannot be judged without it.
    } else if (auth.mode == ClientAuthMode::none) {
      // Written but unused would let an operator believe certificates are checked.
      for (const char* key : {"ca_file", "crl_file", "verify_depth", "allow"}) {
        if (const Value* unused = fields->find(key)) {
          error(unused->where,
                std::string(key) + " is only used with client_auth mode optional or require");
        }
      }
    } else if (ca_file == nullptr) {
      error(fields->where, "client_auth mode " + std::string(to_string(auth.mode)) +
                               " needs ca_file (the CAs client certificates must chain to)");
    } else if (!auth.ca_file.empty()) {
      all_client_auth_.push_back(auth);  // checked by the TLS layer, also when other keys fail
    }
    return auth;
  }

  void read_client_auth_allow(const Value& value, ClientAuthConfig& auth) {
    const std::optional<Fields> fields = read_map(value, "allow", kClientAuthAllowKeys);
    if (!fields) return;
    if (fields->values.empty()) {
      error(value.where,
            "allow must list subjects, sans or spki_sha256 (leave it out to let in "
            "every certificate that verifies)");
    }
    const auto read_texts = [&](const char* key, std::vector<std::string>& out) {
      const Value* list = fields->find(key);
      if (list == nullptr) return;
      const std::vector<Value> entries = read_list(*list);
      if (list->node.IsSequence() && entries.empty()) {
        error(list->where, std::string(key) + " must not be empty");
      }
      for (const Value& entry : entries) {
        const auto text = read_string(entry);
        if (!text) continue;
        if (text->empty()) {
          error(entry.where, std::string(key) + " entries must not be empty");
          continue;
        }
        out.push_back(*text);
      }
    };
    read_texts("subjects", auth.subjects);
    read_texts("sans", auth.sans);
    if (const Value* list = fields->find("spki_sha256")) {
      const std::vector<Value> entries = read_list(*list);
      if (list->node.IsSequence() && entries.empty())
        error(list->where, "spki_sha256 must not be empty");
      for (const Value& entry : entries) {
        const auto text = read_string(entry);
        if (!text) continue;
        if (auto pin = parse_spki_pin(*text)) {
          auth.spki_sha256.push_back(*pin);
        } else {
          error(entry.where, "invalid spki_sha256 " + quoted(*text) +
                                 " (expected 64 hex digits or 44 characters of base64: the "
                                 "SHA-256 of the certificate's SubjectPublicKeyInfo)");
        }
      }
    }
  }

  // What needs proxy_protocol v2: the certificate TLV to the upstream. Judged on the settings
  // as read, the listener's inherited by a route included. (Exceptions select from the hello
  // alone, before any certificate is asked for: one is scoped to a certificate subject by a
  // route whose client_auth allow list names it.)
  void check_client_certificate_settings(const Fields& fields, const RouteSettings& settings) {
    constexpr std::string_view kTlvNeedsV2 =
        "client_certificate_tlv needs upstream proxy_protocol v2 (the TLV travels in its header)";
    if (settings.upstream.client_certificate_tlv != 0 &&
        settings.upstream.proxy_protocol != UpstreamProxyProtocol::v2) {
      const Value* upstream = fields.find("upstream");
      error(upstream != nullptr ? upstream->where : fields.where, std::string(kTlvNeedsV2));
    }
    // An entry inherits both keys from `upstream`: said there when both came from it.
    if (fields.find("upstream_by_alpn") == nullptr) return;
    for (const AlpnUpstream& entry : settings.upstream_by_alpn) {
      if (entry.upstream.client_certificate_tlv != 0 &&
          entry.upstream.proxy_protocol != UpstreamProxyProtocol::v2 &&
          (entry.upstream.client_certificate_tlv != settings.upstream.client_certificate_tlv ||
           entry.upstream.proxy_protocol != settings.upstream.proxy_protocol)) {
        error(entry.where, std::string(kTlvNeedsV2));
      }
    }
  }

  void read_routes(const Value& value, ListenerConfig& listener) {
    // Every name claimed so far in this listener, with the route and line that claimed it.
    std::map<std::string, std::pair<std::string, int>, std::less<>> claimed;
    for (const Value& item : read_list(value)) {
      const std::optional<Fields> fields = read_map(item, "route", kRouteKeys);
      if (!fields) continue;
      RouteConfig route;
      static_cast<RouteSettings&>(route) = listener;
      route.certificates.clear();  // the listener's are the fallback, not a copy
      route.where = item.where;
      if (const Value* name = require(*fields, "name")) read_route_name(*name, listener, route);
      if (const Value* names = require(*fields, "server_names")) {
        read_route_server_names(*names, route, claimed);
      }
      read_route_settings(*fields, /*route=*/true, route);
      if (fields->find("exceptions")) {
        for (ExceptionConfig& exception : route.exceptions) exception.route = route.name;
      }
      listener.routes.push_back(std::move(route));
    }
  }

  std::optional<ProxyProtocolConfig> read_proxy_protocol(const Value& value) {
    const std::optional<Fields> fields = read_map(value, "proxy_protocol", kProxyProtocolKeys);
    if (!fields) return std::nullopt;
    ProxyProtocolConfig proxy_protocol;
    bool valid = true;
    if (const Value* trusted = require(*fields, "trusted")) {
      const std::vector<Value> entries = read_list(*trusted);
      if (trusted->node.IsSequence() && entries.empty()) {
        // Nobody trusted would refuse every header: say so rather than run a dead listener.
        error(trusted->where,
              "trusted must not be empty (the load balancers' addresses or "
              "networks, e.g. [10.0.0.0/8])");
        valid = false;
      }
      for (const Value& entry : entries) {
        const auto text = read_string(entry);
        if (!text) continue;
        std::string problem;
        if (auto prefix = parse_address_prefix(*text, &problem)) {
          if (prefix->length == 0) {
            // Every address may then claim to speak for any client: its header is believed.
            warn(entry.where, "trusted " + quoted(*text) +
                                  " trusts every address to send a PROXY header: any client can "
                                  "then name any source address (list the balancers' addresses)");
          }
          proxy_protocol.trusted.push_back(*prefix);
        } else {
          error(entry.where, "invalid trusted address " + quoted(*text) + ": " + problem +
                                 " (expected an address or a CIDR such as 10.0.0.0/8)");
          valid = false;
        }
      }
    } else {
      valid = false;
    }
    if (const Value* timeout = fields->find("timeout")) {
      if (auto duration = read_duration(*timeout, false)) proxy_protocol.timeout = *duration;
    }
    if (!valid) return std::nullopt;
    return proxy_protocol;
  }

  void read_route_name(const Value& value, const ListenerConfig& listener, RouteConfig& route) {
    const std::optional<std::string> name = read_string(value);
    if (!name) return;
    if (name->empty() || !is_valid_name(*name)) {
      error(value.where, "invalid route name " + quoted(*name) +
                             " (use only letters, digits, '_', '.' and '-')");
      return;
    }
    if (*name == kDefaultRouteName) {
      error(value.where,
            "route name \"default\" is taken by the listener's own keys (the default route)");
      return;
    }
    for (const RouteConfig& other : listener.routes) {
      if (other.name == *name) {
        error(value.where, "duplicate route name " + quoted(*name) +
                               " in this listener (first defined at line " +
                               std::to_string(other.where.line) + ")");
        return;
      }
    }
    route.name = *name;
  }

  void read_route_server_names(
      const Value& value, RouteConfig& route,
      std::map<std::string, std::pair<std::string, int>, std::less<>>& claimed) {
    const std::vector<Value> entries = read_list(value);
    if (value.node.IsSequence() && entries.empty()) {
      error(value.where, "server_names must not be empty (a route needs at least one name)");
    }
    for (const Value& entry : entries) {
      const auto text = read_string(entry);
      if (!text) continue;
      std::string name = ascii_lowercase(*text);
      if (name.ends_with('.')) name.pop_back();  // "example.com." is "example.com"
      if (const std::string problem = route_name_problem(name); !problem.empty()) {
        error(entry.where, "invalid server name " + quoted(*text) + ": " + problem);
        continue;
      }
      const auto [seen, fresh] = claimed.try_emplace(name, route.name, entry.where.line);
      if (!fresh) {
        error(entry.where, "server name " + quoted(name) + " is already claimed by route " +
                               quoted(seen->second.first) + " at line " +
                               std::to_string(seen->second.second) +
                               " (each name belongs to one route)");
        continue;
      }
      route.server_names.push_back(std::move(name));
    }
  }

  void read_upstream(const Value& value, UpstreamConfig& upstream, bool address_required,
                     std::string_view section = "upstream") {
    const std::optional<Fields> fields = read_map(value, section, kUpstreamKeys);
    if (!fields) return;
    const Value* address = address_required ? require(*fields, "address") : fields->find("address");
    if (address != nullptr) {
      if (auto endpoint = read_endpoint(*address, "upstream address", false)) {
        upstream.address = *endpoint;
      }
    }
    if (const Value* timeout = fields->find("connect_timeout")) {
      if (auto duration = read_duration(*timeout, false)) upstream.connect_timeout = *duration;
    }
    if (const Value* proxy_protocol = fields->find("proxy_protocol")) {
      if (const auto text = read_string(*proxy_protocol)) {
        if (*text == "v1") {
          upstream.proxy_protocol = UpstreamProxyProtocol::v1;
        } else if (*text == "v2") {
          upstream.proxy_protocol = UpstreamProxyProtocol::v2;
        } else if (*text == "v2-addresses") {
          upstream.proxy_protocol = UpstreamProxyProtocol::v2_addresses;
        } else if (*text == "none") {
          upstream.proxy_protocol = UpstreamProxyProtocol::none;
        } else {
          error(proxy_protocol->where, "invalid proxy_protocol " + quoted(*text) +
                                           " (expected one of: v1, v2, v2-addresses, none)");
        }
      }
    }
    if (const Value* tls = fields->find("tls")) read_upstream_tls(*tls, upstream.tls);
    if (const Value* tlv = fields->find("client_certificate_tlv")) {
      if (const auto text = read_string(*tlv, "a TLV type")) {
        // The application range of the PROXY protocol, less tlsfloor's own 0xE0.
        unsigned type = 0;
        const bool hex = text->size() == 4 && (text->starts_with("0x") || text->starts_with("0X"));
        const auto [end, ec] = std::from_chars(text->data() + (hex ? 2 : 0),
                                               text->data() + text->size(), type, hex ? 16 : 10);
        if (ec != std::errc{} || end != text->data() + text->size() || type < 0xE1 || type > 0xEF) {
          error(tlv->where, "invalid client_certificate_tlv " + quoted(*text) +
                                " (expected a TLV type from 0xE1 to 0xEF; 0xE0 is tlsfloor's own)");
        } else {
          upstream.client_certificate_tlv = static_cast<std::uint8_t>(type);
        }
      }
    }
  }

  // A route's mapping changes its listener's key by key (a route may name another server_name).
  void read_upstream_tls(const Value& value, std::optional<UpstreamTlsConfig>& tls) {
    const std::optional<Fields> fields = read_map(value, "upstream tls", kUpstreamTlsKeys);
    if (!fields) return;
    UpstreamTlsConfig read = tls.value_or(UpstreamTlsConfig{});
    read.where = value.where;
    if (!tls) read.ca_file_where = value.where;
    if (const Value* name = fields->find("server_name")) {
      if (auto text = read_string(*name)) {
        if (text->empty() || text->size() > 253 ||
            text->find_first_of(" \t/:") != std::string::npos) {
          error(name->where, "invalid server_name " + quoted(*text) +
                                 " (a host name such as backend.example.com)");
        } else {
          read.server_name = *text;
        }
      }
    }
    if (const Value* ca_file = fields->find("ca_file")) {
      if (auto path = read_path(*ca_file)) {
        read.ca_file = *path;
        read.ca_file_where = ca_file->where;
      }
    }
    if (const Value* verify = fields->find("verify")) {
      if (auto flag = read_bool(*verify)) read.verify = *flag;
    }
    read_version_range(*fields, read.min_version, read.max_version);
    const Value* cert = fields->find("cert");
    const Value* key = fields->find("key");
    if ((cert == nullptr) != (key == nullptr)) {
      error(cert ? cert->where : key->where,
            "upstream tls needs both cert and key for a client certificate, or neither");
    } else if (cert && key) {
      auto cert_path = read_path(*cert);
      auto key_path = read_path(*key);
      if (key_path) warn_if_readable_by_others(key->where, "private key", *key_path);
      if (cert_path && key_path) {
        read.client_certificate = CertificateConfig{*cert_path, *key_path, cert->where};
      }
    }
    if (const Value* alpn = fields->find("alpn")) read.alpn = read_alpn(*alpn);
    if (const Value* ciphers = fields->find("ciphers")) {
      // Its names are checked when the upstream's TLS context is made (tls/upstream_tls.h).
      if (auto list = read_cipher_list(*ciphers)) read.ciphers = std::move(*list);
    }
    all_upstream_tls_.push_back(read);
    tls = std::move(read);
  }

  void read_certificates(const Value& value, std::vector<CertificateConfig>& certificates) {
    if (!value.node.IsSequence()) {
      error(value.where, "expected a list for certificates, got " + describe(value.node));
      return;
    }
    if (value.node.size() == 0) {
      error(value.where, "certificates must not be empty (at least one cert/key pair is required)");
      return;
    }
    for (const YAML::Node& item : value.node) {
      const Value entry{item, mark_of(item), "certificate"};
      const std::optional<Fields> fields = read_map(entry, "certificate", kCertificateKeys);
      if (!fields) continue;
      CertificateConfig certificate;
      certificate.where = entry.where;
      if (const Value* cert = require(*fields, "cert")) {
        if (auto path = read_path(*cert)) certificate.cert_path = *path;
      }
      const Value* keyserver = fields->find("keyserver");
      if (keyserver != nullptr) {
        if (auto flag = read_bool(*keyserver)) certificate.keyserver = *flag;
      }
      if (const Value* key =
              certificate.keyserver ? fields->find("key") : require(*fields, "key")) {
        if (certificate.keyserver) {
          error(key->where, "a certificate has a key file or keyserver: true, not both");
        } else if (auto path = read_path(*key)) {
          certificate.key_path = *path;
          warn_if_readable_by_others(key->where, "private key", *path);
        }
      }
      if (certificate.keyserver) keyserver_certificates_.push_back(entry.where);
      if (!certificate.cert_path.empty() &&
          (certificate.keyserver || !certificate.key_path.empty())) {
        all_certificates_.push_back(certificate);
      }
      certificates.push_back(std::move(certificate));
    }
  }

  std::optional<std::string> read_path(const Value& value) {
    const std::optional<std::string> path = read_string(value);
    if (!path) return std::nullopt;
    if (path->empty()) {
      error(value.where, std::string(value.name) + " must not be empty");
      return std::nullopt;
    }
    return resolve_path(*path);
  }

  void read_tls(const Value& value, TlsConfig& tls) {
    const std::optional<Fields> fields = read_map(value, "tls", kTlsKeys);
    if (!fields) return;
    // The profile first: every key written beside it overrides it.
    if (const Value* profile = fields->find("profile")) read_tls_profile(*profile, tls);
    if (const Value* groups = fields->find("groups")) {
      if (auto list = read_group_list(*groups)) tls.groups = std::move(*list);
    }
    if (const Value* alpn = fields->find("alpn")) tls.alpn = read_alpn(*alpn);
    read_version_range(*fields, tls.min_version, tls.max_version);
    if (const Value* ciphers = fields->find("ciphers")) {
      if (auto list = read_cipher_list(*ciphers)) tls.ciphers = std::move(*list);
    }
    if (const Value* legacy = fields->find("legacy_ciphers")) {
      tls.legacy_ciphers = read_cipher_list(*legacy);
    }
  }

  // A named policy's versions, suites and groups (config/tls_profile.h), positioned at the name.
  void read_tls_profile(const Value& value, TlsConfig& tls) {
    const std::optional<std::string> name = read_string(value);
    if (!name) return;
    const TlsProfile* profile = find_tls_profile(*name);
    if (profile == nullptr) {
      std::string known;
      for (const TlsProfile& each : tls_profiles()) {
        known += (known.empty() ? "" : ", ") + std::string(each.name);
      }
      error(value.where, "unknown profile " + quoted(*name) + " (expected one of: " + known + ")");
      return;
    }
    tls.profile = profile->name;
    tls.min_version = profile->min_version;
    tls.max_version = profile->max_version;
    tls.ciphers = CipherList{std::string(profile->ciphers), value.where};
    tls.groups = GroupList{{profile->groups.begin(), profile->groups.end()}, value.where};
  }

  // Group names as a ':'-separated string or a YAML list, in the server's order. The names are
  // checked here; whether the TLS library can negotiate each is proxy/tls/'s to judge.
  std::optional<GroupList> read_group_list(const Value& value) {
    GroupList list;
    list.codes.clear();
    list.where = value.where;
    std::string problem;
    if (value.node.IsSequence()) {
      for (const Value& entry : read_list(value)) {
        const auto name = read_string(entry);
        if (!name) return std::nullopt;
        const auto code = parse_group(*name);
        if (!code || name->find(':') != std::string::npos) {
          error(entry.where, "unknown group " + quoted(*name) +
                                 " (one name per entry, such as X25519, P-256 or P-384)");
          return std::nullopt;
        }
        if (std::find(list.codes.begin(), list.codes.end(), *code) != list.codes.end()) {
          error(entry.where, "group " + group_name(*code) + " is listed twice");
          return std::nullopt;
        }
        list.codes.push_back(*code);
      }
    } else if (const auto text = read_string(value, "a list of group names")) {
      auto codes = parse_group_list(*text, problem);
      if (!codes) {
        error(value.where, "invalid groups " + quoted(*text) + ": " + problem +
                               " (expected names such as \"X25519:P-256\")");
        return std::nullopt;
      }
      list.codes = std::move(*codes);
    } else {
      return std::nullopt;
    }
    if (list.codes.empty()) {
      error(value.where, "groups must name at least one group (such as X25519 or P-256)");
      return std::nullopt;
    }
    return list;
  }

  // A cipher string, or a list of suite names joined into one. Only the shape is checked here:
  // the names are the TLS library's to judge (proxy/tls/cipher_suites.h).
  std::optional<CipherList> read_cipher_list(const Value& value) {
    CipherList list;
    list.where = value.where;
    if (value.node.IsSequence()) {
      for (const Value& entry : read_list(value)) {
        const auto name = read_string(entry);
        if (!name) return std::nullopt;
        if (name->empty() || name->find_first_of(":, ") != std::string::npos) {
          error(entry.where, "invalid cipher suite name " + quoted(*name) +
                                 " (one name per entry, such as "
                                 "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
          return std::nullopt;
        }
        list.text += (list.text.empty() ? "" : ":") + *name;
      }
    } else if (const auto text = read_string(value, "a cipher string or a list of suite names")) {
      list.text = *text;
    } else {
      return std::nullopt;
    }
    if (list.text.find_first_not_of(" :,") == std::string::npos) {
      error(value.where, std::string(value.name) +
                             " must name at least one cipher suite (TLS 1.3 suites are fixed by "
                             "BoringSSL and are not listed here)");
      return std::nullopt;
    }
    all_cipher_lists_.push_back(list);
    return list;
  }

  // min_version and max_version of a mapping, each defaulting to what `min` and `max` hold.
  void read_version_range(const Fields& fields, TlsVersion& min_floor, TlsVersion& max_ceiling) {
    const Value* min = fields.find("min_version");
    const Value* max = fields.find("max_version");
    std::optional<TlsVersion> min_version = min ? read_version(*min) : min_floor;
    std::optional<TlsVersion> max_version = max ? read_version(*max) : max_ceiling;
    if (!min_version || !max_version) return;
    if (*min_version > *max_version) {
      // Point at a value the user wrote; when both are written, the floor is the one to check.
      const SourceMark where = min ? min->where : max->where;
      error(where, "min_version " + std::string(to_string(*min_version)) +
                       (min ? "" : " (the default)") + " is above max_version " +
                       std::string(to_string(*max_version)) + (max ? "" : " (the default)"));
      return;
    }
    min_floor = *min_version;
    max_ceiling = *max_version;
  }

  // A route's list replaces its listener's.
  std::vector<std::string> read_alpn(const Value& value) {
    const std::vector<Value> entries = read_list(value);
    if (value.node.IsSequence() && entries.empty()) {
      error(value.where, "alpn must not be empty (leave it out for no ALPN)");
      return {};
    }
    std::vector<std::string> protocols;
    for (const Value& entry : entries) {
      const auto name = read_string(entry);
      if (!name) continue;
      if (name->empty() || name->size() > 255) {
        error(entry.where, "invalid ALPN protocol " + quoted(*name) +
                               " (1 to 255 bytes, such as h2 or http/1.1)");
        continue;
      }
      if (std::find(protocols.begin(), protocols.end(), *name) != protocols.end()) {
        error(entry.where, "ALPN protocol " + quoted(*name) + " is listed twice");
        continue;
      }
      protocols.push_back(*name);
    }
    return protocols;
  }

  void read_enforcement(const Value& value, EnforcementConfig& enforcement) {
    const std::optional<Fields> fields = read_map(value, "enforcement", kEnforcementKeys);
    if (!fields) return;
    const Value* mode = fields->find("mode");
    if (mode != nullptr) read_mode(*mode, enforcement.mode);
    const Value* cipher_mode = fields->find("cipher_mode");
    if (cipher_mode != nullptr) {
      read_mode(*cipher_mode, enforcement.cipher_mode);
      enforcement.cipher_mode_where = cipher_mode->where;
      enforcement.cipher_mode_written = true;
    } else if (!enforcement.cipher_mode_written) {
      // Observing one floor while the other refuses would break the clients observe promises
      // to leave alone: unless told otherwise, the cipher floor is staged with the version floor.
      enforcement.cipher_mode = enforcement.mode;
    }
    const Value* groups_mode = fields->find("groups_mode");
    if (groups_mode != nullptr) {
      read_mode(*groups_mode, enforcement.groups_mode);
      enforcement.groups_mode_where = groups_mode->where;
      enforcement.groups_mode_written = true;
    } else if (!enforcement.groups_mode_written) {
      enforcement.groups_mode = enforcement.mode;  // staged with the version floor, as above
    }
    // The floors share one brownout schedule.
    const bool browns_out = enforcement.mode == EnforcementMode::brownout ||
                            enforcement.cipher_mode == EnforcementMode::brownout ||
                            enforcement.groups_mode == EnforcementMode::brownout;
    const Value* brownout = fields->find("brownout");
    if (brownout != nullptr) {
      if (!browns_out) {
        // Written but unused would let an operator believe brownouts are scheduled.
        error(brownout->where,
              "brownout is only used with mode, cipher_mode or groups_mode brownout (mode is " +
                  std::string(to_string(enforcement.mode)) + ", cipher_mode " +
                  std::string(to_string(enforcement.cipher_mode)) + ", groups_mode " +
                  std::string(to_string(enforcement.groups_mode)) + ")");
      } else {
        enforcement.brownout = {};  // a route's section replaces its listener's
        read_brownout(*brownout, enforcement.brownout);
      }
    } else if (browns_out && enforcement.brownout.windows.empty() && !enforcement.brownout.every) {
      // (A route in mode brownout may use its listener's windows.)
      const Value* named = enforcement.mode == EnforcementMode::brownout          ? mode
                           : enforcement.cipher_mode == EnforcementMode::brownout ? cipher_mode
                                                                                  : groups_mode;
      error(named != nullptr ? named->where : fields->where,
            std::string(named == nullptr ? "mode" : named->name) +
                " brownout needs a brownout section with windows or every (when to refuse)");
    }
    if (const Value* on_reject = fields->find("on_reject")) {
      if (const std::optional<std::string> text = read_string(*on_reject)) {
        if (*text == "alert") {
          enforcement.on_reject = RejectStyle::alert;
        } else if (*text == "http") {
          enforcement.on_reject = RejectStyle::http;
        } else {
          error(on_reject->where,
                "invalid on_reject " + quoted(*text) + " (expected one of: alert, http)");
        }
      }
    }
    if (const Value* http = fields->find("http")) {
      if (enforcement.on_reject != RejectStyle::http) {
        error(http->where, "http is only used with on_reject: http");
      } else {
        read_http_refusal(*http, enforcement.http);
      }
    }
    // A route's list replaces its listener's; an empty one leaves the route without a schedule.
    if (const Value* schedule = fields->find("schedule")) {
      enforcement.schedule = read_schedule(*schedule);
    }
  }

  // Dated steps, each read like the section's own mode, cipher_mode and brownout, in the order
  // they take effect: a list read top to bottom is the timeline, so a step out of order is an
  // error rather than sorted away (it is most likely a typo in a year).
  std::vector<ScheduleStep> read_schedule(const Value& value) {
    std::vector<ScheduleStep> steps;
    std::optional<std::pair<Timestamp, int>> latest;  // the latest `at` so far, and its line
    for (const Value& item : read_list(value)) {
      const std::optional<Fields> fields = read_map(item, "schedule step", kScheduleStepKeys);
      if (!fields) continue;
      ScheduleStep step;
      step.where = item.where;
      const Value* at = require(*fields, "at");
      const Value* mode = require(*fields, "mode");
      if (mode != nullptr) read_mode(*mode, step.mode);
      const Value* cipher_mode = fields->find("cipher_mode");
      // As for the section: the cipher floor is staged with the version floor unless told.
      step.cipher_mode = step.mode;
      if (cipher_mode != nullptr) read_mode(*cipher_mode, step.cipher_mode);
      const bool browns_out =
          step.mode == EnforcementMode::brownout || step.cipher_mode == EnforcementMode::brownout;
      const Value* brownout = fields->find("brownout");
      if (brownout != nullptr && !browns_out) {
        error(brownout->where,
              "brownout is only used with mode: brownout or cipher_mode: brownout (this step's "
              "mode is " +
                  std::string(to_string(step.mode)) + ", cipher_mode " +
                  std::string(to_string(step.cipher_mode)) + ")");
      } else if (brownout != nullptr) {
        read_brownout(*brownout, step.brownout);
      } else if (browns_out && mode != nullptr) {
        // Each step says when it refuses: the section's windows belong to its own mode.
        const Value* named = step.mode == EnforcementMode::brownout ? mode : cipher_mode;
        error(named->where, std::string(named == cipher_mode ? "cipher_mode" : "mode") +
                                " brownout in a schedule step needs the step's own brownout "
                                "section with windows or every (when to refuse)");
      }
      const std::optional<Timestamp> when = at != nullptr ? read_timestamp(*at) : std::nullopt;
      if (when) {
        step.at = *when;
        if (latest && *when <= latest->first) {
          error(at->where, "schedule step at " + format_timestamp(*when) +
                               " must be after the step before it (" +
                               format_timestamp(latest->first) + ", line " +
                               std::to_string(latest->second) +
                               "): steps are listed in the order they take effect");
        } else {
          latest.emplace(*when, at->where.line);
        }
      }
      steps.push_back(std::move(step));
    }
    return steps;
  }

  void read_mode(const Value& value, EnforcementMode& mode) {
    const std::optional<std::string> text = read_string(value);
    if (!text) return;
    if (*text == "observe") {
      mode = EnforcementMode::observe;
    } else if (*text == "brownout") {
      mode = EnforcementMode::brownout;
    } else if (*text == "enforce") {
      mode = EnforcementMode::enforce;
    } else {
      error(value.where, "invalid enforcement " + std::string(value.name) + " " + quoted(*text) +
                             " " + std::string(kModeHint));
    }
  }

  void read_brownout(const Value& value, BrownoutConfig& brownout) {
    const std::optional<Fields> fields = read_map(value, "brownout", kBrownoutKeys);
    if (!fields) return;
    const Value* windows = fields->find("windows");
    const Value* every = fields->find("every");
    if (windows == nullptr && every == nullptr) {
      error(fields->where, "brownout needs windows or every (when to refuse)");
    }
    if (windows != nullptr) {
      for (const Value& item : read_list(*windows)) {
        const std::optional<Fields> window = read_map(item, "brownout window", kWindowKeys);
        if (!window) continue;
        const Value* start = require(*window, "start");
        const Value* end = require(*window, "end");
        const auto start_time = start ? read_timestamp(*start) : std::nullopt;
        const auto end_time = end ? read_timestamp(*end) : std::nullopt;
        if (!start_time || !end_time) continue;
        if (*end_time <= *start_time) {
          error(end->where, "brownout window must end after it starts (start " +
                                format_timestamp(*start_time) + ", end " +
                                format_timestamp(*end_time) + ")");
          continue;
        }
        brownout.windows.push_back({*start_time, *end_time});
      }
    }
    if (every != nullptr) read_recurring_brownout(*every, brownout);
    if (const Value* fraction = fields->find("fraction")) {
      if (const auto text = read_string(*fraction, "a number")) {
        double number = 0;
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), number);
        if (ec != std::errc{} || end != text->data() + text->size() || !(number > 0) ||
            number > 1) {
          error(fraction->where, "invalid fraction " + quoted(*text) +
                                     " (expected a number above 0 and at most 1, e.g. 0.25)");
        } else {
          brownout.fraction = number;
        }
      }
    }
  }

  void read_recurring_brownout(const Value& value, BrownoutConfig& brownout) {
    const std::optional<Fields> fields = read_map(value, "every", kEveryKeys);
    if (!fields) return;
    const Value* period = require(*fields, "period");
    const Value* duration = require(*fields, "duration");
    // Both read before either is judged, so both are reported when both are wrong.
    std::optional<Duration> period_read;
    std::optional<Duration> duration_read;
    if (period != nullptr) period_read = read_duration(*period, false);
    if (duration != nullptr) duration_read = read_duration(*duration, false);
    if (!period_read || !duration_read) return;
    const Duration period_value = *period_read;
    const Duration duration_value = *duration_read;
    if (period_value > std::chrono::days(1)) {
      error(period->where,
            "brownout period must be at most 1d (windows are counted from each UTC midnight)");
    } else if (duration_value >= period_value) {
      error(duration->where,
            "brownout duration must be shorter than its period (a window that never ends is "
            "mode: enforce)");
    } else {
      brownout.every = RecurringBrownout{period_value, duration_value};
    }
  }

  void read_http_refusal(const Value& value, HttpRefusalConfig& http) {
    const std::optional<Fields> fields = read_map(value, "http", kHttpRefusalKeys);
    if (!fields) return;
    if (const Value* status = fields->find("status")) {
      if (auto code = read_unsigned(*status, 200, 599)) http.status = *code;
    }
    if (const Value* body = fields->find("body")) {
      if (auto text = read_string(*body)) http.body = *text;
    }
  }

  void read_exceptions(const Value& value, RouteSettings& listener) {
    std::vector<std::pair<std::string, int>> names;  // name, line
    for (const Value& item : read_list(value)) {
      const std::optional<Fields> fields = read_map(item, "exception", kExceptionKeys);
      if (!fields) continue;
      ExceptionConfig exception;
      exception.where = item.where;
      bool valid = read_exception_name(*fields, names, exception);
      valid = read_exception_selectors(*fields, exception) && valid;
      read_exception_floor(*fields, listener, exception);
      if (const Value* ciphers = fields->find("ciphers")) {
        exception.ciphers = read_cipher_list(*ciphers);
      }
      if (const Value* expires = require(*fields, "expires")) {
        if (auto when = read_timestamp(*expires)) exception.expires = *when;
      } else {
        valid = false;
      }
      if (const Value* note = fields->find("note")) {
        if (auto text = read_string(*note)) exception.note = *text;
      }
      if (const Value* unused_after = fields->find("unused_after")) {
        if (auto duration = read_duration(*unused_after, false)) exception.unused_after = *duration;
      }
      if (valid) listener.exceptions.push_back(std::move(exception));
    }
  }

  // clients, server_names and ja4; false when the exception has none of them.
  bool read_exception_selectors(const Fields& fields, ExceptionConfig& exception) {
    const Value* clients = fields.find("clients");
    const Value* server_names = fields.find("server_names");
    const Value* ja4 = fields.find("ja4");
    if (clients != nullptr) read_exception_clients(*clients, exception);
    if (server_names != nullptr) read_exception_server_names(*server_names, exception);
    if (ja4 != nullptr) read_exception_ja4(*ja4, exception);
    if (clients == nullptr && server_names == nullptr && ja4 == nullptr) {
      // An exception without a selector would exempt every legacy client.
      error(fields.where, "exception " + quoted(exception.name) +
                              " needs at least one selector: clients, server_names or ja4");
      return false;
    }
    return true;
  }

  void read_exception_clients(const Value& value, ExceptionConfig& exception) {
    for (const Value& entry : read_list(value)) {
      const auto text = read_string(entry);
      if (!text) continue;
      std::string problem;
      if (auto prefix = parse_address_prefix(*text, &problem)) {
        exception.clients.push_back(std::move(*prefix));
      } else {
        error(entry.where, "invalid client " + quoted(*text) + ": " + problem +
                               " (expected an address or a CIDR such as 10.20.0.0/16)");
      }
    }
  }

  void read_exception_server_names(const Value& value, ExceptionConfig& exception) {
    for (const Value& entry : read_list(value)) {
      const auto text = read_string(entry);
      if (!text) continue;
      std::string name = ascii_lowercase(*text);
      const std::string_view rest =
          name.starts_with("*.") ? std::string_view(name).substr(2) : std::string_view(name);
      if (rest.empty() || rest.find('*') != std::string_view::npos) {
        error(entry.where, "invalid server name " + quoted(*text) +
                               " (a host name, or *.domain for any name one label longer)");
        continue;
      }
      exception.server_names.push_back(std::move(name));
    }
  }

  void read_exception_ja4(const Value& value, ExceptionConfig& exception) {
    for (const Value& entry : read_list(value)) {
      const auto text = read_string(entry);
      if (!text) continue;
      if (!looks_like_ja4(*text)) {
        error(entry.where, "invalid ja4 " + quoted(*text) +
                               " (expected a JA4 such as t10d070600_c50f5591e341_1a3805c3aa63)");
        continue;
      }
      exception.ja4.push_back(*text);
    }
  }

  // min_version: below the listener's floor, or the exception would let in no one.
  void read_exception_floor(const Fields& fields, const RouteSettings& listener,
                            ExceptionConfig& exception) {
    const Value* min = fields.find("min_version");
    if (min == nullptr) return;
    const auto version = read_version(*min);
    if (!version) return;
    if (*version >= listener.tls.min_version) {
      error(min->where, "exception min_version " + std::string(to_string(*version)) +
                            " is not below the listener's min_version " +
                            std::string(to_string(listener.tls.min_version)) +
                            " (the exception would let in no one the floor refuses)");
      return;
    }
    exception.min_version = *version;
  }

  bool read_exception_name(const Fields& fields, std::vector<std::pair<std::string, int>>& names,
                           ExceptionConfig& exception) {
    const Value* name = require(fields, "name");
    if (name == nullptr) return false;
    const auto text = read_string(*name);
    if (!text) return false;
    if (text->empty() || !is_valid_name(*text)) {
      error(name->where, "invalid exception name " + quoted(*text) +
                             " (use only letters, digits, '_', '.' and '-')");
      return false;
    }
    for (const auto& [seen, line] : names) {
      if (seen == *text) {
        error(name->where, "duplicate exception name " + quoted(*text) +
                               " in this listener (first defined at line " + std::to_string(line) +
                               ")");
        return false;
      }
    }
    names.emplace_back(*text, name->where.line);
    exception.name = *text;
    return true;
  }

  void read_timeouts(const Value& value, TimeoutsConfig& timeouts) {
    const std::optional<Fields> fields = read_map(value, "timeouts", kTimeoutsKeys);
    if (!fields) return;
    if (const Value* handshake = fields->find("handshake")) {
      if (auto duration = read_duration(*handshake, false)) timeouts.handshake = *duration;
    }
    if (const Value* idle = fields->find("idle")) {
      if (auto duration = read_duration(*idle, false)) timeouts.idle = *duration;
    }
  }

  void read_top_level_limits(const Value& value, Config& config) {
    const std::optional<Fields> fields = read_map(value, "limits", kTopLevelLimitsKeys);
    if (!fields) return;
    read_limits(*fields, config.limits);
    if (const Value* reserve = fields->find("descriptor_reserve")) {
      config.descriptor_reserve = read_unsigned(*reserve, 0, kMaxDescriptorReserve);
    }
  }

  void read_limits(const Fields& fields, LimitsConfig& limits) {
    const std::pair<std::string_view, unsigned LimitsConfig::*> keys[] = {
        {"max_connections", &LimitsConfig::max_connections},
        {"max_handshakes_in_flight", &LimitsConfig::max_handshakes_in_flight},
        {"max_handshakes_per_source", &LimitsConfig::max_handshakes_per_source}};
    for (const auto& [key, member] : keys) {
      if (const Value* limit = fields.find(key)) {
        if (auto count = read_unsigned(*limit, 1, kMaxLimit)) limits.*member = *count;
      }
    }
    if (const Value* prefix = fields.find("source_ipv4_prefix")) {
      if (auto bits = read_unsigned(*prefix, 0, 32)) limits.source_ipv4_prefix = *bits;
    }
    if (const Value* prefix = fields.find("source_ipv6_prefix")) {
      if (auto bits = read_unsigned(*prefix, 0, 128)) limits.source_ipv6_prefix = *bits;
    }
  }

  void read_client_ledger(const Value& value, ClientLedgerConfig& ledger) {
    const std::optional<Fields> fields = read_map(value, "ledger", kClientLedgerKeys);
    if (!fields) return;
    if (const Value* path = fields->find("path")) ledger.path = read_path(*path);
    if (const Value* horizon = fields->find("horizon")) {
      if (auto duration = read_duration(*horizon, /*allow_zero=*/false, kMaxLedgerHorizon)) {
        ledger.horizon = std::chrono::duration_cast<std::chrono::seconds>(*duration);
      }
    }
    if (const Value* entries = fields->find("max_entries")) {
      if (auto count = read_unsigned(*entries, 0, kMaxLedgerEntries, "; 0 keeps no ledger")) {
        ledger.max_entries = *count;
      }
    }
  }

  void read_legacy_clients(const Value& value, LegacyClientsConfig& legacy_clients) {
    const std::optional<Fields> fields = read_map(value, "legacy_clients", kLegacyClientsKeys);
    if (!fields) return;
    if (const Value* prefix = fields->find("ipv4_prefix")) {
      if (auto bits = read_unsigned(*prefix, 0, 32)) legacy_clients.ipv4_prefix = *bits;
    }
    if (const Value* prefix = fields->find("ipv6_prefix")) {
      if (auto bits = read_unsigned(*prefix, 0, 128)) legacy_clients.ipv6_prefix = *bits;
    }
    if (const Value* key = fields->find("key")) {
      if (const auto text = read_string(*key)) {
        if (*text == "address") {
          legacy_clients.key = ClientKeyKind::address;
        } else if (*text == "certificate") {
          legacy_clients.key = ClientKeyKind::certificate;
        } else {
          error(key->where,
                "invalid key " + quoted(*text) + " (expected one of: address, certificate)");
        }
      }
    }
    if (const Value* ledger = fields->find("ledger")) {
      read_client_ledger(*ledger, legacy_clients.ledger);
    }
    const Value* top_k = fields->find("top_k");
    if (top_k) {
      if (auto count = read_unsigned(*top_k, 0, kMaxTopK)) legacy_clients.top_k = *count;
    }
    const Value* top_n = fields->find("metrics_top_n");
    if (top_n) {
      if (auto count = read_unsigned(*top_n, 0, kMaxMetricsTopN)) {
        legacy_clients.metrics_top_n = *count;
      }
    }
    if (legacy_clients.metrics_top_n > legacy_clients.top_k) {
      // Only clients that are tracked can be exported: say which of the two to change.
      error(top_n ? top_n->where : top_k->where,
            "metrics_top_n " + std::to_string(legacy_clients.metrics_top_n) +
                (top_n ? "" : " (the default)") + " is above top_k " +
                std::to_string(legacy_clients.top_k) + (top_k ? "" : " (the default)") +
                " (only tracked clients can be exported)");
    }
  }

  std::optional<AccessLogConfig> read_access_log(const Value& value) {
    const std::optional<Fields> fields = read_map(value, "access_log", kAccessLogKeys);
    if (!fields) return std::nullopt;
    AccessLogConfig access_log;
    bool valid = true;
    if (const Value* path = require(*fields, "path")) {
      if (auto resolved = read_path(*path)) {
        access_log.path = *resolved;
        access_log.where = path->where;
      } else {
        valid = false;
      }
    } else {
      valid = false;
    }
    if (const Value* legacy_only = fields->find("legacy_only")) {
      if (auto flag = read_bool(*legacy_only)) access_log.legacy_only = *flag;
    }
    if (const Value* follow = fields->find("follow_symlinks")) {
      if (auto flag = read_bool(*follow)) access_log.follow_symlinks = *flag;
    }
    if (const Value* schema = fields->find("schema")) {
      if (const auto text = read_string(*schema)) {
        if (const auto known = parse_log_schema(*text)) {
          access_log.schema = *known;
        } else {
          error(schema->where,
                "invalid schema " + quoted(*text) + " (expected one of: tlsfloor, ecs, otel)");
        }
      }
    }
    if (!valid) return std::nullopt;
    return access_log;
  }

  // Two sockets on one address and port would either fail at bind time (long after the config
  // was accepted) or, with SO_REUSEPORT, silently share connections between listeners.
  void check_unique_listen_addresses() {
    std::vector<ListenSite> sites = listen_sites_;
    std::stable_sort(sites.begin(), sites.end(), [](const ListenSite& a, const ListenSite& b) {
      return before(a.where, b.where);
    });
    for (std::size_t i = 0; i < sites.size(); ++i) {
      // Port 0 asks the kernel for a fresh port each time, so it never collides.
      if (sites[i].endpoint.port == 0) continue;
      const std::string key = canonical_address(sites[i].endpoint);
      for (std::size_t j = 0; j < i; ++j) {
        if (canonical_address(sites[j].endpoint) != key) continue;
        error(sites[i].where, "listen address " + sites[i].endpoint.to_string() +
                                  " is already used by " + sites[j].owner + " (line " +
                                  std::to_string(sites[j].where.line) + ")");
        break;
      }
    }
  }

  std::string source_name_;
  std::string base_dir_;
  std::vector<ConfigError> errors_;
  std::vector<ConfigError> warnings_;
  std::vector<std::pair<std::string, SourceMark>> names_;
  std::vector<ListenSite> listen_sites_;
  std::vector<CertificateConfig> all_certificates_;
  std::vector<SourceMark> keyserver_certificates_;  // entries with keyserver: true
  std::vector<UpstreamTlsConfig> all_upstream_tls_;
  std::vector<CipherList> all_cipher_lists_;
  std::vector<ClientAuthConfig> all_client_auth_;
};

}  // namespace

void sort_by_position(std::vector<ConfigError>& errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return before(a.where, b.where);
  });
}

ParseResult parse_config(std::string_view yaml_text, const std::string& source_name) {
  return Parser(source_name).parse(yaml_text);
}

ParseResult load_config_file(const std::string& path) {
  std::string error;
  const std::optional<std::string> text =
      read_small_file(path, std::numeric_limits<std::size_t>::max(), error);
  if (!text) {
    ParseResult result;
    result.errors.push_back(
        ConfigError{SourceMark{path, 0, 0}, "cannot read config file: " + error});
    return result;
  }
  ParseResult result = parse_config(*text, path);
  // The owner directory is part of the configuration: a reload reads both, and a broken
  // directory refuses the reload like a broken configuration (the running one stays).
  if (result.config && result.config->owners_file) {
    OwnerDirectoryParse owners = load_owner_directory(*result.config->owners_file);
    if (owners.directory) {
      result.config->owners = std::make_shared<const OwnerDirectory>(std::move(*owners.directory));
    } else {
      result.config.reset();
      result.warnings.clear();
      result.errors = std::move(owners.errors);
    }
  }
  return result;
}

}  // namespace tlsfloor::config
