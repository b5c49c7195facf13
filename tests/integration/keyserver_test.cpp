// The key server (tlsfloor-keyserver, a real process) holding the keys of certificates listed
// with `keyserver: true`: handshakes at every version and scheme signed there, static RSA
// decrypted there, the key server killed and restarted under tlsfloor, peers it refuses, frames
// it refuses, keys on a PKCS#11 token (SoftHSM), and the key's bytes nowhere in tlsfloor's
// memory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "proxy/keyserver_protocol/frame.h"
#include "tests/integration/proxy_config.h"
#include "tests/support/admin_client.h"
#include "tests/support/child_process.h"
#include "tests/support/running_proxy.h"
#include "tests/support/tcp_upstream.h"
#include "tests/support/test_pki.h"
#include "tests/support/tls_client.h"

namespace tlsfloor::test {
namespace {

namespace protocol = keyserver_protocol;

const std::string kKeyServer = TLSFLOOR_KEYSERVER_BINARY;
const std::string kTlsfloor = TLSFLOOR_BINARY;
constexpr const char* kSubject = "api.test";

// The key server, started from `yaml` and returned once it listens.
std::unique_ptr<ChildProcess> start_key_server(const TempDir& dir, const std::string& yaml) {
  const std::string config = dir.write("keyserver.yaml", yaml);
  auto process = std::make_unique<ChildProcess>(std::vector<std::string>{kKeyServer, "-c", config});
  EXPECT_NE(process->wait_for_line("listening on"), "") << process->output();
  return process;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The key id tlsfloor sends: SHA-256 of the certificate's SubjectPublicKeyInfo.
protocol::KeyId key_id_of(const std::string& cert_path) {
  bssl::UniquePtr<BIO> bio(BIO_new_file(cert_path.c_str(), "r"));
  bssl::UniquePtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  bssl::UniquePtr<EVP_PKEY> key(X509_get_pubkey(cert.get()));
  std::uint8_t* der = nullptr;
  const int length = i2d_PUBKEY(key.get(), &der);
  protocol::KeyId id{};
  SHA256(der, static_cast<std::size_t>(length), id.data());
  OPENSSL_free(der);
  return id;
}

// A raw connection to the key server's socket, speaking frames.
class RawPeer {
 public:
  explicit RawPeer(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_STREAM, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawPeer() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send_bytes(const std::vector<std::uint8_t>& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  bool send_request(const protocol::Request& request) {
    std::vector<std::uint8_t> frame;
    protocol::append_request(frame, request);
    return send_bytes(frame);
  }
  // The next response, or nullopt at the end of the stream (the key server closed it).
  std::optional<std::pair<protocol::Status, std::vector<std::uint8_t>>> response(
      std::uint64_t* id = nullptr) {
    for (;;) {
      const auto parsed = protocol::parse_response(buffer_);
      if (parsed.status == protocol::ParseStatus::complete) {
        if (id != nullptr) *id = parsed.frame.id;
        std::pair result{parsed.frame.status, std::vector<std::uint8_t>(parsed.frame.output.begin(),
                                                                        parsed.frame.output.end())};
        buffer_.erase(buffer_.begin(),
                      buffer_.begin() + static_cast<std::ptrdiff_t>(parsed.consumed));
        return result;
      }
      if (parsed.status == protocol::ParseStatus::invalid) return std::nullopt;
      std::uint8_t chunk[4096];
      const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got <= 0) return std::nullopt;
      buffer_.insert(buffer_.end(), chunk, chunk + got);
    }
  }

 private:
  int fd_;
  bool connected_ = false;
  std::vector<std::uint8_t> buffer_;
};

class KeyServerTest : public testing::Test {
 protected:
  KeyServerTest() {
    // BoringSSL and OpenSSL both write PKCS#8 ("BEGIN PRIVATE KEY"), which both read.
    rsa_ = make_self_signed(dir_, "rsa", {kSubject}, KeyType::rsa_2048);
    ec_ = make_self_signed(dir_, "ec", {kSubject}, KeyType::ec_p256);
  }

  std::string socket_path() const { return (dir_.path() / "keys.sock").string(); }

  std::string key_server_yaml(bool decrypt = true, const std::string& extra = "") const {
    return "socket: " + socket_path() + "\nthreads: 2\n" + extra +
           "keys:\n  - { name: rsa, file: " + rsa_.key_path + (decrypt ? ", decrypt: true" : "") +
           " }\n  - { name: ec, file: " + ec_.key_path + " }\n";
  }

  // tlsfloor with both certificates, their keys with the key server.
  std::string proxy_config(const std::string& timeout = "5s", bool keys_in_tlsfloor = false) {
    ListenerSpec spec;
    spec.upstream_port = upstream_.port();
    spec.certificates = {rsa_, ec_};
    if (!keys_in_tlsfloor) {
      for (PemFiles& files : spec.certificates) files.key_path.clear();  // keyserver: true
    }
    spec.min_version = "TLS1.0";
    spec.mode = "observe";
    // The static-RSA suite for legacy clients, whose key exchange is the key server's decrypt.
    spec.tls_extra = "ciphers: \"ECDHE+AESGCM:ECDHE+AES:RSA+AES\"";
    return proxy_yaml({spec}, "5s",
                      "keyserver: { socket: " + socket_path() + ", timeout: " + timeout + " }\n");
  }

  double operations(const RunningProxy& proxy, const std::string& key_type,
                    const std::string& operation, const std::string& outcome) {
    return proxy
        .metric("tlsfloor_keyserver_operations_total", {{"subject", kSubject},
                                                        {"key_type", key_type},
                                                        {"operation", operation},
                                                        {"outcome", outcome}})
        .value_or(0);
  }

  // Handshakes that failed for `reason`, as every view names it (the log's `failure` too).
  static double failures(const RunningProxy& proxy, const std::string& reason) {
    return proxy
        .metric_eventually("tlsfloor_handshake_failures_total",
                           {{"listener", "api"}, {"route", "default"}, {"reason", reason}}, 1)
        .value_or(0);
  }

  static bool echoes(TlsClient& client) {
    return client.write_all("ping\n") && client.read_exactly(5) == "ping\n";
  }

  TempDir dir_;
  TcpUpstream upstream_{UpstreamMode::echo};
  PemFiles rsa_;
  PemFiles ec_;
};

TEST_F(KeyServerTest, HandshakesAtEveryVersionAndSchemeAreMadeByTheKeyServer) {
  auto key_server = start_key_server(dir_, key_server_yaml());
  RunningProxy proxy(proxy_config());
  struct Offer {
    std::uint16_t version;
    std::vector<std::uint16_t> schemes;  // empty: the client's default
    std::string ciphers;                 // empty: the client's default
    std::string server_name;             // api.test: the ECDSA certificate for those who can
    const char* key_type;
  };
  const Offer offers[] = {
      {TLS1_VERSION, {}, "", "", "RSA"},  // MD5-SHA1, PKCS#1
      {TLS1_2_VERSION, {SSL_SIGN_RSA_PKCS1_SHA256}, "", "", "RSA"},
      {TLS1_2_VERSION, {SSL_SIGN_RSA_PSS_RSAE_SHA256}, "", "", "RSA"},
      {TLS1_3_VERSION, {SSL_SIGN_RSA_PSS_RSAE_SHA384}, "", "", "RSA"},
      {TLS1_3_VERSION, {SSL_SIGN_ECDSA_SECP256R1_SHA256}, "", kSubject, "EC"},
      {TLS1_2_VERSION, {SSL_SIGN_ECDSA_SECP256R1_SHA256}, "", kSubject, "EC"},
      {TLS1_2_VERSION, {}, "AES128-SHA", "", "RSA"},  // static RSA: the key server decrypts
  };
  for (const Offer& offer : offers) {
    ClientOptions options;
    options.min_version = options.max_version = offer.version;
    options.signature_algorithms = offer.schemes;
    options.cipher_list = offer.ciphers;
    options.server_name = offer.server_name;
    TlsClient client(proxy.port(), options);
    ASSERT_TRUE(client.handshake()) << std::hex << offer.version << " " << offer.ciphers;
    EXPECT_EQ(client.peer_key_type(), offer.key_type);
    EXPECT_TRUE(echoes(client));
  }
  // A real client of another TLS library, in TLS 1.2 with PKCS#1 and with static RSA.
  const std::string address = "127.0.0.1:" + std::to_string(proxy.port());
  const std::pair<std::vector<std::string>, std::string> runs[] = {
      {{"-tls1_2", "-sigalgs", "RSA+SHA256"},
       "New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256"},
      {{"-tls1_2", "-cipher", "AES256-SHA"}, "Cipher is AES256-SHA"},
  };
  for (const auto& [flags, expected] : runs) {
    std::vector<std::string> argv{"openssl", "s_client", "-connect", address};
    argv.insert(argv.end(), flags.begin(), flags.end());
    const CommandResult result = run_command(argv);
    EXPECT_NE(result.output.find(expected), std::string::npos) << result.output;
  }
  EXPECT_EQ(operations(proxy, "RSA2048", "sign", "made"), 5);
  EXPECT_EQ(operations(proxy, "RSA2048", "decrypt", "made"), 2);
  EXPECT_EQ(operations(proxy, "EC256", "sign", "made"), 2);
  EXPECT_EQ(proxy.metric("tlsfloor_keyserver_operation_seconds_count",
                         {{"subject", kSubject}, {"key_type", "RSA2048"}, {"operation", "sign"}}),
            5);
  // One from every thread that accepts: two workers and two handshake threads.
  EXPECT_EQ(proxy.metric("tlsfloor_keyserver_connections_open", {}), 4);
  EXPECT_EQ(proxy.metric("tlsfloor_keyserver_connections", {}), 4);
  // The key server counts them too.
  key_server->signal(SIGTERM);
  EXPECT_EQ(key_server->wait_exit(), 0) << key_server->output();
  EXPECT_NE(key_server->output().find("key rsa: 5 signatures, 2 decryptions, 0 errors"),
            std::string::npos)
      << key_server->output();
  EXPECT_FALSE(std::filesystem::exists(socket_path()));  // removed at a clean exit
}

TEST_F(KeyServerTest, StaticRsaIsDecryptedOnlyForAKeyThatAllowsIt) {
  auto key_server = start_key_server(dir_, key_server_yaml(/*decrypt=*/false));
  RunningProxy proxy(proxy_config());
  // Every key's series exist at 0 before its first operation (so an alert sees the first
  // failure); decryptions only for the RSA key.
  const auto series = [&](const char* key_type, const char* operation, const char* outcome) {
    return proxy.metric("tlsfloor_keyserver_operations_total", {{"subject", kSubject},
                                                                {"key_type", key_type},
                                                                {"operation", operation},
                                                                {"outcome", outcome}});
  };
  EXPECT_EQ(series("RSA2048", "decrypt", "denied"), 0.0);
  EXPECT_EQ(series("RSA2048", "sign", "unknown_key"), 0.0);
  EXPECT_EQ(series("EC256", "sign", "disconnected"), 0.0);
  EXPECT_EQ(series("EC256", "decrypt", "made"), std::nullopt);
  ClientOptions static_rsa;
  static_rsa.max_version = TLS1_2_VERSION;
  static_rsa.cipher_list = "AES128-SHA";
  TlsClient refused(proxy.port(), static_rsa);
  EXPECT_FALSE(refused.handshake());
  ClientOptions ecdhe;
  ecdhe.max_version = TLS1_2_VERSION;
  TlsClient served(proxy.port(), ecdhe);
  ASSERT_TRUE(served.handshake());
  EXPECT_TRUE(echoes(served));
  EXPECT_EQ(operations(proxy, "RSA2048", "decrypt", "denied"), 1);
  EXPECT_EQ(failures(proxy, "keyserver:denied"), 1);
  EXPECT_EQ(operations(proxy, "RSA2048", "sign", "made"), 1);
}

TEST_F(KeyServerTest, AKilledKeyServerFailsOnlyTheHandshakesInFlightAndIsReconnectedTo) {
  auto key_server = start_key_server(dir_, key_server_yaml());
  RunningProxy proxy(proxy_config("5s"));
  {
    TlsClient before(proxy.port());
    ASSERT_TRUE(before.handshake());
  }
  // A handshake whose signature the key server has taken and will never answer: stopped, then
  // killed while the request is in flight.
  key_server->signal(SIGSTOP);
  auto in_flight = std::async(std::launch::async, [&] {
    TlsClient client(proxy.port());
    return client.handshake();
  });
  // The request is written once it is pending while the connection is up.
  ASSERT_EQ(proxy.metric_eventually("tlsfloor_keyserver_operations_pending", {}, 1), 1);
  key_server->signal(SIGKILL);
  key_server->wait_exit();
  EXPECT_FALSE(in_flight.get());
  EXPECT_EQ(operations(proxy, "RSA2048", "sign", "disconnected"), 1);
  EXPECT_GE(proxy.metric("tlsfloor_keyserver_disconnects_total", {}).value_or(0), 1);
  EXPECT_EQ(failures(proxy, "keyserver:disconnected"), 1);

  // A handshake that starts while no key server runs waits for the next one (within the
  // timeout), which replaces the dead one's socket file; tlsfloor is not restarted.
  auto waiting = std::async(std::launch::async, [&] {
    TlsClient client(proxy.port());
    return client.handshake() && echoes(client);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  key_server = start_key_server(dir_, key_server_yaml());
  EXPECT_TRUE(waiting.get());
  TlsClient after(proxy.port());
  ASSERT_TRUE(after.handshake());
  EXPECT_TRUE(echoes(after));
  EXPECT_EQ(operations(proxy, "RSA2048", "sign", "made"), 3);
  EXPECT_EQ(operations(proxy, "RSA2048", "sign", "disconnected"), 1);
  EXPECT_EQ(proxy.metric_eventually("tlsfloor_keyserver_connections_open", {}, 4), 4);
}

TEST_F(KeyServerTest, WithoutAKeyServerAHandshakeWaitsOnlyUpToTheTimeout) {
  RunningProxy proxy(proxy_config("300ms"));  // no key server at all
  const auto started = std::chrono::steady_clock::now();
  TlsClient client(proxy.port());
  EXPECT_FALSE(client.handshake());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(operations(proxy, "RSA2048", "sign", "unavailable"), 1);
  EXPECT_EQ(failures(proxy, "keyserver:unavailable"), 1);
  EXPECT_EQ(proxy.metric("tlsfloor_keyserver_connections_open", {}), 0);
  EXPECT_GE(proxy.metric("tlsfloor_keyserver_connects_total", {{"result", "failure"}}).value_or(0),
            1);
}

TEST_F(KeyServerTest, APeerWhoseUserIsNotAllowedIsRefusedBeforeItIsRead) {
  // Every user but this one (the test cannot change its own user id unless it is root).
  const uid_t other = ::getuid() == 65534 ? 65533 : 65534;
  auto key_server = start_key_server(
      dir_, key_server_yaml(true, "allowed_uids: [" + std::to_string(other) + "]\n"));
  RunningProxy proxy(proxy_config("1s"));
  TlsClient client(proxy.port());
  EXPECT_FALSE(client.handshake());
  EXPECT_NE(key_server->wait_for_line("refused a connection from pid"), "") << key_server->output();
  EXPECT_NE(key_server->output().find("uid " + std::to_string(::getuid())), std::string::npos);
  EXPECT_EQ(operations(proxy, "RSA2048", "sign", "made"), 0);
  key_server->signal(SIGTERM);
  EXPECT_EQ(key_server->wait_exit(), 0);

  // The same request from an allowed user (this one, by number) is answered.
  auto allowed = start_key_server(
      dir_, key_server_yaml(true, "allowed_uids: [" + std::to_string(::getuid()) + "]\n"));
  RawPeer peer(socket_path());
  ASSERT_TRUE(peer.connected());
  ASSERT_TRUE(peer.send_request({protocol::Operation::probe, 0, 7, key_id_of(rsa_.cert_path), {}}));
  const auto answer = peer.response();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->first, protocol::Status::ok);
}

TEST_F(KeyServerTest, ABrokenFrameClosesThatConnectionOnly) {
  auto key_server = start_key_server(dir_, key_server_yaml());
  const protocol::KeyId rsa = key_id_of(rsa_.cert_path);
  RawPeer good(socket_path());
  ASSERT_TRUE(good.connected());
  const std::vector<std::uint8_t> input(32, 0x5a);
  ASSERT_TRUE(good.send_request({protocol::Operation::sign, 0x0804, 1, rsa, input}));
  ASSERT_EQ(good.response().value().first, protocol::Status::ok);

  const std::vector<std::vector<std::uint8_t>> broken = {
      {0xff, 0xff, 0xff, 0xff},                       // a length far beyond the bound
      {0x00, 0x00, 0x00, 0x02, 0x01, 0x01},           // shorter than a header
      std::vector<std::uint8_t>(64, 0x00),            // no version 0
      {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T'},  // not this protocol at all
  };
  for (const auto& bytes : broken) {
    RawPeer bad(socket_path());
    ASSERT_TRUE(bad.connected());
    ASSERT_TRUE(bad.send_bytes(bytes));
    EXPECT_FALSE(bad.response()) << "the key server answered a broken frame";
  }
  // An input above the bound, in a well-formed frame: refused as oversized before it is read.
  {
    RawPeer bad(socket_path());
    std::vector<std::uint8_t> frame;
    const std::vector<std::uint8_t> big(protocol::kMaxInput, 1);
    protocol::append_request(frame, {protocol::Operation::sign, 0x0804, 2, rsa, big});
    frame[3] += 1;  // one byte more than the largest frame
    frame.push_back(0);
    ASSERT_TRUE(bad.send_bytes(frame));
    EXPECT_FALSE(bad.response());
  }
  // Pipelined on the good connection all along: answered by id, an unknown key and a wrong
  // algorithm with their status, without closing it.
  protocol::KeyId unknown = rsa;
  unknown[0] ^= 1;
  ASSERT_TRUE(good.send_request({protocol::Operation::sign, 0x0403, 3, rsa, input}));
  ASSERT_TRUE(good.send_request({protocol::Operation::sign, 0x0804, 4, unknown, input}));
  ASSERT_TRUE(good.send_request({protocol::Operation::sign, 0x0401, 5, rsa, input}));
  std::map<std::uint64_t, protocol::Status> answers;
  for (int i = 0; i < 3; ++i) {
    std::uint64_t id = 0;
    const auto answer = good.response(&id);
    ASSERT_TRUE(answer);
    answers[id] = answer->first;
  }
  EXPECT_EQ(answers[3], protocol::Status::bad_algorithm);
  EXPECT_EQ(answers[4], protocol::Status::unknown_key);
  EXPECT_EQ(answers[5], protocol::Status::ok);
  key_server->signal(SIGUSR1);
  EXPECT_NE(key_server->wait_for_line("closed for invalid frames"), "");
  EXPECT_NE(key_server->output().find("5 closed for invalid frames"), std::string::npos)
      << key_server->output();
}

TEST_F(KeyServerTest, RequestsBeyondTheInFlightBoundInOneWriteAreAllAnswered) {
  // Forty requests in one write, two allowed in flight: the reader hands out what it has read
  // before it waits for the bound, lone requests are answered on the reader thread and the
  // rest by the signing threads, and every one is answered once, by id.
  auto key_server = start_key_server(dir_, key_server_yaml(true, "max_in_flight: 2\n"));
  const protocol::KeyId rsa = key_id_of(rsa_.cert_path);
  const protocol::KeyId ec = key_id_of(ec_.cert_path);
  RawPeer peer(socket_path());
  ASSERT_TRUE(peer.connected());
  const std::vector<std::uint8_t> input(32, 0x5a);
  std::vector<std::uint8_t> burst;
  constexpr std::uint64_t kRequests = 40;
  for (std::uint64_t id = 1; id <= kRequests; ++id) {
    if (id % 2 == 0) {
      protocol::append_request(burst, {protocol::Operation::sign, 0x0804, id, rsa, input});
    } else {
      protocol::append_request(burst, {protocol::Operation::sign, 0x0403, id, ec, input});
    }
  }
  ASSERT_TRUE(peer.send_bytes(burst));
  std::map<std::uint64_t, std::size_t> answered;  // id -> signature size
  for (std::uint64_t i = 0; i < kRequests; ++i) {
    std::uint64_t id = 0;
    const auto answer = peer.response(&id);
    ASSERT_TRUE(answer) << "answered " << i << " of " << kRequests << "\n" << key_server->output();
    EXPECT_EQ(answer->first, protocol::Status::ok) << "id " << id;
    EXPECT_TRUE(answered.emplace(id, answer->second.size()).second) << "id " << id << " twice";
  }
  ASSERT_EQ(answered.size(), kRequests);
  for (const auto& [id, size] : answered) {
    if (id % 2 == 0) {
      EXPECT_EQ(size, 256u) << "id " << id;  // RSA-2048
    } else {
      EXPECT_GT(size, 60u) << "id " << id;  // a DER ECDSA P-256 signature
    }
  }
  // And a lone request after the burst, on the same connection.
  ASSERT_TRUE(peer.send_request({protocol::Operation::sign, 0x0804, 99, rsa, input}));
  std::uint64_t id = 0;
  const auto last = peer.response(&id);
  ASSERT_TRUE(last);
  EXPECT_EQ(id, 99u);
  EXPECT_EQ(last->first, protocol::Status::ok);
  key_server->signal(SIGUSR1);
  EXPECT_NE(key_server->wait_for_line("key rsa: 21 signatures"), "") << key_server->output();
  EXPECT_NE(key_server->wait_for_line("key ec: 20 signatures"), "") << key_server->output();
}

TEST_F(KeyServerTest, KeysOnAPkcs11TokenSignThroughTheEngine) {
  // A SoftHSM token of this test's own, its key imported from the certificate's key file.
  const std::string tokens = (dir_.path() / "tokens").string();
  std::filesystem::create_directory(tokens);
  const std::string softhsm_conf =
      dir_.write("softhsm2.conf", "directories.tokendir = " + tokens +
                                      "\nobjectstore.backend = file\nlog.level = ERROR\n");
  const char* previous = std::getenv("SOFTHSM2_CONF");
  const std::string restore = previous != nullptr ? previous : "";
  ::setenv("SOFTHSM2_CONF", softhsm_conf.c_str(), 1);  // for the children below
  struct Restore {
    std::string value;
    ~Restore() {
      if (value.empty()) {
        ::unsetenv("SOFTHSM2_CONF");
      } else {
        ::setenv("SOFTHSM2_CONF", value.c_str(), 1);
      }
    }
  } restore_env{restore};
  CommandResult init = run_command({"softhsm2-util", "--init-token", "--free", "--label",
                                    "tlsfloor", "--pin", "1234", "--so-pin", "5678"});
  ASSERT_EQ(init.exit_code, 0) << init.output;
  CommandResult import = run_command({"softhsm2-util", "--import", rsa_.key_path, "--token",
                                      "tlsfloor", "--label", "api", "--id", "01", "--pin", "1234"});
  ASSERT_EQ(import.exit_code, 0) << import.output;

  auto key_server = start_key_server(
      dir_, "socket: " + socket_path() +
                "\npkcs11: { module: /usr/lib/softhsm/libsofthsm2.so }\nkeys:\n"
                "  - { name: hsm, pkcs11: \"pkcs11:token=tlsfloor;object=api;type=private;"
                "pin-value=1234\", decrypt: true }\n");
  EXPECT_NE(key_server->output().find("key hsm (RSA2048"), std::string::npos)
      << key_server->output();
  ListenerSpec spec;
  spec.upstream_port = upstream_.port();
  spec.certificates = {{rsa_.cert_path, ""}};
  spec.tls_extra = "ciphers: \"ECDHE+AESGCM:RSA+AES\"";
  RunningProxy proxy(
      proxy_yaml({spec}, "5s", "keyserver: { socket: " + socket_path() + ", timeout: 5s }\n"));
  for (const std::uint16_t scheme : {SSL_SIGN_RSA_PSS_RSAE_SHA256, SSL_SIGN_RSA_PKCS1_SHA256}) {
    ClientOptions options;
    options.max_version = scheme == SSL_SIGN_RSA_PKCS1_SHA256 ? TLS1_2_VERSION : TLS1_3_VERSION;
    options.signature_algorithms = {scheme};
    TlsClient client(proxy.port(), options);
    ASSERT_TRUE(client.handshake()) << std::hex << scheme << key_server->output();
    EXPECT_TRUE(echoes(client));
  }
  ClientOptions static_rsa;
  static_rsa.max_version = TLS1_2_VERSION;
  static_rsa.cipher_list = "AES128-SHA";
  TlsClient decrypted(proxy.port(), static_rsa);
  ASSERT_TRUE(decrypted.handshake()) << key_server->output();
  EXPECT_TRUE(echoes(decrypted));
  EXPECT_EQ(operations(proxy, "RSA2048", "sign", "made"), 2);
  EXPECT_EQ(operations(proxy, "RSA2048", "decrypt", "made"), 1);
}

// --- the key's bytes in a process's memory ------------------------------------------------------

struct KeyBytes {
  std::string name;
  std::string bytes;
};

// What would give the RSA key away: its private exponent and first prime, big-endian (as in
// the DER and in OpenSSL's output) and little-endian (as BoringSSL's BIGNUMs hold them on this
// machine), and a line of the PEM file's base64.
std::vector<KeyBytes> secrets_of(const PemFiles& files) {
  bssl::UniquePtr<BIO> bio(BIO_new_file(files.key_path.c_str(), "r"));
  bssl::UniquePtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  const RSA* rsa = EVP_PKEY_get0_RSA(key.get());
  std::vector<KeyBytes> out;
  const auto add = [&](const std::string& name, const BIGNUM* number) {
    std::string big(BN_num_bytes(number), '\0');
    BN_bn2bin(number, reinterpret_cast<std::uint8_t*>(big.data()));
    out.push_back({name + " big-endian", big});
    out.push_back({name + " little-endian", std::string(big.rbegin(), big.rend())});
  };
  add("d", RSA_get0_d(rsa));
  add("p", RSA_get0_p(rsa));
  std::istringstream pem(read_file(files.key_path));
  std::string line;
  for (int i = 0; i < 5 && std::getline(pem, line);) {
    if (line.size() == 64) ++i;  // the fifth full line: inside the private fields
  }
  out.push_back({"a line of the PEM file", line});
  return out;
}

// The names of the `secrets` found anywhere in the readable memory of process `pid`
// (/proc/PID/maps and /proc/PID/mem: the test is its parent, or root).
std::vector<std::string> found_in_memory(pid_t pid, const std::vector<KeyBytes>& secrets,
                                         std::size_t* scanned = nullptr) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  const int mem = ::open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY);
  EXPECT_GE(mem, 0) << std::strerror(errno);
  std::vector<bool> found(secrets.size(), false);
  std::size_t total = 0;
  std::string line;
  std::vector<char> chunk;
  constexpr std::size_t kChunk = 1 << 20;
  constexpr std::size_t kOverlap = 1024;  // longer than any secret: none is cut in two
  // Larger readable regions are reservations, not memory: AddressSanitizer's shadow spans
  // terabytes, and reading through it would fault in page tables for all of it (the sanitized
  // test run). tlsfloor itself maps nothing near this size.
  constexpr unsigned long kLargestRegion = 16ul << 30;
  while (std::getline(maps, line)) {
    unsigned long start = 0;
    unsigned long end = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &start, &end, perms) != 3 || perms[0] != 'r' ||
        end - start > kLargestRegion || line.find("[vvar]") != std::string::npos ||
        line.find("[vsyscall]") != std::string::npos) {
      continue;
    }
    for (unsigned long at = start; at < end; at += kChunk) {
      const std::size_t size = std::min<unsigned long>(kChunk + kOverlap, end - at);
      chunk.resize(size);
      const ssize_t got = ::pread(mem, chunk.data(), size, static_cast<off_t>(at));
      if (got <= 0) break;
      total += static_cast<std::size_t>(got);
      const std::string_view view(chunk.data(), static_cast<std::size_t>(got));
      for (std::size_t i = 0; i < secrets.size(); ++i) {
        if (view.find(secrets[i].bytes) != std::string_view::npos) found[i] = true;
      }
    }
  }
  ::close(mem);
  if (scanned != nullptr) *scanned = total;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    if (found[i]) names.push_back(secrets[i].name);
  }
  return names;
}

std::uint16_t port_in(const std::string& line) {
  std::smatch match;
  if (!std::regex_search(line, match, std::regex(R"(on \S*:(\d+))"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(match[1]));
}

TEST_F(KeyServerTest, TheKeyIsNowhereInTlsfloorsMemory) {
  const std::vector<KeyBytes> secrets = secrets_of(rsa_);
  auto key_server = start_key_server(dir_, key_server_yaml());
  // The real binary, in a process of its own, with and without the key server; each makes
  // full RSA handshakes (a signature and a static-RSA decryption) before it is searched.
  const auto search = [&](bool keys_in_tlsfloor) {
    const std::string config = dir_.write(keys_in_tlsfloor ? "with-keys.yaml" : "keyserver.yaml",
                                          proxy_config("5s", keys_in_tlsfloor));
    ChildProcess tlsfloor({kTlsfloor, "--config", config});
    const std::uint16_t port = port_in(tlsfloor.wait_for_line("listener api on"));
    EXPECT_NE(port, 0) << tlsfloor.output();
    for (const char* ciphers : {"", "AES128-SHA"}) {
      ClientOptions options;
      options.max_version = TLS1_2_VERSION;
      options.cipher_list = ciphers;
      TlsClient client(port, options);
      EXPECT_TRUE(client.handshake()) << tlsfloor.output();
      EXPECT_TRUE(echoes(client));
    }
    TlsClient tls13(port);
    EXPECT_TRUE(tls13.handshake());
    std::size_t scanned = 0;
    const auto found = found_in_memory(tlsfloor.pid(), secrets, &scanned);
    EXPECT_GT(scanned, 1u << 20);  // the search read the process's memory
    tlsfloor.signal(SIGTERM);
    EXPECT_EQ(tlsfloor.wait_exit(), 0) << tlsfloor.output();
    return found;
  };
  EXPECT_EQ(search(/*keys_in_tlsfloor=*/false), std::vector<std::string>{});
  // The control: the same search finds the key in a tlsfloor that holds it, so it can fail.
  const std::vector<std::string> control = search(/*keys_in_tlsfloor=*/true);
  EXPECT_NE(std::find(control.begin(), control.end(), "p little-endian"), control.end())
      << testing::PrintToString(control);
}

}  // namespace
}  // namespace tlsfloor::test
