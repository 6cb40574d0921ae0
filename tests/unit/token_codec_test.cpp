// Token text: the format round-trips, and every kind of damage is refused before any I/O
// with a message that does not echo the input.
#include "mailtoken/token_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

namespace mailtoken {
namespace {

constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

std::string text_of(const NewToken& token) { return std::string(token.text.view()); }

NewToken fresh_token(std::string_view prefix = "mt1") {
  auto token = generate_token(prefix);
  EXPECT_TRUE(token.ok());
  return std::move(*token);
}

// Recomputes the checksum of the first part of a token, so tests can build texts that pass
// the checksum but break another rule.
std::string with_valid_checksum(std::string body) {
  const std::uint32_t crc = crc32(body);
  for (int i = 6; i >= 0; --i)
    body.push_back(kAlphabet[(static_cast<std::uint64_t>(crc) >> (5 * i)) & 31u]);
  return body;
}

void expect_refused(std::string_view text, const std::string& why) {
  auto parsed = parse_token(text, "mt1");
  ASSERT_FALSE(parsed.ok()) << why;
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << why;
  if (text.size() >= 8) {
    EXPECT_EQ(parsed.error().message.find(text), std::string::npos) << why;
  }
}

TEST(Crc32, MatchesTheZlibCheckValue) {
  EXPECT_EQ(crc32("123456789"), 0xcbf43926u);
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("The quick brown fox jumps over the lazy dog"), 0x414fa339u);
}

TEST(Base32, EncodesRfc4648TestVectorsInLowercaseWithoutPadding) {
  const auto enc = [](std::string_view s) {
    return base32_encode(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "my");
  EXPECT_EQ(enc("fo"), "mzxq");
  EXPECT_EQ(enc("foo"), "mzxw6");
  EXPECT_EQ(enc("foob"), "mzxw6yq");
  EXPECT_EQ(enc("fooba"), "mzxw6ytb");
  EXPECT_EQ(enc("foobar"), "mzxw6ytboi");
}

TEST(Prefix, AcceptsLowercaseLettersAndDigitsStartingWithALetter) {
  EXPECT_TRUE(is_valid_prefix("mt1"));
  EXPECT_TRUE(is_valid_prefix("ab"));
  EXPECT_TRUE(is_valid_prefix("abcdefghijklmnop"));
  EXPECT_FALSE(is_valid_prefix("a"));
  EXPECT_FALSE(is_valid_prefix("abcdefghijklmnopq"));
  EXPECT_FALSE(is_valid_prefix("1mt"));
  EXPECT_FALSE(is_valid_prefix("Mt1"));
  EXPECT_FALSE(is_valid_prefix("mt_1"));
  EXPECT_FALSE(is_valid_prefix(""));
}

TEST(GenerateToken, HasTheDocumentedShape) {
  const NewToken token = fresh_token();
  const std::string text = text_of(token);
  ASSERT_EQ(text.size(), 3 + 1 + kSelectorLength + 1 + kSecretTextLength + kChecksumLength);
  EXPECT_EQ(text.substr(0, 4), "mt1_");
  EXPECT_EQ(text.substr(4, kSelectorLength), token.selector);
  EXPECT_EQ(text[4 + kSelectorLength], '_');
  EXPECT_EQ(token.secret.size(), kSecretBytes);
  for (char c : text.substr(4)) {
    EXPECT_TRUE(c == '_' || kAlphabet.find(c) != std::string_view::npos) << c;
  }
}

TEST(GenerateToken, RoundTripsThroughParse) {
  const NewToken token = fresh_token();
  auto parsed = parse_token(token.text.view(), "mt1");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->selector, token.selector);
  ASSERT_EQ(parsed->secret.size(), kSecretBytes);
  EXPECT_TRUE(std::equal(parsed->secret.view().begin(), parsed->secret.view().end(),
                         token.secret.view().begin()));
}

TEST(GenerateToken, DrawsFreshSelectorsAndSecrets) {
  std::set<std::string> selectors, texts;
  for (int i = 0; i < 200; ++i) {
    const NewToken token = fresh_token();
    selectors.insert(token.selector);
    texts.insert(text_of(token));
  }
  EXPECT_EQ(selectors.size(), 200u);
  EXPECT_EQ(texts.size(), 200u);
}

TEST(GenerateToken, RefusesABadPrefix) {
  EXPECT_FALSE(generate_token("MT1").ok());
  EXPECT_FALSE(generate_token("x").ok());
}

TEST(GenerateToken, WorksWithTheLongestPrefix) {
  const NewToken token = fresh_token("abcdefghijklmno1");
  EXPECT_EQ(token.text.view().size(), kMaxTokenLength);
  EXPECT_TRUE(parse_token(token.text.view(), "abcdefghijklmno1").ok());
}

TEST(EncodeToken, IsDeterministicForGivenParts) {
  SecretBytes secret(kSecretBytes);
  for (std::size_t i = 0; i < kSecretBytes; ++i) secret.data()[i] = static_cast<std::uint8_t>(i);
  const SecretString a = encode_token("mt1", "abcdefghijklmnop", secret);
  const SecretString b = encode_token("mt1", "abcdefghijklmnop", secret);
  EXPECT_EQ(a.view(), b.view());
  // The checksum is the CRC of everything before it, big-endian, top three bits zero.
  const std::string_view text = a.view();
  EXPECT_EQ(with_valid_checksum(std::string(text.substr(0, text.size() - kChecksumLength))), text);
  EXPECT_NE(kAlphabet.find(text[text.size() - kChecksumLength]), std::string_view::npos);
  EXPECT_LT(kAlphabet.find(text[text.size() - kChecksumLength]), 4u);
}

TEST(ParseToken, RefusesEveryOneCharacterChange) {
  const NewToken token = fresh_token();
  const std::string text = text_of(token);
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string damaged = text;
    damaged[i] = damaged[i] == 'a' ? 'b' : 'a';
    expect_refused(damaged, "changed at " + std::to_string(i));
  }
}

