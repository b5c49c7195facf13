// Writes the ClientHello fuzzer's seed corpus: real hellos from BoringSSL clients of every
// version, with and without SNI, ALPN and GREASE. The files in corpus/client_hello/ were made
// with it:  client_hello_seeds tests/fuzz/corpus/client_hello
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/support/client_hello_capture.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  int written = 0;
  for (const std::uint16_t version : {0x0301, 0x0302, 0x0303, 0x0304}) {
    for (const bool full : {false, true}) {
      tlsfloor::test::HelloOptions options;
      options.min_version = 0x0301;
      options.max_version = version;
      if (full) {
        options.server_name = "legacy.example.com";
        options.alpn = {"h2", "http/1.1"};
        options.grease = true;
      }
      const auto body = tlsfloor::test::capture_client_hello(options);
      const std::string path = std::string(argv[1]) + "/tls1" + std::to_string(version - 0x0301) +
                               (full ? "-sni-alpn-grease" : "-bare");
      std::ofstream(path, std::ios::binary)
          .write(reinterpret_cast<const char*>(body.data()),
                 static_cast<std::streamsize>(body.size()));
      ++written;
    }
  }
  std::printf("%d seeds\n", written);
  return 0;
}
