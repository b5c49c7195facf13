#include "proxy/tls/upstream_tls.h"

#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "proxy/tls/alpn.h"
#include "proxy/tls/certificate_set.h"
#include "proxy/tls/cipher_suites.h"
#include "proxy/tls/ssl_error.h"

namespace tlsfloor::tls {
namespace {

// Where a connection's SSL finds its route's UpstreamSessions (app data belongs to the
// client side's ClientHelloHandler).
int sessions_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* sessions = static_cast<UpstreamSessions*>(SSL_get_ex_data(ssl, sessions_index()));
  if (sessions == nullptr || SSL_SESSION_is_resumable(session) != 1) return 0;
  sessions->store(bssl::UniquePtr<SSL_SESSION>(session));
  return 1;  // the reference is ours now
}

// The trusted CAs: the configured file, else the system's bundle.
void load_trust(SSL_CTX* context, const config::UpstreamTlsConfig& config,
                std::vector<config::ConfigError>& errors) {
  const bool system = config.ca_file.empty();
  const std::string path = system ? std::string(config::kSystemCaFile) : config.ca_file;
  const char* what = system ? "the system CA store " : "CA file ";
  // Opened first for a plain reason ("No such file or directory") rather than BoringSSL's.
  if (std::FILE* file = std::fopen(path.c_str(), "rb")) {
    std::fclose(file);
  } else {
    errors.push_back({config.ca_file_where,
                      "cannot read " + std::string(what) + path + ": " + std::strerror(errno) +
                          (system ? " (install ca-certificates, or set ca_file)" : "")});
    return;
  }
  if (SSL_CTX_load_verify_locations(context, path.c_str(), nullptr) != 1) {
    errors.push_back({config.ca_file_where, "no usable PEM certificate in " + std::string(what) +
                                                path + " (" + take_ssl_error() + ")"});
  }
}

void load_client_certificate(SSL_CTX* context, const config::CertificateConfig& entry,
                             std::vector<config::ConfigError>& errors) {
  const CertificateSet loaded = CertificateSet::load({entry}, errors);
  if (loaded.empty()) return;
  if (!CertificateSet::install(context, loaded.first())) {
    errors.push_back({entry.where, "cannot use client certificate " + entry.cert_path + ": " +
                                       take_ssl_error()});
  }
}

bool is_ip_literal(const std::string& name) {
  return config::Endpoint{name, 0}.host_is_ip_literal();
}

}  // namespace

void UpstreamSessions::offer(SSL* ssl) const {
  std::lock_guard lock(mutex_);
  if (session_) SSL_set_session(ssl, session_.get());  // takes its own reference
}

void UpstreamSessions::store(bssl::UniquePtr<SSL_SESSION> session) {
  std::lock_guard lock(mutex_);
  session_ = std::move(session);
}

std::shared_ptr<const UpstreamTls> UpstreamTls::load(const config::UpstreamTlsConfig& config,
                                                     std::vector<config::ConfigError>& errors) {
  const std::size_t errors_before = errors.size();
  auto loaded = std::make_shared<UpstreamTls>();
  loaded->config_ = config;
  loaded->context_.reset(SSL_CTX_new(TLS_method()));
  SSL_CTX* context = loaded->context_.get();
  if (context == nullptr ||
      SSL_CTX_set_min_proto_version(context, static_cast<uint16_t>(config.min_version)) != 1 ||
      SSL_CTX_set_max_proto_version(context, static_cast<uint16_t>(config.max_version)) != 1) {
    errors.push_back({config.where, "cannot create a TLS context: " + take_ssl_error()});
    return nullptr;
  }
  if (SSL_CTX_set_strict_cipher_list(context, config.ciphers.text.c_str()) != 1) {
    // Named at the list's position (cipher_suites.h says which entry is unknown).
    std::string error;
    parse_cipher_list(config.ciphers.text, error);
    errors.push_back({config.ciphers.where.file.empty() ? config.where : config.ciphers.where,
                      error.empty() ? "invalid cipher list" : error});
  }
  if (config.verify || !config.ca_file.empty()) load_trust(context, config, errors);
  SSL_CTX_set_verify(context, config.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  if (config.client_certificate)
    load_client_certificate(context, *config.client_certificate, errors);
  // Client sessions go to the route's UpstreamSessions only, not to a cache of the context's.
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
  SSL_CTX_sess_set_new_cb(context, on_new_session);
  loaded->alpn_ = alpn_wire_format(config.alpn);
  if (errors.size() != errors_before) return nullptr;
  return loaded;
}

bssl::UniquePtr<SSL> UpstreamTls::new_connection(const config::Endpoint& upstream,
                                                 UpstreamSessions& sessions,
                                                 std::string_view client_alpn) const {
  bssl::UniquePtr<SSL> ssl(SSL_new(context_.get()));
  if (!ssl) return nullptr;
  SSL_set_connect_state(ssl.get());
  // A long-lived connection keeps no handshake-only state (names, ALPN list, trust settings).
  SSL_set_shed_handshake_config(ssl.get(), 1);
  const std::string& name = config_.server_name.empty() ? upstream.host : config_.server_name;
  const bool ip = is_ip_literal(name);
  // RFC 6066: SNI carries host names only, never an address.
  if (!ip && SSL_set_tlsext_host_name(ssl.get(), name.c_str()) != 1) return nullptr;
  if (config_.verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    const int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                       : X509_VERIFY_PARAM_set1_host(param, name.data(), name.size());
    if (set != 1) return nullptr;
  }
  const std::string offered = alpn_.empty() ? alpn_wire_format(client_alpn) : alpn_;
  if (!offered.empty() &&
      SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const uint8_t*>(offered.data()),
                          offered.size()) != 0) {  // 0 is success here
    return nullptr;
  }
  if (SSL_set_ex_data(ssl.get(), sessions_index(), &sessions) != 1) return nullptr;
  sessions.offer(ssl.get());
  return ssl;
}

std::string_view upstream_failure_reason(int ssl_error, long verify_result,
                                         std::uint32_t queued_error, bool timed_out) {
  if (timed_out) return "timeout";
  const int reason = ERR_GET_LIB(queued_error) == ERR_LIB_SSL ? ERR_GET_REASON(queued_error) : 0;
  if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    switch (verify_result) {
      case X509_V_ERR_HOSTNAME_MISMATCH:
      case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return "certificate_name_mismatch";
      case X509_V_ERR_CERT_HAS_EXPIRED:
      case X509_V_ERR_CERT_NOT_YET_VALID:
        return "certificate_expired";
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      case X509_V_ERR_CERT_UNTRUSTED:
        return "certificate_untrusted";
      default:
        return "certificate_invalid";
    }
  }
  switch (reason) {
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_WRONG_VERSION_NUMBER:
      return "version_mismatch";
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_WRONG_CIPHER_RETURNED:
      return "handshake_refused";
    case SSL_R_TLSV1_ALERT_CERTIFICATE_REQUIRED:
      return "certificate_required";
    default:
      break;
  }
  if (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN) return "closed";
  return "protocol_error";
}

}  // namespace tlsfloor::tls
