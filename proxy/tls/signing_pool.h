#pragma once
// Private-key signatures off the event loop. An RSA-2048 signature costs about 0.8 ms here: on
// the worker thread that also relays established connections, every one of them waits behind
// it, and a reconnect storm (thousands of full handshakes) stalls them all. With this pool the
// worker hands the signature over (BoringSSL's SSL_PRIVATE_KEY_METHOD), keeps relaying, and
// resumes the handshake when the signature is posted back.
//
// The pool's threads run at a lower scheduling priority (nice kNice): when handshakes and relays
// compete for the cores, the relays of established connections run first and new handshakes
// take what is left; when the cores are free the pool gets them all.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "proxy/tls/boringssl.h"

namespace tlsfloor::tls {

/// One signature to make: `key` signs `input` with `algorithm` (an SSL_SIGN_* value); `done` is
/// called on a pool thread with the signature (empty when signing failed).
struct SignatureJob {
  bssl::UniquePtr<EVP_PKEY> key;
  std::uint16_t algorithm = 0;
  std::vector<std::uint8_t> input;
  std::function<void(std::vector<std::uint8_t> signature)> done;
  /// Who waits for it (a connection); required. If it is gone when the job's turn comes (its
  /// handshake timed out in the queue), the job is dropped: neither signed nor `done`. In a
  /// storm, the clients that gave up cost no signature, and the job keeps nothing of theirs
  /// alive. A job without a requester is dropped the same way.
  std::weak_ptr<const void> requester;
};

/// How a job ended: signed, signing failed, or dropped because its requester was gone.
enum class SignatureOutcome { made, failed, abandoned };

class SigningPool {
 public:
  static constexpr int kNice = 10;
  using Clock = std::chrono::steady_clock;
  /// Told of every job's end, on the pool thread that took it: how it ended and how long it
  /// waited in the queue for a thread (what a reconnect storm makes handshakes wait).
  using JobReport = std::function<void(SignatureOutcome outcome, Clock::duration queued)>;

  /// Starts `threads` signing threads (at least one); `report` may be empty.
  explicit SigningPool(unsigned threads, JobReport report = {});
  /// Finishes the queued jobs and joins the threads.
  ~SigningPool();
  SigningPool(const SigningPool&) = delete;
  SigningPool& operator=(const SigningPool&) = delete;

  void submit(SignatureJob job);
  unsigned threads() const { return static_cast<unsigned>(threads_.size()); }
  /// Jobs waiting for a thread now. Any thread.
  std::size_t queued() const;

  /// Signs `input` as BoringSSL would with the key itself: the algorithm's digest and padding
  /// (RSA-PSS for rsa_pss_* algorithms). Empty on failure.
  static std::vector<std::uint8_t> sign(EVP_PKEY* key, std::uint16_t algorithm,
                                        const std::vector<std::uint8_t>& input);

 private:
  struct Queued {
    SignatureJob job;
    Clock::time_point since;
  };

  void run();

  const JobReport report_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Queued> jobs_;  // guarded by mutex_
  bool stopping_ = false;    // guarded by mutex_
  std::vector<std::thread> threads_;
};

/// What the private key method asks of whoever owns an SSL whose key signs asynchronously (its
/// ex data at signer_index()): start a signature, then hand it over once made.
class AsyncSigner {
 public:
  /// Starts signing `input`; returns false when it cannot (the handshake fails).
  virtual bool start_signature(std::uint16_t algorithm, const std::uint8_t* input,
                               std::size_t length) = 0;
  /// The signature once made: null while it is being made; an empty vector when it failed.
  virtual const std::vector<std::uint8_t>* finished_signature() const = 0;
  /// The key, for the rare static-RSA decryption, which is done at once; null when the key
  /// server holds the key (the decryption is then asked of it, as a signature is).
  virtual EVP_PKEY* private_key() const = 0;
  /// Starts decrypting `input` elsewhere (a key without private_key()); the plaintext comes
  /// back through finished_signature(). False when it cannot (the handshake fails).
  virtual bool start_decryption(const std::uint8_t* input, std::size_t length) = 0;

 protected:
  ~AsyncSigner() = default;
};

/// The SSL ex-data index holding an SSL's AsyncSigner.
int signer_index();

/// The SSL_PRIVATE_KEY_METHOD that asks the SSL's AsyncSigner (see SSL_set_chain_and_key).
const SSL_PRIVATE_KEY_METHOD* async_key_method();

}  // namespace tlsfloor::tls
