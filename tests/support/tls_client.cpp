#include "tests/support/tls_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace tlsfloor::test {
namespace {

// Long enough for a slow sanitizer build, short enough that a hang fails the test run.
constexpr int kSocketTimeoutSeconds = 20;

int app_data_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

int connect_tcp(std::uint16_t port, const std::string& host, const std::string& source) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
    throw std::runtime_error("test client: bad address " + host);
  }
  const int fd = ::socket(found->ai_family, SOCK_STREAM, 0);
  bool bound = true;
  if (fd >= 0 && !source.empty()) {
    // The port is chosen at connect() for the whole 4-tuple: bind(2) to port 0 alone would
    // need a port free of every socket on the source address, TIME_WAIT ones included, and
    // the suite's thousands of connections from 127.0.0.2 can use those up.
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &yes, sizeof yes);
    addrinfo* local = nullptr;
    if (::getaddrinfo(source.c_str(), "0", &hints, &local) != 0) {
      ::freeaddrinfo(found);
      ::close(fd);
      throw std::runtime_error("test client: bad source address " + source);
    }
    bound = ::bind(fd, local->ai_addr, local->ai_addrlen) == 0;
    ::freeaddrinfo(local);
  }
  bool connected = false;
  int connect_error = errno;
  if (fd >= 0 && bound) {
    connected = ::connect(fd, found->ai_addr, found->ai_addrlen) == 0;
    connect_error = errno;
  }
  ::freeaddrinfo(found);
  // A server that refuses at accept resets at once; on a loaded machine the reset can arrive
  // before this thread returns from connect(2), which then fails with ECONNRESET. The connection
  // was made and reset, as for a faster client: the caller reads the reset from the socket.
  if (!connected && fd >= 0 && bound && connect_error == ECONNRESET) connected = true;
  if (!connected) {
    const std::string why = std::strerror(connect_error);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error(bound ? "test client: cannot connect to port " + std::to_string(port) +
                                         ": " + why
                                   : "test client: cannot bind to " + source + ": " + why);
  }
  timeval timeout{kSocketTimeoutSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  return fd;
}

bool send_raw(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

std::string read_raw_to_end(int fd) {
  std::string received;
  char buffer[16 * 1024];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return received;
    received.append(buffer, static_cast<std::size_t>(n));
  }
}