TEST(ParseToken, ReportsAChangedSecretCharacterAsAChecksumMismatch) {
  std::string text = text_of(fresh_token());
  text[30] = text[30] == 'a' ? 'b' : 'a';
  auto parsed = parse_token(text, "mt1");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message, "token checksum mismatch");
}

TEST(ParseToken, RefusesEveryTruncation) {
  const std::string text = text_of(fresh_token());
  for (std::size_t length = 0; length < text.size(); ++length) {
    expect_refused(std::string_view(text).substr(0, length),
                   "truncated to " + std::to_string(length));
    expect_refused(std::string_view(text).substr(text.size() - length),
                   "suffix of " + std::to_string(length));
  }
}

TEST(ParseToken, RefusesAppendedCharacters) {
  const std::string text = text_of(fresh_token());
  expect_refused(text + "a", "one extra character");
  expect_refused(text + " ", "trailing space");
  expect_refused(" " + text, "leading space");
  expect_refused(text + "\n", "trailing newline");
}

TEST(ParseToken, RefusesOversizedInputWithAFixedMessage) {
  const std::string huge(10 * 1024, 'a');
  auto parsed = parse_token(huge, "mt1");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message, "malformed token");

  // A valid token followed by junk up to the limit and beyond.
  const std::string text = text_of(fresh_token());
  expect_refused(text + std::string(kMaxTokenLength, 'a'), "padded past the limit");
}

TEST(ParseToken, RefusesNulBytesInside) {
  const std::string text = text_of(fresh_token());
  for (std::size_t i :
       {std::size_t{0}, std::size_t{3}, std::size_t{10}, text.size() / 2, text.size() - 1}) {
    std::string damaged = text;
    damaged[i] = '\0';
    expect_refused(damaged, "NUL at " + std::to_string(i));
  }
  // NUL-truncated text with the remainder after it.
  expect_refused(text.substr(0, 20) + std::string(1, '\0') + text.substr(20), "NUL inserted");
}

TEST(ParseToken, RefusesAWrongPrefix) {
  const NewToken token = fresh_token("mt2");
  auto parsed = parse_token(token.text.view(), "mt1");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message, "wrong token prefix");

  const NewToken longer = fresh_token("mt12");
  EXPECT_FALSE(parse_token(longer.text.view(), "mt1").ok());
  EXPECT_FALSE(parse_token(token.text.view(), "mt").ok());
}

TEST(ParseToken, RefusesUpperCase) {
  const std::string text = text_of(fresh_token());
  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  expect_refused(upper, "all upper case");
  std::string one_upper = text;
  for (std::size_t i = 4; i < one_upper.size(); ++i) {
    if (one_upper[i] >= 'a' && one_upper[i] <= 'z') {
      one_upper[i] = static_cast<char>(one_upper[i] - 'a' + 'A');
      break;
    }
  }
  expect_refused(one_upper, "one upper-case letter");
}

TEST(ParseToken, RefusesCharactersOutsideTheAlphabetEvenWithAValidChecksum) {
  const std::string text = text_of(fresh_token());
  const std::string body = text.substr(0, text.size() - kChecksumLength);
  for (char bad : {'0', '1', '8', '9', '=', '-', '+', '/', '\xff'}) {
    std::string damaged = body;
    damaged[10] = bad;
    expect_refused(with_valid_checksum(damaged), std::string("selector char ") + bad);
    damaged = body;
    damaged[40] = bad;
    expect_refused(with_valid_checksum(damaged), std::string("secret char ") + bad);
  }
}

TEST(ParseToken, RefusesMissingOrMovedSeparators) {
  const std::string text = text_of(fresh_token());
  const std::string body = text.substr(0, text.size() - kChecksumLength);
  std::string no_second = body;
  no_second[4 + kSelectorLength] = 'a';
  expect_refused(with_valid_checksum(no_second), "second separator replaced");
  std::string no_first = body;
  no_first[3] = 'a';
  expect_refused(with_valid_checksum(no_first), "first separator replaced");
}

TEST(ParseToken, RefusesNonCanonicalSecretBits) {
  // The last secret character carries 4 padding bits that must be zero: 'b' (value 1) sets one.
  const std::string text = text_of(fresh_token());
  std::string body = text.substr(0, text.size() - kChecksumLength);
  char& last = body.back();
  const std::size_t value = kAlphabet.find(last);
  ASSERT_EQ(value % 16, 0u);  // what generate_token emits
  last = kAlphabet[value | 1];
  auto parsed = parse_token(with_valid_checksum(body), "mt1");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message, "malformed token");
}

TEST(ParseToken, RefusesAChecksumWithTheTopBitsSet) {
  const std::string text = text_of(fresh_token());
  std::string damaged = text;
  const std::size_t at = text.size() - kChecksumLength;
  // Same low bits, one of the three always-zero top bits set.
  damaged[at] = kAlphabet[kAlphabet.find(text[at]) | 4];
  expect_refused(damaged, "checksum top bit");
}

TEST(ParseToken, MessagesNeverContainTheSecretText) {
  const std::string text = text_of(fresh_token());
  const std::string secret_text = text.substr(4 + kSelectorLength + 1, kSecretTextLength);
  std::string damaged = text;
  damaged.back() = damaged.back() == 'a' ? 'b' : 'a';
  auto parsed = parse_token(damaged, "mt1");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message.find(secret_text), std::string::npos);
  EXPECT_EQ(parsed.error().message.find(text.substr(4, kSelectorLength)), std::string::npos);
}

}  // namespace
}  // namespace mailtoken
