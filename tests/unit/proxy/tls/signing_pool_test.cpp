#include "proxy/tls/signing_pool.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec_key.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tlsfloor::tls {
namespace {

bssl::UniquePtr<EVP_PKEY> rsa_key() {
  bssl::UniquePtr<RSA> rsa(RSA_new());
  bssl::UniquePtr<BIGNUM> exponent(BN_new());
  BN_set_word(exponent.get(), RSA_F4);
  EXPECT_EQ(RSA_generate_key_ex(rsa.get(), 2048, exponent.get(), nullptr), 1);
  bssl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new());
  EVP_PKEY_assign_RSA(key.get(), rsa.release());
  return key;
}

bssl::UniquePtr<EVP_PKEY> ec_key() {
  bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  EXPECT_EQ(EC_KEY_generate_key(ec.get()), 1);
  bssl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new());
  EVP_PKEY_assign_EC_KEY(key.get(), ec.release());
  return key;
}

// Verifies as a TLS peer would: the algorithm's digest, and PSS padding for rsa_pss_*.
bool verifies(EVP_PKEY* key, std::uint16_t algorithm, const std::vector<std::uint8_t>& input,
              const std::vector<std::uint8_t>& signature) {
  bssl::ScopedEVP_MD_CTX context;
  EVP_PKEY_CTX* key_context = nullptr;
  if (EVP_DigestVerifyInit(context.get(), &key_context,
                           SSL_get_signature_algorithm_digest(algorithm), nullptr, key) != 1) {
    return false;
  }
  if (SSL_is_signature_algorithm_rsa_pss(algorithm)) {
    EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, -1);
  }
  return EVP_DigestVerify(context.get(), signature.data(), signature.size(), input.data(),
                          input.size()) == 1;
}

const std::vector<std::uint8_t> kInput(100, 0x5a);

// A job signing kInput with `key` for `requester`, calling `done` with the signature.
SignatureJob job_for(EVP_PKEY* key, std::uint16_t algorithm, std::shared_ptr<const void> requester,
                     std::function<void(std::vector<std::uint8_t>)> done) {
  SignatureJob job;
  job.key.reset(key);
  EVP_PKEY_up_ref(key);
  job.algorithm = algorithm;
  job.input = kInput;
  job.requester = std::move(requester);
  job.done = std::move(done);
  return job;
}

TEST(SigningPool, SignsWithEveryAlgorithmTlsAsksOfAnRsaKey) {
  const auto key = rsa_key();
  for (const std::uint16_t algorithm :
       {SSL_SIGN_RSA_PSS_RSAE_SHA256, SSL_SIGN_RSA_PSS_RSAE_SHA384, SSL_SIGN_RSA_PKCS1_SHA256,
        SSL_SIGN_RSA_PKCS1_SHA1, SSL_SIGN_RSA_PKCS1_MD5_SHA1}) {
    const auto signature = SigningPool::sign(key.get(), algorithm, kInput);
    ASSERT_EQ(signature.size(), 256u) << std::hex << algorithm;
    EXPECT_TRUE(verifies(key.get(), algorithm, kInput, signature)) << std::hex << algorithm;
  }
}

TEST(SigningPool, RefusesAnAlgorithmOfAnotherKeyType) {
  EXPECT_TRUE(SigningPool::sign(rsa_key().get(), SSL_SIGN_ECDSA_SECP256R1_SHA256, kInput).empty());
  const auto ec = ec_key();
  const auto signature = SigningPool::sign(ec.get(), SSL_SIGN_ECDSA_SECP256R1_SHA256, kInput);
  EXPECT_TRUE(verifies(ec.get(), SSL_SIGN_ECDSA_SECP256R1_SHA256, kInput, signature));
}

TEST(SigningPool, SignsOnThreadsThatYieldToTheWorkers) {
  SigningPool pool(2);
  EXPECT_EQ(pool.threads(), 2u);
  const auto key = rsa_key();
  std::vector<std::future<std::pair<std::vector<std::uint8_t>, int>>> results;
  for (int i = 0; i < 8; ++i) {
    auto promise = std::make_shared<std::promise<std::pair<std::vector<std::uint8_t>, int>>>();
    results.push_back(promise->get_future());
    pool.submit(job_for(key.get(), SSL_SIGN_RSA_PSS_RSAE_SHA256, promise,
                        [promise](std::vector<std::uint8_t> signature) {
                          // The nice value of the thread that signed.
                          const int nice =
                              ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
                          promise->set_value({std::move(signature), nice});
                        }));
  }
  for (auto& result : results) {
    const auto [signature, nice] = result.get();
    EXPECT_TRUE(verifies(key.get(), SSL_SIGN_RSA_PSS_RSAE_SHA256, kInput, signature));
    EXPECT_EQ(nice, SigningPool::kNice);
  }
}