TlsClient::TlsClient(std::uint16_t port, ClientOptions options) {
  fd_ = connect_tcp(port, options.host, options.source);
  if (!options.before_hello.empty() && !send_raw(fd_, options.before_hello)) {
    throw std::runtime_error("cannot send the bytes before the ClientHello");
  }
  if (!options.before_hello_later.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!send_raw(fd_, options.before_hello_later)) {
      throw std::runtime_error("cannot send the bytes before the ClientHello");
    }
  }
  ctx_.reset(SSL_CTX_new(TLS_method()));
  SSL_CTX_set_min_proto_version(ctx_.get(), options.min_version);
  SSL_CTX_set_max_proto_version(ctx_.get(), options.max_version);
  SSL_CTX_set_info_callback(ctx_.get(), &TlsClient::on_info);
  if (!options.cipher_list.empty() &&
      SSL_CTX_set_strict_cipher_list(ctx_.get(), options.cipher_list.c_str()) != 1) {
    throw std::runtime_error("bad cipher list " + options.cipher_list);
  }
  if (!options.groups.empty() &&
      SSL_CTX_set1_curves_list(ctx_.get(), options.groups.c_str()) != 1) {
    throw std::runtime_error("bad group list " + options.groups);
  }
  if (!options.signature_algorithms.empty() &&
      SSL_CTX_set_verify_algorithm_prefs(ctx_.get(), options.signature_algorithms.data(),
                                         options.signature_algorithms.size()) != 1) {
    throw std::runtime_error("bad signature algorithms");
  }
  if (!options.certificate_file.empty() &&
      (SSL_CTX_use_certificate_chain_file(ctx_.get(), options.certificate_file.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(ctx_.get(), options.key_file.c_str(), SSL_FILETYPE_PEM) != 1)) {
    throw std::runtime_error("cannot use client certificate " + options.certificate_file);
  }
  // Keep sessions so tests can offer them again for resumption. In TLS 1.3 a resumable session
  // only exists once a NewSessionTicket arrives, and only this callback sees it.
  SSL_CTX_set_session_cache_mode(ctx_.get(), SSL_SESS_CACHE_CLIENT);
  if (options.no_tickets) SSL_CTX_set_options(ctx_.get(), SSL_OP_NO_TICKET);
  SSL_CTX_sess_set_new_cb(ctx_.get(), &TlsClient::on_new_session);
  ssl_.reset(SSL_new(ctx_.get()));
  SSL_set_ex_data(ssl_.get(), app_data_index(), this);
  if (options.first_request_with_finished) {
    held_ = std::make_unique<HeldWrites>(HeldWrites{fd_, {}});
    BIO* bio = BIO_new(held_writes_method());
    BIO_set_data(bio, held_.get());
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl_.get(), bio, bio);  // one reference, for both directions
  } else {
    SSL_set_fd(ssl_.get(), fd_);
  }
  SSL_set_connect_state(ssl_.get());
  if (!options.server_name.empty())
    SSL_set_tlsext_host_name(ssl_.get(), options.server_name.c_str());
  if (options.resume != nullptr) SSL_set_session(ssl_.get(), options.resume);
  if (options.fallback_scsv) SSL_set_mode(ssl_.get(), SSL_MODE_SEND_FALLBACK_SCSV);
  if (!options.alpn.empty()) {
    std::string wire;  // length-prefixed protocol names
    for (const std::string& protocol : options.alpn) {
      wire += static_cast<char>(protocol.size());
      wire += protocol;
    }
    SSL_set_alpn_protos(ssl_.get(), reinterpret_cast<const std::uint8_t*>(wire.data()),
                        wire.size());
  }
}

BIO_METHOD* TlsClient::held_writes_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "held writes");
    BIO_meth_set_write(m, [](BIO* bio, const char* in, int length) {
      static_cast<HeldWrites*>(BIO_get_data(bio))
          ->bytes.append(in, static_cast<std::size_t>(length));
      return length;
    });
    BIO_meth_set_read(m, [](BIO* bio, char* out, int length) {
      auto* held = static_cast<HeldWrites*>(BIO_get_data(bio));
      // The server answers only what it has received.
      if (!held->bytes.empty() && !send_raw(held->fd, held->bytes)) return -1;
      held->bytes.clear();
      const ssize_t received = ::recv(held->fd, out, static_cast<std::size_t>(length), 0);
      return static_cast<int>(received);
    });
    // BoringSSL flushes after each flight: that is what is held back.
    BIO_meth_set_ctrl(m, [](BIO*, int command, long, void*) -> long {
      return command == BIO_CTRL_FLUSH ? 1 : 0;
    });
    return m;
  }();
  return method;
}

bool TlsClient::send_held() {
  if (!held_ || held_->bytes.empty()) return true;
  const bool sent = send_raw(fd_, held_->bytes);
  held_->bytes.clear();
  return sent;
}

TlsClient::~TlsClient() {
  ssl_.reset();
  if (fd_ >= 0) ::close(fd_);
}

void TlsClient::on_info(const SSL* ssl, int where, int value) {
  if ((where & SSL_CB_READ_ALERT) == 0) return;
  auto* self = static_cast<TlsClient*>(SSL_get_ex_data(ssl, app_data_index()));
  // close_notify (0) is the normal end of a stream, not a refusal: keep the first real alert.
  if (self != nullptr && (value & 0xff) != SSL_AD_CLOSE_NOTIFY && self->alert_ < 0) {
    self->alert_ = value & 0xff;
  }
}

