// tlsfloor: a TLS-terminating TCP reverse proxy that enforces a minimum TLS version per
// listener and makes every handshake decision visible as Prometheus metrics.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string>

#include "config/alpn_upstreams.h"
#include "config/config_parser.h"
#include "config/duration.h"
#include "config/enforcement_schedule.h"
#include "config/named_group.h"
#include "config/tls_profile.h"
#include "config/tls_version.h"
#include "metrics/build_info.h"
#include "metrics/report/handshake_report_command.h"
#include "metrics/report/ledger_report_command.h"
#include "metrics/report/render.h"
#include "proxy/families/family_matcher.h"
#include "proxy/server/descriptor_limit.h"
#include "proxy/server/server.h"
#include "proxy/tls/certificate_set.h"
#include "proxy/tls/cipher_suites.h"

namespace {

using tlsfloor::config::ConfigError;

int report_errors(const std::vector<ConfigError>& errors) {
  for (const auto& error : errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
  std::fprintf(stderr, "%zu configuration error%s\n", errors.size(), errors.size() == 1 ? "" : "s");
  return 1;
}

// `tlsfloor report`'s command line: the version and format as typed, converted once parsed.
struct ReportCommandLine {
  tlsfloor::report::ReportOptions options;
  std::string floor = "TLS1.2";
  const CLI::Option* floor_option = nullptr;  // to tell --floor given from its default
  std::optional<std::string> ciphers;
  std::optional<std::string> groups;
  bool pq = false;
  bool inventory = false;
  std::string format = "text";
  std::string gap = "1h";
  std::optional<std::string> ledger;
  std::optional<std::string> since;
};

// `tlsfloor report` reads handshake logs and needs no configuration.
CLI::App* add_report_command(CLI::App& app, ReportCommandLine& line) {
  auto& options = line.options;
  CLI::App* report = app.add_subcommand(
      "report",
      "who would break at a floor: affected handshakes by client and JA4, from logs; or the "
      "inventory of what was negotiated");
  report->add_option("--log", options.log_paths,
                     "handshake log (JSON lines, plain or .gz): a file, a glob (quoted: expanded "
                     "by tlsfloor), a directory (its *.log, *.log.N, *.log.N.gz); repeatable, - "
                     "is stdin; required unless --ledger");
  line.floor_option =
      report
          ->add_option("--floor", line.floor,
                       "candidate minimum version; a handshake is affected when its best offered "
                       "version is below it (SSL3.0 < TLS1.0 < ... < TLS1.3; unknown is below any)")
          ->check(CLI::IsMember({"TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3"}))
          ->capture_default_str();
  report->add_option("--ciphers", line.ciphers,
                     "candidate tls.ciphers (a BoringSSL cipher string or IANA names joined "
                     "with ':'); a handshake is affected when its client offers none of them at "
                     "its best version below TLS1.3. Alone, versions are not judged; with "
                     "--floor, both are");
  report->add_option("--groups", line.groups,
                     "candidate tls.groups (names joined with ':', any registered group such as "
                     "X25519MLKEM768); a handshake is affected when its client names groups but "
                     "none of these usable at its best version. Alone, versions are not judged");
  report->add_flag("--pq", line.pq,
                   "who would still use classical key exchange: a handshake is affected when its "
                   "client offers no post-quantum group. Alone, versions are not judged");
  report->add_flag("--inventory", line.inventory,
                   "what was negotiated instead: protocols, suites, groups and certificate key "
                   "types per listener and route, with handshakes, clients and families (PCI DSS "
                   "12.3.3)");
  report
      ->add_option("--format", line.format,
                   "text (aligned tables), json (one document), html or markdown (one page to "
                   "send, best with --owner), or csv (with --inventory)")
      ->check(CLI::IsMember({"text", "json", "csv", "html", "markdown"}))
      ->capture_default_str();
  report->add_option("--top", options.render.top, "rows per table; 0 shows all")
      ->capture_default_str();
  report->add_option("--ipv4-prefix", options.settings.ipv4_prefix, "group IPv4 clients by prefix")
      ->check(CLI::Range(0, 32))
      ->capture_default_str();
  report->add_option("--ipv6-prefix", options.settings.ipv6_prefix, "group IPv6 clients by prefix")
      ->check(CLI::Range(0, 128))
      ->capture_default_str();
  report->add_option("--route", options.settings.route,
                     "only handshakes of routes with this name (\"default\": clients that "
                     "matched no route)");
  report
      ->add_option("--threads", options.threads,
                   "threads that read the logs (0: one per usable processor)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  report
      ->add_option("--gap", line.gap,
                   "warn about a replica (the lines' host) without a line for longer than "
                   "this (30m, 2h, up to 7d; 0 looks for no gaps)")
      ->capture_default_str();
  report->add_option("--owner", options.settings.owner,
                     "only clients the owner directory gave this owner (\"unowned\": none); "
                     "with --config, the owners table says how to reach each owner");
  report->add_option("--ledger", line.ledger,
                     "a client ledger file (legacy_clients.ledger) instead of logs: who would "
                     "break among the clients it remembers, months of them across restarts");
  report->add_option("--since", line.since,
                     "with --ledger: only clients last seen within this (90d, 12h)");
  report->add_option("--config", options.config_path,
                     "a tlsfloor configuration: each route's mode in force and next scheduled "
                     "step, and the day each client would break (enforcement.schedule)");
  report->footer(
      "Malformed lines are skipped and counted; the first ones are shown on stderr as "
      "FILE:LINE: reason.\n"
      "Exit status: 0 report written; 1 a log cannot be opened or read (no report); 3 report "
      "written but no line held a handshake; other non-zero values for command-line errors.");
  return report;
}

// `tlsfloor report --ledger FILE`: the floor, route, owner, since, top and format (text, json).
int run_ledger_report_command(ReportCommandLine& line) {
  if (!line.options.log_paths.empty() || line.ciphers || line.groups || line.pq || line.inventory ||
      line.options.config_path || (line.format != "text" && line.format != "json")) {
    std::fprintf(stderr,
                 "tlsfloor report: --ledger reads a ledger instead of logs; it takes --floor, "
                 "--route, --owner, --since, --top and --format text or json\n");
    return 2;
  }
  tlsfloor::report::LedgerReportSettings settings;
  settings.floor = *tlsfloor::config::parse_tls_version(line.floor);
  settings.route = line.options.settings.route;
  settings.owner = line.options.settings.owner;
  if (line.since) {
    const auto since = tlsfloor::config::parse_duration(*line.since);
    if (!since || since->count() <= 0 || *since > tlsfloor::config::kMaxLedgerHorizon) {
      std::fprintf(stderr, "tlsfloor report: --since: %s is not a duration up to 3650d (90d)\n",
                   line.since->c_str());
      return 2;
    }
    settings.since = line.options.now - *since;
  }
  return tlsfloor::report::run_ledger_report(*line.ledger, settings, line.format == "json",
                                             line.options.render.top, std::cout, std::cerr);
}

int run_report_command(ReportCommandLine& line) {
  using Format = tlsfloor::report::ReportOptions::Format;
  if (line.ledger) return run_ledger_report_command(line);
  if (line.since) {
    std::fprintf(stderr, "tlsfloor report: --since is for --ledger\n");
    return 2;
  }
  if (line.options.log_paths.empty()) {
    std::fprintf(stderr, "tlsfloor report: --log is required (or --ledger FILE)\n");
    return 2;
  }
  // Both strings were checked against their lists by CLI11.
  auto& settings = line.options.settings;
  settings.floor = *tlsfloor::config::parse_tls_version(line.floor);
  if (line.ciphers) {
    std::string error;
    const auto list = tlsfloor::tls::parse_cipher_list(*line.ciphers, error);
    if (!list) {
      std::fprintf(stderr, "tlsfloor report: --ciphers: %s\n", error.c_str());
      return 2;
    }
    // Whatever the certificate: the log does not say which keys a listener had.
    settings.ciphers = tlsfloor::tls::usable_suites(*list, {.rsa = true, .ecdsa = true});
    settings.ciphers_text = *line.ciphers;
  }
  if (line.groups) {
    std::string error;
    auto codes = tlsfloor::config::parse_group_list(*line.groups, error);
    if (!codes) {
      std::fprintf(stderr, "tlsfloor report: --groups: %s\n", error.c_str());
      return 2;
    }
    settings.groups = std::move(*codes);
  }
  settings.pq = line.pq;
  // A candidate list of suites or groups alone judges only by itself.
  if ((line.ciphers || line.groups || line.pq) && line.floor_option->count() == 0) {
    settings.floor.reset();
  }
  line.options.inventory = line.inventory;
  if (line.inventory &&
      (line.ciphers || line.groups || line.pq || line.floor_option->count() > 0)) {
    std::fprintf(stderr,
                 "tlsfloor report: --inventory reports what was negotiated; it takes no "
                 "--floor, --ciphers, --groups or --pq\n");
    return 2;
  }
  if (line.format == "csv" && !line.inventory) {
    std::fprintf(stderr, "tlsfloor report: --format csv is for --inventory\n");
    return 2;
  }
  if ((line.format == "html" || line.format == "markdown") && line.inventory) {
    std::fprintf(stderr, "tlsfloor report: --inventory is text, json or csv\n");
    return 2;
  }
  line.options.format = line.format == "json"       ? Format::json
                        : line.format == "csv"      ? Format::csv
                        : line.format == "html"     ? Format::html
                        : line.format == "markdown" ? Format::markdown
                                                    : Format::text;
  // The report reads logs; what a family is and how to fix it comes from the proxy's table.
  line.options.render.describe_family = [](std::string_view id) {
    const tlsfloor::families::Family* family = tlsfloor::families::find_family(id);
    return family == nullptr
               ? std::optional<tlsfloor::report::FamilyDescription>()
               : tlsfloor::report::FamilyDescription{family->name, family->advice, family->link};
  };
  // At most a week: a gap is looked for around every line's time, which must stay in range.
  const auto gap = line.gap == "0" ? std::optional<tlsfloor::config::Duration>(0)
                                   : tlsfloor::config::parse_duration(line.gap);
  if (!gap || *gap > std::chrono::days(7)) {
    std::fprintf(stderr, "tlsfloor report: --gap: %s is not a duration up to 7d (30m, 2h, 0)\n",
                 line.gap.c_str());
    return 2;
  }
  settings.gap = std::chrono::duration_cast<std::chrono::seconds>(*gap);
  return tlsfloor::report::run_report(line.options, std::cout, std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tlsfloor: TLS-terminating reverse proxy that phases out legacy TLS versions"};
  std::string config_path;
  bool check_only = false;
  bool show_version = false;
  std::string log_level = "info";
  app.add_option("-c,--config", config_path, "configuration file (YAML)");
  app.add_flag("--check", check_only, "validate the configuration and certificates, then exit");
  app.add_flag("-V,--version", show_version, "print the version and the TLS library");
  bool share_ports = false;
  app.add_flag("--share-ports", share_ports,
               "bind listener addresses another process holds (SO_REUSEPORT), to hand them over "
               "to this process deliberately; without it a second tlsfloor refuses to start");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  ReportCommandLine report_line;
  const CLI::App* report = add_report_command(app, report_line);
  CLI11_PARSE(app, argc, argv);

  if (*report) return run_report_command(report_line);

  if (show_version) {
    std::printf("tlsfloor %s\nTLS library: %s\n", tlsfloor::metrics::kVersion.data(),
                tlsfloor::metrics::kTlsLibrary.data());
    return 0;
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "tlsfloor: --config FILE is required (see --help)\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);

  auto parsed = tlsfloor::config::load_config_file(config_path);
  tlsfloor::tls::add_certificate_errors(parsed);
  if (!parsed.config) return report_errors(parsed.errors);
  for (const auto& warning : parsed.warnings) {
    std::fprintf(stderr, "warning: %s\n", warning.to_string().c_str());
  }
  const std::vector<std::string> schedules =
      check_only
          ? tlsfloor::config::describe_schedules(*parsed.config, std::chrono::system_clock::now())
          : std::vector<std::string>{};
  std::vector<ConfigError> errors;
  const std::vector<std::string> profiles = tlsfloor::config::describe_profiles(*parsed.config);
  const std::vector<std::string> alpn_routing =
      tlsfloor::config::describe_alpn_routing(*parsed.config);
  // Before building: the descriptor reserve is a share of the limit in force.
  if (!check_only) tlsfloor::server::raise_descriptor_limit();
  // Building the server loads and checks every certificate but binds nothing yet.
  // --check creates nothing: handshake logs are checked, not opened, and no state file is read.
  auto server = tlsfloor::server::Server::create(
      std::move(*parsed.config), errors, [] { return std::chrono::system_clock::now(); },
      check_only ? tlsfloor::runtime::BuildMode::check : tlsfloor::runtime::BuildMode::run);
  if (!server) return report_errors(errors);
  if (check_only) {
    std::printf("%s: configuration OK\n", config_path.c_str());
    // Dated steps are easy to get wrong by a year: show when each takes effect, and which is
    // in force now. What each profile came to, since a profile is a name and a listener offers
    // what it says. Where each ALPN protocol goes, and what is offered, since an offer that
    // follows the map is written nowhere.
    for (const std::string& line : schedules) std::printf("%s\n", line.c_str());
    for (const std::string& line : profiles) std::printf("%s\n", line.c_str());
    for (const std::string& line : alpn_routing) std::printf("%s\n", line.c_str());
    return 0;
  }
  server->set_share_ports(share_ports);
  try {
    server->handle_signals();
    server->start();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  server->wait();
  spdlog::info("stopped");
  return 0;
}
