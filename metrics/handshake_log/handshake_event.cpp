#include "metrics/handshake_log/handshake_event.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "config/cipher_suite.h"
#include "config/named_group.h"
#include "config/timestamp.h"
#include "config/tls_version.h"
#include "metrics/log_schema/log_schema.h"

namespace tlsfloor::handshake_log {
namespace {

nlohmann::ordered_json text_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  return text;
}

// Known versions by name; drafts and private codes in hex ("0x7f1c"), which says more to
// whoever reads the log than a bare "unknown".
std::string offered_label(std::uint16_t version) {
  const std::string_view label = config::wire_version_label(version);
  if (label != "unknown") return std::string(label);
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%04x", version);
  return hex;
}

}  // namespace

std::string to_json_line(const HandshakeEvent& event, config::LogSchema schema) {
  nlohmann::ordered_json line;
  line["time"] = config::format_timestamp(event.time);
  line["host"] = text_or_null(event.host);
  line["listener"] = event.listener;
  line["route"] = event.route;
  line["client"] = event.client_address;
  line["client_port"] = event.client_port;
  line["balancer"] = event.balancer.empty() ? nlohmann::ordered_json(nullptr)
                                            : nlohmann::ordered_json(event.balancer);
  line["vpce_id"] = event.vpce_id.empty() ? nlohmann::ordered_json(nullptr)
                                          : nlohmann::ordered_json(event.vpce_id);
  auto& offered = line["offered_versions"] = nlohmann::ordered_json::array();
  for (const std::uint16_t version : event.offered_versions)
    offered.push_back(offered_label(version));
  line["highest_offered"] = config::wire_version_label(event.highest_offered);
  line["negotiated_version"] =
      event.negotiated_version == 0
          ? nlohmann::ordered_json(nullptr)
          : nlohmann::ordered_json(config::wire_version_label(event.negotiated_version));
  line["cipher"] = text_or_null(event.cipher);
  line["group"] = event.group == 0 ? nlohmann::ordered_json(nullptr)
                                   : nlohmann::ordered_json(config::group_name(event.group));
  auto& suites = line["offered_ciphers"] = nlohmann::ordered_json::array();
  for (const std::uint16_t suite : event.offered_ciphers) {
    suites.push_back(config::cipher_code_text(suite));
  }
  auto& groups = line["offered_groups"] = nlohmann::ordered_json::array();
  for (const std::uint16_t group : event.offered_groups)
    groups.push_back(config::group_name(group));
  line["offered_groups_total"] = std::max(event.groups_offered, event.offered_groups.size());
  auto& shares = line["key_share_groups"] = nlohmann::ordered_json::array();
  for (const std::uint16_t group : event.key_share_groups)
    shares.push_back(config::group_name(group));
  line["key_shares_total"] = std::max(event.key_shares_offered, event.key_share_groups.size());
  line["pq_offered"] = event.pq_offered;
  line["sni"] = text_or_null(event.server_name);
  line["alpn"] = event.alpn;
  line["alpn_offered"] = std::max(event.alpn_offered, event.alpn.size());
  line["alpn_selected"] = event.alpn_selected.empty() ? nlohmann::ordered_json(nullptr)
                                                      : nlohmann::ordered_json(event.alpn_selected);
  line["certificate"] = text_or_null(event.certificate);
  line["upstream_version"] =
      event.upstream_version == 0
          ? nlohmann::ordered_json(nullptr)
          : nlohmann::ordered_json(config::wire_version_label(event.upstream_version));
  line["upstream_cipher"] = text_or_null(event.upstream_cipher);
  line["ja3"] = event.ja3;
  line["ja4"] = event.ja4;
  line["family"] = event.family;
  line["family_confidence"] = std::round(event.family_confidence * 100) / 100;
  line["owner"] = text_or_null(event.owner);
  line["outcome"] = event.outcome;
  line["legacy"] = event.legacy;
  auto& below = line["below"] = nlohmann::ordered_json::array();
  if (event.below_version) below.push_back("version");
  if (event.below_ciphers) below.push_back("ciphers");
  if (event.below_groups) below.push_back("groups");
  line["decision"] = event.decision;
  line["refused_by"] = text_or_null(event.refused_by);
  line["reason"] = event.reason;
  line["failure"] = text_or_null(event.failure);
  line["resumed"] = event.resumed;
  if (const auto& certificate = event.client_certificate) {
    const bool shown = !certificate->subject.empty() || !certificate->sha256.empty();
    auto& logged = line["client_certificate"] = nlohmann::ordered_json::object();
    logged["result"] = certificate->result;
    logged["subject"] = text_or_null(certificate->subject);
    logged["issuer"] = text_or_null(certificate->issuer);
    logged["serial"] = text_or_null(certificate->serial);
    logged["sha256"] = text_or_null(certificate->sha256);
    logged["not_after"] =
        shown ? nlohmann::ordered_json(config::format_timestamp(certificate->not_after))
              : nlohmann::ordered_json(nullptr);
  } else {
    line["client_certificate"] = nullptr;
  }
  if (schema != config::LogSchema::tlsfloor) line = log_schema::to_schema(line, schema);
  // A client controls SNI and ALPN bytes: replace invalid UTF-8 rather than throw.
  std::string out = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  out += '\n';
  return out;
}

}  // namespace tlsfloor::handshake_log
