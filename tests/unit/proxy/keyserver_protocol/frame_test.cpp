#include "proxy/keyserver_protocol/frame.h"

#include <gtest/gtest.h>

#include <vector>

#include "proxy/keyserver_protocol/scheme.h"

namespace tlsfloor::keyserver_protocol {
namespace {

Request sample_request(std::span<const std::uint8_t> input) {
  Request request;
  request.operation = Operation::sign;
  request.algorithm = 0x0804;
  request.id = 0x0102030405060708;
  for (std::size_t i = 0; i < request.key_id.size(); ++i) {
    request.key_id[i] = static_cast<std::uint8_t>(i);
  }
  request.input = input;
  return request;
}

TEST(KeyServerFrameTest, ARequestIsFramedAsDocumented) {
  const std::vector<std::uint8_t> input{0xaa, 0xbb};
  std::vector<std::uint8_t> frame;
  append_request(frame, sample_request(input));
  ASSERT_EQ(frame.size(), kLengthField + kRequestHeader + 2);
  const std::vector<std::uint8_t> head(frame.begin(), frame.begin() + 16);
  EXPECT_EQ(head,
            (std::vector<std::uint8_t>{0, 0, 0, 46, 1, 1, 0x08, 0x04, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(frame[16], 0);   // the key id's first byte
  EXPECT_EQ(frame[47], 31);  // and its last
  EXPECT_EQ(frame[48], 0xaa);
  EXPECT_EQ(frame[49], 0xbb);
}

TEST(KeyServerFrameTest, RequestsAndResponsesRoundTripAndPipeline) {
  const std::vector<std::uint8_t> input(200, 7);
  std::vector<std::uint8_t> stream;
  append_request(stream, sample_request(input));
  Request probe = sample_request({});
  probe.operation = Operation::probe;
  probe.algorithm = 0;
  probe.id = 9;
  append_request(stream, probe);
  const auto first = parse_request(stream);
  ASSERT_EQ(first.status, ParseStatus::complete);
  EXPECT_EQ(first.frame.operation, Operation::sign);
  EXPECT_EQ(first.frame.algorithm, 0x0804);
  EXPECT_EQ(first.frame.id, 0x0102030405060708u);
  EXPECT_EQ(first.frame.key_id, sample_request({}).key_id);
  EXPECT_EQ(std::vector<std::uint8_t>(first.frame.input.begin(), first.frame.input.end()), input);
  const auto second = parse_request(std::span(stream).subspan(first.consumed));
  ASSERT_EQ(second.status, ParseStatus::complete);
  EXPECT_EQ(second.frame.operation, Operation::probe);
  EXPECT_EQ(second.frame.id, 9u);
  EXPECT_EQ(first.consumed + second.consumed, stream.size());

  std::vector<std::uint8_t> answers;
  const std::vector<std::uint8_t> signature(256, 3);
  append_response(answers, {Status::ok, 42, signature});
  append_response(answers, {Status::unknown_key, 43, {}});
  const auto ok = parse_response(answers);
  ASSERT_EQ(ok.status, ParseStatus::complete);
  EXPECT_EQ(ok.frame.id, 42u);
  EXPECT_EQ(ok.frame.output.size(), 256u);
  const auto refused = parse_response(std::span(answers).subspan(ok.consumed));
  ASSERT_EQ(refused.status, ParseStatus::complete);
  EXPECT_EQ(refused.frame.status, Status::unknown_key);
  EXPECT_EQ(refused.frame.id, 43u);
}

TEST(KeyServerFrameTest, EveryPrefixOfAFrameIsIncomplete) {
  const std::vector<std::uint8_t> input(10, 1);
  std::vector<std::uint8_t> frame;
  append_request(frame, sample_request(input));
  for (std::size_t size = 0; size < frame.size(); ++size) {
    EXPECT_EQ(parse_request(std::span(frame).first(size)).status, ParseStatus::incomplete) << size;
  }
}

TEST(KeyServerFrameTest, LengthsOutOfBoundsAreInvalidBeforeTheBodyArrives) {
  // Four bytes are enough to refuse: a peer cannot make the reader wait for, or hold, more.
  const std::vector<std::uint8_t> huge{0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(parse_request(huge).status, ParseStatus::invalid);
  EXPECT_EQ(parse_response(huge).status, ParseStatus::invalid);
  const std::uint32_t just_over = kRequestHeader + kMaxInput + 1;
  const std::vector<std::uint8_t> over{0, 0, static_cast<std::uint8_t>(just_over >> 8),
                                       static_cast<std::uint8_t>(just_over)};
  EXPECT_EQ(parse_request(over).status, ParseStatus::invalid);
  const std::vector<std::uint8_t> short_header{0, 0, 0, kRequestHeader - 1};
  EXPECT_EQ(parse_request(short_header).status, ParseStatus::invalid);
  // The largest allowed input is accepted.
  const std::vector<std::uint8_t> largest(kMaxInput, 1);
  std::vector<std::uint8_t> frame;
  append_request(frame, sample_request(largest));
  EXPECT_EQ(frame.size(), kMaxRequestFrame);
  EXPECT_EQ(parse_request(frame).status, ParseStatus::complete);
}

TEST(KeyServerFrameTest, FieldsThatBreakARuleAreInvalid) {
  const std::vector<std::uint8_t> input(4, 1);
  const auto framed = [&](auto change) {
    std::vector<std::uint8_t> frame;
    append_request(frame, sample_request(input));
    change(frame);
    return parse_request(frame);
  };
  EXPECT_EQ(framed([](auto& f) { f[4] = 2; }).status, ParseStatus::invalid);  // version
  EXPECT_EQ(framed([](auto& f) { f[5] = 0; }).status, ParseStatus::invalid);  // operation
  EXPECT_EQ(framed([](auto& f) { f[5] = 4; }).status, ParseStatus::invalid);
  // A decryption or probe names no algorithm; a probe has no input; a signature has one.
  EXPECT_EQ(framed([](auto& f) { f[5] = 2; }).status, ParseStatus::invalid);
  EXPECT_EQ(framed([](auto& f) { f[5] = 3; }).status, ParseStatus::invalid);
  EXPECT_EQ(framed([](auto& f) { f[5] = 2, f[6] = f[7] = 0; }).status, ParseStatus::complete);
  std::vector<std::uint8_t> empty_sign;
  append_request(empty_sign, sample_request({}));
  EXPECT_EQ(parse_request(empty_sign).status, ParseStatus::invalid);

  std::vector<std::uint8_t> response;
  append_response(response, {Status::ok, 1, input});
  std::vector<std::uint8_t> bad_status = response;
  bad_status[5] = 5;
  EXPECT_EQ(parse_response(bad_status).status, ParseStatus::invalid);
  std::vector<std::uint8_t> reserved = response;
  reserved[7] = 1;
  EXPECT_EQ(parse_response(reserved).status, ParseStatus::invalid);
  std::vector<std::uint8_t> error_with_output = response;
  error_with_output[5] = static_cast<std::uint8_t>(Status::failed);
  EXPECT_EQ(parse_response(error_with_output).status, ParseStatus::invalid);
}

TEST(KeyServerSchemeTest, TheSchemesBoringSslAsksForAreKnownAndOthersAreNot) {
  const Scheme* pss = find_scheme(0x0804);
  ASSERT_NE(pss, nullptr);
  EXPECT_EQ(pss->key, KeyKind::rsa);
  EXPECT_EQ(pss->padding, Padding::pss);
  EXPECT_EQ(pss->digest, Digest::sha256);
  const Scheme* legacy = find_scheme(kRsaPkcs1Md5Sha1);
  ASSERT_NE(legacy, nullptr);
  EXPECT_EQ(legacy->digest, Digest::md5_sha1);
  const Scheme* ecdsa = find_scheme(0x0503);
  ASSERT_NE(ecdsa, nullptr);
  EXPECT_EQ(ecdsa->key, KeyKind::ec);
  EXPECT_EQ(ecdsa->digest, Digest::sha384);
  EXPECT_EQ(find_scheme(0x0807), nullptr);  // Ed25519
  EXPECT_EQ(find_scheme(0x0809), nullptr);  // RSA-PSS with a PSS key
  EXPECT_EQ(find_scheme(0), nullptr);
}

}  // namespace
}  // namespace tlsfloor::keyserver_protocol