int TlsClient::on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<TlsClient*>(SSL_get_ex_data(ssl, app_data_index()));
  if (self == nullptr) return 0;
  self->ticket_.reset(session);  // returning 1 takes ownership
  return 1;
}

bool TlsClient::handshake() {
  ERR_clear_error();
  const bool ok = SSL_do_handshake(ssl_.get()) == 1;
  ERR_clear_error();
  return ok;
}

std::uint16_t TlsClient::version() const {
  return SSL_is_init_finished(ssl_.get()) ? static_cast<std::uint16_t>(SSL_version(ssl_.get())) : 0;
}

std::string TlsClient::cipher() const {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_.get());
  return cipher != nullptr ? SSL_CIPHER_standard_name(cipher) : "";
}

std::string TlsClient::group() const {
  const std::uint16_t id = SSL_get_curve_id(ssl_.get());
  const char* name = id != 0 ? SSL_get_curve_name(id) : nullptr;
  return name != nullptr ? name : "";
}

std::string TlsClient::peer_common_name() const {
  bssl::UniquePtr<X509> cert(SSL_get_peer_certificate(ssl_.get()));
  if (!cert) return "";
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, name, sizeof name);
  return name;
}

std::string TlsClient::peer_key_type() const {
  bssl::UniquePtr<X509> cert(SSL_get_peer_certificate(ssl_.get()));
  if (!cert) return "";
  bssl::UniquePtr<EVP_PKEY> key(X509_get_pubkey(cert.get()));
  const int type = key ? EVP_PKEY_id(key.get()) : 0;
  return type == EVP_PKEY_EC ? "EC" : type == EVP_PKEY_RSA ? "RSA" : "other";
}

bool TlsClient::session_reused() const { return SSL_session_reused(ssl_.get()) == 1; }

std::string TlsClient::alpn_selected() const {
  const std::uint8_t* protocol = nullptr;
  unsigned length = 0;
  SSL_get0_alpn_selected(ssl_.get(), &protocol, &length);
  return std::string(reinterpret_cast<const char*>(protocol), length);
}

bssl::UniquePtr<SSL_SESSION> TlsClient::session() const {
  if (ticket_) {
    SSL_SESSION_up_ref(ticket_.get());
    return bssl::UniquePtr<SSL_SESSION>(ticket_.get());
  }
  return bssl::UniquePtr<SSL_SESSION>(SSL_get1_session(ssl_.get()));
}

bool TlsClient::write_all(std::string_view data) {
  while (!data.empty()) {
    const int chunk = static_cast<int>(std::min<std::size_t>(data.size(), 64 * 1024));
    const int written = SSL_write(ssl_.get(), data.data(), chunk);
    if (written <= 0) {
      ERR_clear_error();
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return send_held();
}

std::string TlsClient::read_exactly(std::size_t size) {
  std::string received(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const int n = SSL_read(ssl_.get(), received.data() + done,
                           static_cast<int>(std::min<std::size_t>(size - done, 1 << 30)));
    if (n <= 0) {
      ERR_clear_error();
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  received.resize(done);
  return received;
}

std::string TlsClient::read_to_end(ReadEnd* how) {
  std::string received;
  char buffer[16 * 1024];
  for (;;) {
    const int n = SSL_read(ssl_.get(), buffer, sizeof buffer);
    if (n > 0) {
      received.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    const int error = SSL_get_error(ssl_.get(), n);
    ERR_clear_error();
    if (how != nullptr) {
      *how = error == SSL_ERROR_ZERO_RETURN           ? ReadEnd::close_notify
             : (error == SSL_ERROR_SYSCALL && n == 0) ? ReadEnd::eof
                                                      : ReadEnd::error;
    }
    return received;
  }
}

void TlsClient::finish_sending() {
  SSL_shutdown(ssl_.get());
  ERR_clear_error();
  send_held();
  ::shutdown(fd_, SHUT_WR);
}

}  // namespace tlsfloor::test