TEST(SigningPool, FinishesItsQueueBeforeItStops) {
  const auto key = rsa_key();
  std::atomic<int> done{0};
  const auto requester = std::make_shared<int>(0);
  {
    SigningPool pool(1);
    for (int i = 0; i < 4; ++i) {
      pool.submit(job_for(key.get(), SSL_SIGN_RSA_PKCS1_SHA256, requester,
                          [&done](std::vector<std::uint8_t> signature) {
                            if (!signature.empty()) ++done;
                          }));
    }
  }
  EXPECT_EQ(done.load(), 4);
}

TEST(SigningPool, DropsTheJobsOfRequestersThatAreGone) {
  const auto key = rsa_key();
  const auto make_job = [&key](std::shared_ptr<const void> requester,
                               std::function<void(std::vector<std::uint8_t>)> done) {
    return job_for(key.get(), SSL_SIGN_RSA_PKCS1_SHA256, std::move(requester), std::move(done));
  };
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> held;
  std::vector<std::string> done;  // appended on the one pool thread, read after it stopped
  const auto present = std::make_shared<int>(0);  // outlives the pool and its queue
  {
    SigningPool pool(1);
    // The first job holds the only thread, so the others wait in the queue.
    pool.submit(make_job(present, [&](std::vector<std::uint8_t>) {
      held.set_value();
      released.wait();
      done.push_back("first");
    }));
    held.get_future().wait();
    auto leaving = std::make_shared<int>(0);
    pool.submit(make_job(leaving, [&](std::vector<std::uint8_t>) { done.push_back("gone"); }));
    pool.submit(make_job(present, [&](std::vector<std::uint8_t> signature) {
      done.push_back(signature.empty() ? "unsigned" : "signed");
    }));
    leaving.reset();  // its handshake timed out while the job waited
    release.set_value();
  }
  EXPECT_EQ(done, (std::vector<std::string>{"first", "signed"}));
}

TEST(SigningPool, ReportsHowEachJobEndedAndHowLongItWaitedForAThread) {
  const auto key = rsa_key();
  std::vector<std::pair<SignatureOutcome, SigningPool::Clock::duration>> reports;  // pool thread
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> held;
  const auto present = std::make_shared<int>(0);
  SigningPool::Clock::duration least_wait{};
  {
    SigningPool pool(1, [&reports](SignatureOutcome outcome, SigningPool::Clock::duration queued) {
      reports.emplace_back(outcome, queued);
    });
    pool.submit(
        job_for(key.get(), SSL_SIGN_RSA_PKCS1_SHA256, present, [&](std::vector<std::uint8_t>) {
          held.set_value();
          released.wait();
        }));
    held.get_future().wait();
    auto leaving = std::make_shared<int>(0);
    pool.submit(job_for(key.get(), SSL_SIGN_ECDSA_SECP256R1_SHA256, present,  // not an RSA one
                        [](std::vector<std::uint8_t>) {}));
    pool.submit(
        job_for(key.get(), SSL_SIGN_RSA_PKCS1_SHA256, leaving, [](std::vector<std::uint8_t>) {}));
    const auto queued_by = SigningPool::Clock::now();
    EXPECT_EQ(pool.queued(), 2u);
    leaving.reset();
    // The two queued jobs wait at least from queued_by until the release.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    least_wait = SigningPool::Clock::now() - queued_by;
    release.set_value();
  }
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].first, SignatureOutcome::made);
  EXPECT_EQ(reports[1].first, SignatureOutcome::failed);
  EXPECT_EQ(reports[2].first, SignatureOutcome::abandoned);
  EXPECT_GE(reports[1].second, least_wait);
  EXPECT_GE(reports[2].second, least_wait);
}

}  // namespace
}  // namespace tlsfloor::tls
