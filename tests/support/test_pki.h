#pragma once
// Certificates made at test time (never committed keys): a self-signed leaf per call, written
// as PEM into a temporary directory that is removed with the object.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tlsfloor::test {

/// A temporary directory, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// Writes `contents` to `name` inside the directory and returns the full path.
  std::string write(const std::string& name, const std::string& contents) const;

 private:
  std::filesystem::path path_;
};

struct PemFiles {
  std::string cert_path;
  std::string key_path;
};

enum class KeyType { ec_p256, rsa_2048 };

/// A self-signed certificate for `dns_names` (the first is also the CN), valid from
/// `valid_from` (an hour ago by default) until a day from now, written as `<stem>.crt` and
/// `<stem>.key` into `dir`.
PemFiles make_self_signed(const TempDir& dir, const std::string& stem,
                          const std::vector<std::string>& dns_names,
                          KeyType key_type = KeyType::ec_p256,
                          std::chrono::seconds valid_from = -std::chrono::hours(1));

/// What a certificate a TestCa issues says.
struct IssueOptions {
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  std::string organization;            // O= after CN= in the subject when set
  /// Valid from `valid_from` (relative to now) for `valid_for`.
  std::chrono::seconds valid_from = -std::chrono::hours(1);
  std::chrono::seconds valid_for = std::chrono::hours(25);
  /// extendedKeyUsage clientAuth (false: serverAuth only, a certificate for servers).
  bool client_usage = true;
  KeyType key_type = KeyType::ec_p256;
};

/// A certificate authority made at test time: a root, or an intermediate of another TestCa.
/// Its certificate is written to `<name>.crt`; the certificates it issues get serials 2, 3, ...
class TestCa {
 public:
  TestCa(const TempDir& dir, const std::string& name, KeyType key_type = KeyType::ec_p256);
  /// An intermediate CA issued by this one (`<name>.crt` holds the intermediate only).
  TestCa intermediate(const std::string& name) const;
  const std::string& cert_path() const;
  /// The PEM of this CA's certificate.
  std::string cert_pem() const;
  /// A leaf for `common_name` (`<stem>.crt`: the leaf, then this CA's certificate when it is an
  /// intermediate; `<stem>.key`); its serial is returned through `serial` when given.
  PemFiles issue(const std::string& stem, const std::string& common_name,
                 const IssueOptions& options = {}, long* serial = nullptr) const;
  /// A CRL of this CA revoking `serials`, valid from an hour ago until `next_update` from now
  /// (negative: already stale), written to `<name>`; returns the path.
  std::string write_crl(const std::string& name, const std::vector<long>& serials,
                        std::chrono::seconds next_update = std::chrono::hours(24)) const;

 private:
  struct State;
  explicit TestCa(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

/// `pem` (a certificate) in DER.
std::string pem_to_der(const std::string& pem);

}  // namespace tlsfloor::test
