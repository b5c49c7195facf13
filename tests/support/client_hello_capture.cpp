#include "tests/support/client_hello_capture.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#if !defined(OPENSSL_IS_BORINGSSL)
#error "tlsfloor tests need BoringSSL headers (android-libboringssl-dev), not OpenSSL"
#endif

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <utility>

namespace tlsfloor::test {
namespace {

constexpr std::uint8_t kContentTypeHandshake = 22;
constexpr std::uint8_t kHandshakeTypeClientHello = 1;
constexpr std::size_t kRecordHeaderLength = 5;
constexpr std::size_t kHandshakeHeaderLength = 4;
// RFC 8446 5.1: a plaintext record fragment is at most 2^14 bytes.
constexpr std::size_t kMaxRecordFragment = 16384;

[[noreturn]] void fail(const std::string& what) {
  std::string message = "client_hello_capture: " + what;
  // BoringSSL's error queue usually says why a setting was refused; drain it so it does not leak
  // into the next test either.
  while (const std::uint32_t code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    message += "; ";
    message += buffer;
  }
  throw std::runtime_error(message);
}

// Joins the fragments of consecutive handshake records. The client's first flight is only the
// ClientHello (no early data is configured), so any other content type is a surprise.
std::vector<std::uint8_t> join_handshake_records(std::span<const std::uint8_t> records) {
  std::vector<std::uint8_t> handshake;
  while (!records.empty()) {
    if (records.size() < kRecordHeaderLength) {
      fail("truncated record header");
    }
    if (records[0] != kContentTypeHandshake) {
      fail("unexpected record content type " + std::to_string(records[0]));
    }
    const std::size_t length = (std::size_t{records[3]} << 8) | records[4];
    records = records.subspan(kRecordHeaderLength);
    if (records.size() < length) {
      fail("truncated record");
    }
    handshake.insert(handshake.end(), records.begin(), records.begin() + length);
    records = records.subspan(length);
  }
  return handshake;
}

std::vector<std::uint8_t> strip_handshake_header(std::vector<std::uint8_t> handshake) {
  if (handshake.size() < kHandshakeHeaderLength || handshake[0] != kHandshakeTypeClientHello) {
    fail("first handshake message is not a ClientHello");
  }
  const std::size_t length =
      (std::size_t{handshake[1]} << 16) | (std::size_t{handshake[2]} << 8) | handshake[3];
  if (handshake.size() - kHandshakeHeaderLength != length) {
    fail("ClientHello length " + std::to_string(length) + " does not match the " +
         std::to_string(handshake.size() - kHandshakeHeaderLength) + " bytes sent");
  }
  handshake.erase(handshake.begin(), handshake.begin() + kHandshakeHeaderLength);
  return handshake;
}

std::vector<std::uint8_t> alpn_wire_format(const std::vector<std::string>& protocols) {
  std::vector<std::uint8_t> wire;
  for (const std::string& protocol : protocols) {
    if (protocol.empty() || protocol.size() > 255) {
      fail("ALPN protocol names must be 1..255 bytes");
    }
    wire.push_back(static_cast<std::uint8_t>(protocol.size()));
    wire.insert(wire.end(), protocol.begin(), protocol.end());
  }
  return wire;
}

int server_view_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

ssl_select_cert_result_t record_server_view(const SSL_CLIENT_HELLO* hello) {
  auto* out =
      static_cast<std::optional<ServerView>*>(SSL_get_ex_data(hello->ssl, server_view_index()));
  ServerView view;
  view.body.assign(hello->client_hello, hello->client_hello + hello->client_hello_len);
  view.legacy_version = hello->version;
  for (std::size_t i = 0; i + 1 < hello->cipher_suites_len; i += 2) {
    view.cipher_suites.push_back(
        static_cast<std::uint16_t>((hello->cipher_suites[i] << 8) | hello->cipher_suites[i + 1]));
  }
  view.compression_methods.assign(hello->compression_methods,
                                  hello->compression_methods + hello->compression_methods_len);
  // BoringSSL only offers lookup by type, so ask for every type and order the hits by where
  // their contents sit in the extensions block: that reproduces the wire order without a second
  // hand-written extensions parser in the tests.
  std::vector<std::pair<std::ptrdiff_t, std::uint16_t>> found;
  for (std::uint32_t type = 0; type <= 0xffff; ++type) {
    const std::uint8_t* data = nullptr;
    std::size_t length = 0;
    if (SSL_early_callback_ctx_extension_get(hello, static_cast<std::uint16_t>(type), &data,
                                             &length)) {
      found.emplace_back(data - hello->extensions, static_cast<std::uint16_t>(type));
    }
  }
  std::sort(found.begin(), found.end());
  for (const auto& [offset, type] : found) {
    view.extension_types.push_back(type);
  }
  if (const char* name = SSL_get_servername(hello->ssl, TLSEXT_NAMETYPE_host_name)) {
    view.server_name = name;
  }
  *out = std::move(view);
  // No certificate is configured and nothing after the hello matters: stop the handshake here.
  return ssl_select_cert_error;
}

}  // namespace

std::vector<std::uint8_t> capture_client_hello(const HelloOptions& options) {
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  if (!ctx) {
    fail("SSL_CTX_new");
  }
  if (!SSL_CTX_set_min_proto_version(ctx.get(), options.min_version) ||
      !SSL_CTX_set_max_proto_version(ctx.get(), options.max_version)) {
    fail("unsupported version range");
  }
  if (options.cipher_list &&
      !SSL_CTX_set_strict_cipher_list(ctx.get(), options.cipher_list->c_str())) {
    fail("cipher list rejected: " + *options.cipher_list);
  }
  SSL_CTX_set_grease_enabled(ctx.get(), options.grease ? 1 : 0);
  if (options.groups && !SSL_CTX_set1_curves_list(ctx.get(), options.groups->c_str())) {
    fail("group list rejected: " + *options.groups);
  }

  bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
  if (!ssl) {
    fail("SSL_new");
  }
  SSL_set_connect_state(ssl.get());
  if (options.server_name && !SSL_set_tlsext_host_name(ssl.get(), options.server_name->c_str())) {
    fail("SNI rejected: " + *options.server_name);
  }
  if (!options.alpn.empty()) {
    const std::vector<std::uint8_t> wire = alpn_wire_format(options.alpn);
    // Unlike most of the API, SSL_set_alpn_protos returns 0 on success.
    if (SSL_set_alpn_protos(ssl.get(), wire.data(), wire.size()) != 0) {
      fail("ALPN list rejected");
    }
  }

  BIO* read_bio = BIO_new(BIO_s_mem());
  BIO* write_bio = BIO_new(BIO_s_mem());
  if (read_bio == nullptr || write_bio == nullptr) {
    BIO_free(read_bio);
    BIO_free(write_bio);
    fail("BIO_new");
  }
  SSL_set_bio(ssl.get(), read_bio, write_bio);  // ssl owns both from here on

  // With nothing to read, the client sends its hello and then waits for the server.
  const int result = SSL_do_handshake(ssl.get());
  if (result == 1 || SSL_get_error(ssl.get(), result) != SSL_ERROR_WANT_READ) {
    fail("handshake did not stop after the ClientHello");
  }

  const std::uint8_t* written = nullptr;
  std::size_t written_length = 0;
  if (!BIO_mem_contents(write_bio, &written, &written_length)) {
    fail("BIO_mem_contents");
  }
  return strip_handshake_header(join_handshake_records({written, written_length}));
}

std::vector<std::uint8_t> wrap_in_record(std::span<const std::uint8_t> body,
                                         std::uint16_t record_version) {
  if (body.size() > 0xffffff) {
    throw std::invalid_argument("wrap_in_record: body exceeds a u24 handshake length");
  }
  std::vector<std::uint8_t> handshake;
  handshake.reserve(kHandshakeHeaderLength + body.size());
  handshake.push_back(kHandshakeTypeClientHello);
  handshake.push_back(static_cast<std::uint8_t>(body.size() >> 16));
  handshake.push_back(static_cast<std::uint8_t>(body.size() >> 8));
  handshake.push_back(static_cast<std::uint8_t>(body.size()));
  handshake.insert(handshake.end(), body.begin(), body.end());

  std::vector<std::uint8_t> records;
  std::span<const std::uint8_t> rest(handshake);
  while (!rest.empty()) {
    const std::size_t length = std::min(rest.size(), kMaxRecordFragment);
    records.push_back(kContentTypeHandshake);
    records.push_back(static_cast<std::uint8_t>(record_version >> 8));
    records.push_back(static_cast<std::uint8_t>(record_version));
    records.push_back(static_cast<std::uint8_t>(length >> 8));
    records.push_back(static_cast<std::uint8_t>(length));
    records.insert(records.end(), rest.begin(), rest.begin() + length);
    rest = rest.subspan(length);
  }
  return records;
}

std::optional<ServerView> observe_as_server(std::span<const std::uint8_t> records) {
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  if (!ctx || !SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION) ||
      !SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION)) {
    fail("server SSL_CTX setup");
  }
  SSL_CTX_set_select_certificate_cb(ctx.get(), record_server_view);

  bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
  if (!ssl) {
    fail("server SSL_new");
  }
  std::optional<ServerView> view;
  SSL_set_ex_data(ssl.get(), server_view_index(), &view);
  SSL_set_accept_state(ssl.get());

  BIO* read_bio = BIO_new_mem_buf(records.data(), static_cast<int>(records.size()));
  BIO* write_bio = BIO_new(BIO_s_mem());
  if (read_bio == nullptr || write_bio == nullptr) {
    BIO_free(read_bio);
    BIO_free(write_bio);
    fail("BIO_new");
  }
  SSL_set_bio(ssl.get(), read_bio, write_bio);

  // Always fails: the callback aborts, or BoringSSL rejected the hello before reaching it.
  SSL_do_handshake(ssl.get());
  ERR_clear_error();
  return view;
}

}  // namespace tlsfloor::test
