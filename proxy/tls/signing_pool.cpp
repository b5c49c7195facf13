#include "proxy/tls/signing_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include <openssl/evp.h>
#include <openssl/rsa.h>

namespace tlsfloor::tls {
namespace {

AsyncSigner* signer_of(SSL* ssl) {
  return static_cast<AsyncSigner*>(SSL_get_ex_data(ssl, signer_index()));
}

enum ssl_private_key_result_t copy_out(const std::vector<std::uint8_t>& signature,
                                       std::uint8_t* out, std::size_t* out_length,
                                       std::size_t max_out) {
  if (signature.empty() || signature.size() > max_out) return ssl_private_key_failure;
  std::memcpy(out, signature.data(), signature.size());
  *out_length = signature.size();
  return ssl_private_key_success;
}

enum ssl_private_key_result_t sign_later(SSL* ssl, std::uint8_t*, std::size_t*, std::size_t,
                                         std::uint16_t algorithm, const std::uint8_t* input,
                                         std::size_t length) {
  AsyncSigner* signer = signer_of(ssl);
  if (signer == nullptr || !signer->start_signature(algorithm, input, length)) {
    return ssl_private_key_failure;
  }
  return ssl_private_key_retry;
}

enum ssl_private_key_result_t complete(SSL* ssl, std::uint8_t* out, std::size_t* out_length,
                                       std::size_t max_out) {
  AsyncSigner* signer = signer_of(ssl);
  if (signer == nullptr) return ssl_private_key_failure;
  const std::vector<std::uint8_t>* signature = signer->finished_signature();
  if (signature == nullptr) return ssl_private_key_retry;
  return copy_out(*signature, out, out_length, max_out);
}

// Static-RSA key exchange (only with a legacy or exception list that allows it): decrypted at
// once on the event loop, as before. Rare by design, and a raw RSA decryption. A key the key
// server holds is decrypted there, and the handshake waits as for a signature.
enum ssl_private_key_result_t decrypt_now(SSL* ssl, std::uint8_t* out, std::size_t* out_length,
                                          std::size_t max_out, const std::uint8_t* input,
                                          std::size_t length) {
  AsyncSigner* signer = signer_of(ssl);
  if (signer != nullptr && signer->private_key() == nullptr) {
    return signer->start_decryption(input, length) ? ssl_private_key_retry
                                                   : ssl_private_key_failure;
  }
  RSA* rsa = signer != nullptr ? EVP_PKEY_get0_RSA(signer->private_key()) : nullptr;
  if (rsa == nullptr ||
      RSA_decrypt(rsa, out_length, out, max_out, input, length, RSA_NO_PADDING) != 1) {
    return ssl_private_key_failure;
  }
  return ssl_private_key_success;
}

constexpr SSL_PRIVATE_KEY_METHOD kAsyncKeyMethod = {sign_later, decrypt_now, complete};

}  // namespace

SigningPool::SigningPool(unsigned threads, JobReport report) : report_(std::move(report)) {
  for (unsigned i = 0; i < std::max(threads, 1u); ++i) {
    threads_.emplace_back([this] {
      // Linux's nice is per thread: only this signing thread yields to the event loops.
      ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kNice);
      run();
    });
    // Named here, not in the thread, so the name is in place once the pool is built: ps,
    // top -H and the tests see it from the start.
    ::pthread_setname_np(threads_.back().native_handle(), "tlsfloor-sign");
  }
}

SigningPool::~SigningPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void SigningPool::submit(SignatureJob job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back({std::move(job), Clock::now()});
  }
  wake_.notify_one();
}

std::size_t SigningPool::queued() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

void SigningPool::run() {
  for (;;) {
    Queued next;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and every queued job is done
      next = std::move(jobs_.front());
      jobs_.pop_front();
    }
    const Clock::duration queued = Clock::now() - next.since;
    SignatureJob& job = next.job;
    if (job.requester.expired()) {
      if (report_) report_(SignatureOutcome::abandoned, queued);
      continue;
    }
    std::vector<std::uint8_t> signature = sign(job.key.get(), job.algorithm, job.input);
    // Reported before `done`: once the connection has its signature, whoever reads the
    // metrics next (a test, a scrape) finds this job counted.
    if (report_) {
      report_(signature.empty() ? SignatureOutcome::failed : SignatureOutcome::made, queued);
    }
    job.done(std::move(signature));
  }
}

std::vector<std::uint8_t> SigningPool::sign(EVP_PKEY* key, std::uint16_t algorithm,
                                            const std::vector<std::uint8_t>& input) {
  bssl::ScopedEVP_MD_CTX context;
  EVP_PKEY_CTX* key_context = nullptr;
  const EVP_MD* digest = SSL_get_signature_algorithm_digest(algorithm);
  std::vector<std::uint8_t> signature(static_cast<std::size_t>(EVP_PKEY_size(key)));
  std::size_t length = signature.size();
  if (EVP_PKEY_id(key) != SSL_get_signature_algorithm_key_type(algorithm) ||
      EVP_DigestSignInit(context.get(), &key_context, digest, nullptr, key) != 1) {
    return {};
  }
  if (SSL_is_signature_algorithm_rsa_pss(algorithm) &&
      (EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, -1) != 1)) {  // salt = digest length
    return {};
  }
  if (EVP_DigestSign(context.get(), signature.data(), &length, input.data(), input.size()) != 1) {
    ERR_clear_error();
    return {};
  }
  signature.resize(length);
  return signature;
}

int signer_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

const SSL_PRIVATE_KEY_METHOD* async_key_method() { return &kAsyncKeyMethod; }

}  // namespace tlsfloor::tls
