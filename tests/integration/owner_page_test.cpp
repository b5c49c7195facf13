// The owner page (tlsfloor report --owner NAME --format html) of a log the real proxy wrote for
// real clients with an owner directory, opened in headless Chromium (Debian's chromium) with
// every network request sent to a closed port: it renders (a screenshot is kept, its path in
// the test output), and the DOM Chromium built shows the JSON report's numbers.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "tests/integration/binaries.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

using nlohmann::json;

std::string contents(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// What `tlsfloor report` prints on stdout for `arguments`, written to `out`.
void report(const std::string& arguments, const std::filesystem::path& out) {
  const CommandResult result =
      run_command({"sh", "-c", kBinary + " report " + arguments + " > '" + out.string() + "'"},
                  std::chrono::seconds(120));
  ASSERT_EQ(result.exit_code, 0) << arguments << "\n" << result.output;
}

// Chromium, headless, offline: every request it would make goes to a closed port.
CommandResult chromium(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv = {"chromium",
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--proxy-server=127.0.0.1:9",
                                   "--window-size=1200,1000"};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return run_command(argv, std::chrono::seconds(180));
}

// The text of the element with `id` in Chromium's DOM dump; "" when it has none.
std::string element_text(const std::string& dom, const std::string& id) {
  std::smatch match;
  if (!std::regex_search(dom, match, std::regex("id=\"" + id + "\">([^<]*)<"))) return "";
  return match[1];
}

TEST(OwnerPageTest, ChromiumRendersTheOwnersPageWithTheJsonReportsNumbers) {
  TempDir dir;
  TcpUpstream upstream(UpstreamMode::echo);
  const std::string owners = dir.write("owners.yaml", R"(owners:
  - name: payments
    contacts: [payments@example.com]
    link: https://tickets.example.com/PAY
    match: {clients: [127.0.0.2/32]}
  - name: pos-terminals
    match: {clients: [127.0.0.3/32]}
)");
  const std::filesystem::path log = dir.path() / "handshakes.log";
  ListenerSpec spec;
  spec.upstream_port = upstream.port();
  spec.certificates = {make_self_signed(dir, "rsa", {"api.test"}, KeyType::rsa_2048)};
  spec.mode = "observe";
  const std::string config = dir.write(
      "tlsfloor.yaml", proxy_yaml({spec}, "5s",
                                  "owners_file: \"" + owners + "\"\naccess_log: {path: \"" +
                                      log.string() + "\"}\n"));
  {
    auto proxy = RunningProxy::from_file(config);
    // payments: TLS 1.0 twice and TLS 1.1 once, from one address; then a modern handshake,
    // which is not on the page. pos-terminals: one TLS 1.0 handshake, not on payments' page.
    for (const auto& [source, version] :
         std::vector<std::pair<std::string, std::uint16_t>>{{"127.0.0.2", TLS1_VERSION},
                                                            {"127.0.0.2", TLS1_VERSION},
                                                            {"127.0.0.2", TLS1_1_VERSION},
                                                            {"127.0.0.2", TLS1_3_VERSION},
                                                            {"127.0.0.3", TLS1_VERSION}}) {
      ClientOptions options;
      options.min_version = options.max_version = version;
      options.source = source;
      TlsClient client(proxy->port(), options);
      ASSERT_TRUE(client.handshake()) << source;
    }
  }  // stopped: the log is flushed and closed

  const std::string common =
      "--log '" + log.string() + "' --owner payments --config '" + config + "'";
  const std::filesystem::path page = dir.path() / "payments.html";
  report(common + " --format html", page);
  report(common + " --format json", dir.path() / "payments.json");
  const json document = json::parse(contents(dir.path() / "payments.json"));
  ASSERT_EQ(document["totals"]["affected"], 3) << document.dump();

  const CommandResult dom = chromium({"--dump-dom", "file://" + page.string()});
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  EXPECT_NE(dom.output.find("<title>Legacy TLS clients of payments</title>"), std::string::npos)
      << dom.output;
  EXPECT_EQ(element_text(dom.output, "affected"), document["totals"]["affected"].dump());
  EXPECT_EQ(element_text(dom.output, "clients"), document["clients"]["total"].dump());
  EXPECT_EQ(element_text(dom.output, "would-break"), document["totals"]["would_break"].dump());
  EXPECT_EQ(element_text(dom.output, "first-seen"), document["totals"]["first_seen"]);
  // The chart's bars add up to the affected handshakes, day by day as in the JSON.
  std::uint64_t charted = 0;
  const std::regex bar("data-day=\"([0-9-]+)\" data-handshakes=\"([0-9]+)\"");
  for (auto it = std::sregex_iterator(dom.output.begin(), dom.output.end(), bar);
       it != std::sregex_iterator(); ++it) {
    charted += std::stoull((*it)[2]);
  }
  EXPECT_EQ(charted, document["totals"]["affected"].get<std::uint64_t>());
  EXPECT_EQ(document["affected_by_day"].size(), 1u);
  EXPECT_NE(dom.output.find("payments@example.com"), std::string::npos);
  EXPECT_NE(dom.output.find("127.0.0.2"), std::string::npos);
  EXPECT_EQ(dom.output.find("127.0.0.3"), std::string::npos) << "pos-terminals' client";

  // The rendering itself, kept beside the test binary for a person to look at.
  const std::filesystem::path screenshot = std::filesystem::absolute("owner-page-payments.png");
  const CommandResult shot =
      chromium({"--screenshot=" + screenshot.string(), "file://" + page.string()});
  ASSERT_EQ(shot.exit_code, 0) << shot.output;
  ASSERT_TRUE(std::filesystem::exists(screenshot)) << shot.output;
  EXPECT_GT(std::filesystem::file_size(screenshot), 10'000u) << "an empty page is smaller";
  std::printf("owner page screenshot: %s\n", screenshot.c_str());
  RecordProperty("owner_page_screenshot", screenshot.string());
}

}  // namespace
}  // namespace tlsfloor::test
