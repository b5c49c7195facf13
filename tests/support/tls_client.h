#pragma once
// A blocking BoringSSL client for integration tests: any version from TLS 1.0 to 1.3, records
// the alert the server sends, and reads/writes with generous socket timeouts so a broken proxy
// fails a test instead of hanging it.
#include <openssl/base.h>
#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tlsfloor::test {

/// The alert a refused legacy client reads (protocol_version, 70).
inline constexpr int kAlertProtocolVersion = SSL_AD_PROTOCOL_VERSION;

struct ClientOptions {
  std::uint16_t min_version = TLS1_VERSION;
  std::uint16_t max_version = TLS1_3_VERSION;
  std::string server_name;  // SNI; none when empty
  std::string host = "127.0.0.1";
  /// Local address to connect from ("127.0.0.2": every 127/8 address is loopback on Linux),
  /// so that tests can play several clients; the kernel's choice when empty.
  std::string source;
  std::vector<std::string> alpn;  // protocols to offer, in order
  SSL_SESSION* resume = nullptr;  // offer this session (not owned)
  /// Refuse session tickets: a TLS 1.2 session then resumes by its session ID, from the
  /// server's cache.
  bool no_tickets = false;
  /// Send TLS_FALLBACK_SCSV, as a client retrying with a lower version after a failure does.
  bool fallback_scsv = false;
  /// Raw bytes sent before the ClientHello, as a load balancer sends its PROXY header.
  std::string before_hello;
  /// More raw bytes, sent 50 ms after before_hello (a header that arrives in pieces).
  std::string before_hello_later;
  /// The TLS 1.0-1.2 suites offered, in BoringSSL's syntax ("ECDHE-RSA-AES128-GCM-SHA256");
  /// empty: BoringSSL's default.
  std::string cipher_list;
  /// The key-exchange groups offered, in BoringSSL's syntax ("CECPQ2:X25519"; the first ones get
  /// key shares); empty: BoringSSL's default (X25519, P-256, P-384).
  std::string groups;
  /// The signature algorithms offered (0x0804: rsa_pss_rsae_sha256); empty: the default.
  std::vector<std::uint16_t> signature_algorithms;
  /// Hold what the client writes until it next reads or a write_all() ends: the handshake's
  /// last flight (a TLS 1.3 client's Finished) then leaves in one send() with the first
  /// request, and the server reads both in one recv(), as with browsers' eager first requests.
  bool first_request_with_finished = false;
  /// A client certificate (PEM chain, leaf first) and its key, sent when the server asks.
  std::string certificate_file;
  std::string key_file;
};

/// How a read ended.
enum class ReadEnd { close_notify, eof, error };

class TlsClient {
 public:
  /// Connects over TCP; throws std::runtime_error when it cannot.
  TlsClient(std::uint16_t port, ClientOptions options = {});
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  /// Runs the handshake; true when established.
  bool handshake();
  /// The negotiated version (wire code), 0 before a handshake.
  std::uint16_t version() const;
  /// The negotiated suite's IANA name, "" before a handshake.
  std::string cipher() const;
  /// The negotiated key-exchange group as BoringSSL names it ("X25519", "P-256"), "" before a
  /// handshake or for static RSA.
  std::string group() const;
  /// The alert description the server sent (70 = protocol_version), or -1 when none.
  int alert_received() const { return alert_; }
  /// The subject CN of the server's certificate ("" when none).
  std::string peer_common_name() const;
  /// The key type of the server's certificate: "EC", "RSA", or "" when none.
  std::string peer_key_type() const;
  bool session_reused() const;
  /// The ALPN protocol the server selected ("" when none).
  std::string alpn_selected() const;
  /// The session to resume with later (owned by the caller): the last ticket the server sent
  /// (TLS 1.3 tickets arrive after the handshake: read something first), else the handshake's.
  bssl::UniquePtr<SSL_SESSION> session() const;

  bool write_all(std::string_view data);
  /// Reads exactly `size` bytes (less if the stream ends first).
  std::string read_exactly(std::size_t size);
  /// Reads until the stream ends; `how` says how it ended.
  std::string read_to_end(ReadEnd* how = nullptr);
  /// Sends close_notify and half-closes TCP: "I am done sending" in TLS and TCP terms.
  void finish_sending();
  /// Raw socket, for tests that speak bytes, not TLS.
  int fd() const { return fd_; }

 private:
  static void on_info(const SSL* ssl, int where, int value);
  static int on_new_session(SSL* ssl, SSL_SESSION* session);
  // What first_request_with_finished holds back; sent by send_held().
  struct HeldWrites {
    int fd = -1;
    std::string bytes;
  };
  static BIO_METHOD* held_writes_method();
  bool send_held();
  int fd_ = -1;
  std::unique_ptr<HeldWrites> held_;
  bssl::UniquePtr<SSL_CTX> ctx_;
  bssl::UniquePtr<SSL> ssl_;
  int alert_ = -1;
  bssl::UniquePtr<SSL_SESSION> ticket_;
};

/// A plain TCP connection to 127.0.0.1:`port` with the test timeouts set; throws on failure. A
/// connection the server reset before connect(2) returned is returned (reads see the reset).
int connect_tcp(std::uint16_t port, const std::string& host = "127.0.0.1",
                const std::string& source = "");
/// Sends raw bytes; false on error.
bool send_raw(int fd, std::string_view data);
/// Reads raw bytes until EOF, error or timeout; returns them.
std::string read_raw_to_end(int fd);

}  // namespace tlsfloor::test
