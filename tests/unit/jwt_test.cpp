// HS256 JWTs for Cyrus's http_jwt_key_dir: format, claims (sub, iat one second back), key file.
#include "jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace mailtoken::jmap {
namespace {

// 32 bytes 0x00..0x1f, base64.
constexpr const char* kKeyPem =
    "-----BEGIN HMAC KEY-----\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n-----END HMAC KEY-----\n";

std::string base64url_decode(const std::string& in) {
  std::string s = in;
  for (auto& c : s) c = c == '-' ? '+' : (c == '_' ? '/' : c);
  while (s.size() % 4) s += '=';
  std::vector<unsigned char> out(s.size());
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(s.data()),
                                static_cast<int>(s.size()));
  std::size_t len = n < 0 ? 0 : static_cast<std::size_t>(n);
  if (s.size() >= 1 && s[s.size() - 1] == '=') --len;
  if (s.size() >= 2 && s[s.size() - 2] == '=') --len;
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

TEST(Jwt, Base64UrlEncodeMatchesRfc4648Vectors) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Jwt, SignsSubAndIatOneSecondInThePastWithHs256) {
  auto signer = JwtSigner::from_pem(kKeyPem);
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  const std::string jwt = signer->sign("alice", 1700000000);
  const auto dot1 = jwt.find('.');
  const auto dot2 = jwt.find('.', dot1 + 1);
  ASSERT_NE(dot2, std::string::npos);

  rapidjson::Document header;
  header.Parse(base64url_decode(jwt.substr(0, dot1)).c_str());
  EXPECT_STREQ(header["alg"].GetString(), "HS256");
  rapidjson::Document payload;
  payload.Parse(base64url_decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1)).c_str());
  ASSERT_TRUE(payload.IsObject());
  EXPECT_EQ(payload.MemberCount(), 2u);  // Cyrus refuses any other claim
  EXPECT_STREQ(payload["sub"].GetString(), "alice");
  EXPECT_EQ(payload["iat"].GetInt64(), 1699999999);

  unsigned char key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<unsigned char>(i);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  const std::string input = jwt.substr(0, dot2);
  HMAC(EVP_sha256(), key, 32, reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
       &mac_len);
  EXPECT_EQ(jwt.substr(dot2 + 1), base64url_encode(std::string(reinterpret_cast<char*>(mac), mac_len)));
}

TEST(Jwt, UserNamesAreJsonEscaped) {
  auto signer = JwtSigner::from_pem(kKeyPem);
  ASSERT_TRUE(signer.ok());
  const std::string jwt = signer->sign("a\"b", 100);
  const auto dot1 = jwt.find('.');
  const auto dot2 = jwt.find('.', dot1 + 1);
  rapidjson::Document payload;
  payload.Parse(base64url_decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1)).c_str());
  ASSERT_FALSE(payload.HasParseError());
  EXPECT_STREQ(payload["sub"].GetString(), "a\"b");
}

TEST(Jwt, RefusesBadKeyFiles) {
  EXPECT_FALSE(JwtSigner::from_pem("").ok());
  EXPECT_FALSE(JwtSigner::from_pem("-----BEGIN HMAC KEY-----\n!!!\n-----END HMAC KEY-----\n").ok());
  // 16 bytes: too short for HS256.
  EXPECT_FALSE(JwtSigner::from_pem("-----BEGIN HMAC KEY-----\nAAECAwQFBgcICQoLDA0ODw==\n-----END HMAC KEY-----\n").ok());
  auto missing = JwtSigner::from_key_file("/nonexistent/mailtoken.key");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/mailtoken.key"), std::string::npos);
}

TEST(Jwt, ReadsTheKeyFileCyrusReads) {
  const std::string path = ::testing::TempDir() + "jwt_test.key";
  { std::ofstream(path) << kKeyPem; }
  auto signer = JwtSigner::from_key_file(path);
  std::remove(path.c_str());
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  EXPECT_EQ(signer->sign("alice", 1700000000), JwtSigner::from_pem(kKeyPem)->sign("alice", 1700000000));
}

}  // namespace
}  // namespace mailtoken::jmap
