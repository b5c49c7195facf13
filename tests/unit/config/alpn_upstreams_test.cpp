#include "config/alpn_upstreams.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/config/parsed_config.h"

namespace tlsfloor::config {
namespace {

using Strings = std::vector<std::string>;

// Routes by ALPN without tls.alpn; then the routes given.
Config web(const std::string& routes = "", const std::string& tls = "") {
  return parsed(
      "listeners:\n"
      "  - name: web\n"
      "    listen: 0.0.0.0:443\n"
      "    upstream: { address: 127.0.0.1:8080 }\n"
      "    upstream_by_alpn: { h2: { address: 127.0.0.1:8082 }, "
      "http/1.1: { address: \"[::1]:8081\" } }\n"
      "    certificates: [{ cert: c.crt, key: c.key }]\n" +
      tls + routes);
}

TEST(AlpnUpstreamsTest, WithoutTlsAlpnTheMapsProtocolsAreOfferedInItsOrder) {
  const Config config = web();
  EXPECT_EQ(offered_alpn(config.listeners[0]), (Strings{"h2", "http/1.1"}));
}

TEST(AlpnUpstreamsTest, TlsAlpnIsOfferedAsWrittenWhenThereIsOne) {
  const Config config = web("", "    tls: { alpn: [http/1.1, h2, acme-tls/1] }\n");
  EXPECT_EQ(offered_alpn(config.listeners[0]), (Strings{"http/1.1", "h2", "acme-tls/1"}));
  // No map, no list: no ALPN at all, as before.
  EXPECT_TRUE(offered_alpn(RouteSettings{}).empty());
}

TEST(AlpnUpstreamsTest, LogsNameEveryUpstreamOfARoute) {
  const Config config =
      web("    routes:\n"
          "      - name: own\n"
          "        server_names: [own.example.com]\n"
          "        upstream: { address: backend.internal:9000 }\n");
  EXPECT_EQ(alpn_map_text(config.listeners[0].upstream_by_alpn),
            "{h2: 127.0.0.1:8082, http/1.1: [::1]:8081}");
  EXPECT_EQ(alpn_map_text({}), "none");
  EXPECT_EQ(describe_upstreams(config.listeners[0]),
            "127.0.0.1:8080, by ALPN {h2: 127.0.0.1:8082, http/1.1: [::1]:8081}");
  EXPECT_EQ(describe_upstreams(config.listeners[0].routes[0]), "backend.internal:9000");
}

TEST(AlpnUpstreamsTest, CheckSaysWhereEachProtocolGoesAndWhatIsOffered) {
  const Config config =
      web("    routes:\n"
          "      - name: same\n"
          "        server_names: [same.example.com]\n"
          "      - name: own\n"
          "        server_names: [own.example.com]\n"
          "        upstream: { address: 10.0.0.7:9000 }\n"
          "      - name: grpc\n"
          "        server_names: [grpc.example.com]\n"
          "        tls: { alpn: [h2, http/1.1] }\n"
          "        upstream_by_alpn: { h2: { address: 10.0.0.9:50051 } }\n");
  // "same" only inherits (described with its listener); "own" routes by nothing.
  EXPECT_EQ(describe_alpn_routing(config),
            (Strings{"listener web: upstream by ALPN {h2: 127.0.0.1:8082, http/1.1: [::1]:8081}, "
                     "no ALPN or another protocol 127.0.0.1:8080; offers h2, http/1.1 "
                     "(upstream_by_alpn's; no tls.alpn)",
                     "listener web route grpc: upstream by ALPN {h2: 10.0.0.9:50051}, no ALPN or "
                     "another protocol 127.0.0.1:8080; offers h2, http/1.1 (tls.alpn)"}));
}

}  // namespace
}  // namespace tlsfloor::config
