// Pepper files (permissions, size), key ids, the token hash, and rotation.
#include "mailtoken/pepper.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "mailtoken/token_codec.h"

namespace mailtoken {
namespace {

namespace fs = std::filesystem;

class PepperFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/mailtoken-pepper-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_file(const std::string& name, const std::string& content, mode_t mode) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    ::chmod(path.c_str(), mode);
    return path;
  }

  fs::path dir_;
};

SecretBytes bytes_of(std::string_view s) {
  return SecretBytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

SecretBytes secret_of(std::uint8_t fill) {
  SecretBytes s(kSecretBytes);
  for (std::size_t i = 0; i < s.size(); ++i) s.data()[i] = static_cast<std::uint8_t>(fill + i);
  return s;
}

std::string reference_hmac_hex(std::string_view key, const SecretBytes& data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.view().data(), data.size(), out,
       &len);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    s.push_back(hex[out[i] >> 4]);
    s.push_back(hex[out[i] & 15]);
  }
  return s;
}

const std::string kKeyA(32, 'A');
const std::string kKeyB = "0123456789abcdef0123456789abcdef-b";

TEST(Pepper, HashIsLowercaseHexHmacSha256OfTheSecret) {
  const Pepper pepper = Pepper::from_bytes(bytes_of(kKeyA));
  const SecretBytes secret = secret_of(7);
  const std::string h = pepper.hash(secret);
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h, reference_hmac_hex(kKeyA, secret));
  // The same pepper gives the same hash each time (the prepared state is never consumed).
  EXPECT_EQ(pepper.hash(secret), h);
}

TEST(Pepper, HashMatchesRfc4231TestCase2) {
  // RFC 4231 4.3: key "Jefe", data "what do ya want for nothing?".
  const Pepper pepper = Pepper::from_bytes(bytes_of("Jefe"));
  EXPECT_EQ(pepper.hash(bytes_of("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Pepper, HashMatchesRfc4231TestCases1And6) {
  // Test case 1: a short key; test case 6: a key longer than a block, hashed first.
  const Pepper short_key = Pepper::from_bytes(bytes_of(std::string(20, '\x0b')));
  EXPECT_EQ(short_key.hash(bytes_of("Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  const Pepper long_key = Pepper::from_bytes(bytes_of(std::string(131, '\xaa')));
  EXPECT_EQ(long_key.hash(bytes_of("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // Exactly one block, and one byte over: the boundary of the hash-the-key rule.
  for (std::size_t size : {64u, 65u}) {
    const std::string key(size, 'k');
    EXPECT_EQ(Pepper::from_bytes(bytes_of(key)).hash(secret_of(3)),
              reference_hmac_hex(key, secret_of(3)));
  }
}

TEST(Pepper, KeyIdIsDerivedFromThePepper) {
  const Pepper a = Pepper::from_bytes(bytes_of(kKeyA));
  const Pepper a_again = Pepper::from_bytes(bytes_of(kKeyA));
  const Pepper b = Pepper::from_bytes(bytes_of(kKeyB));
  EXPECT_EQ(a.key_id().size(), 8u);
  EXPECT_EQ(a.key_id(), a_again.key_id());
  EXPECT_NE(a.key_id(), b.key_id());
  for (char c : a.key_id()) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  // First 8 hex digits of SHA-256("mailtoken-key-id" || pepper).
  unsigned char digest[32];
  const std::string input = "mailtoken-key-id" + kKeyA;
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  char expected[9];
  std::snprintf(expected, sizeof expected, "%02x%02x%02x%02x", digest[0], digest[1], digest[2],
                digest[3]);
  EXPECT_EQ(a.key_id(), expected);
}

TEST(Pepper, VerifyAcceptsOnlyTheRightSecretAndPepper) {
  const Pepper a = Pepper::from_bytes(bytes_of(kKeyA));
  const Pepper b = Pepper::from_bytes(bytes_of(kKeyB));
  const SecretBytes secret = secret_of(1);
  const std::string stored = a.hash(secret);
  EXPECT_TRUE(a.verify(secret, stored));
  EXPECT_FALSE(a.verify(secret_of(2), stored));
  EXPECT_FALSE(b.verify(secret, stored));
}

TEST(Pepper, VerifyRefusesMalformedStoredHashes) {
  const Pepper a = Pepper::from_bytes(bytes_of(kKeyA));
  const SecretBytes secret = secret_of(1);
  const std::string stored = a.hash(secret);
  EXPECT_FALSE(a.verify(secret, ""));
  EXPECT_FALSE(a.verify(secret, stored.substr(0, 63)));
  EXPECT_FALSE(a.verify(secret, stored + "0"));
  std::string bad_hex = stored;
  bad_hex[5] = 'g';
  EXPECT_FALSE(a.verify(secret, bad_hex));
  std::string flipped = stored;
  flipped[63] = flipped[63] == '0' ? '1' : '0';
  EXPECT_FALSE(a.verify(secret, flipped));
}

TEST_F(PepperFileTest, LoadsAPrivateFileAsBinary) {
  const std::string content = std::string("\0\x01\xff\n", 4) + std::string(40, 'x');
  const std::string path = write_file("pepper", content, 0640);
  auto pepper = Pepper::load_file(path);
  ASSERT_TRUE(pepper.ok()) << pepper.error().message;
  EXPECT_EQ(pepper->key_id(), Pepper::from_bytes(bytes_of(content)).key_id());
}

TEST_F(PepperFileTest, RefusesAWorldReadableFileNamingThePathAndTheFix) {
  for (mode_t mode : {0644, 0642, 0641, 0604}) {
    const std::string path = write_file("pepper", std::string(32, 'k'), mode);
    auto pepper = Pepper::load_file(path);
    ASSERT_FALSE(pepper.ok()) << std::oct << mode;
    EXPECT_NE(pepper.error().message.find(path), std::string::npos);
    EXPECT_NE(pepper.error().message.find("chmod 0640"), std::string::npos);
    EXPECT_EQ(pepper.error().message.find("kkkk"), std::string::npos);
  }
}

TEST_F(PepperFileTest, RefusesAShortFile) {
  const std::string path = write_file("pepper", std::string(31, 'k'), 0600);
  auto pepper = Pepper::load_file(path);
  ASSERT_FALSE(pepper.ok());
  EXPECT_NE(pepper.error().message.find(path), std::string::npos);
  EXPECT_NE(pepper.error().message.find("at least 32 bytes"), std::string::npos);
}

TEST_F(PepperFileTest, RefusesAMissingFileAndADirectory) {
  EXPECT_FALSE(Pepper::load_file((dir_ / "missing").string()).ok());
  fs::create_directory(dir_ / "sub");
  ::chmod((dir_ / "sub").c_str(), 0750);
  EXPECT_FALSE(Pepper::load_file((dir_ / "sub").string()).ok());
}

TEST_F(PepperFileTest, CreatePepperFileWritesAPrivateRandomKeyOnce) {
  const std::string path = (dir_ / "new-pepper").string();
  const mode_t old_umask = ::umask(0);  // the mode must not depend on the umask
  const Status created = create_pepper_file(path);
  ::umask(old_umask);
  ASSERT_TRUE(created.ok()) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_TRUE(Pepper::load_file(path).ok());

  const auto key_id = Pepper::load_file(path)->key_id();
  const Status again = create_pepper_file(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(Pepper::load_file(path)->key_id(), key_id);  // not overwritten

  const std::string other = (dir_ / "other-pepper").string();
  ASSERT_TRUE(create_pepper_file(other).ok());
  EXPECT_NE(Pepper::load_file(other)->key_id(), key_id);
}

TEST_F(PepperFileTest, RingVerifiesOldHashesWithTheRetiredPepper) {
  const std::string old_path = write_file("old", kKeyA, 0640);
  const std::string new_path = write_file("new", kKeyB, 0640);
  const Pepper old_pepper = Pepper::from_bytes(bytes_of(kKeyA));
  const SecretBytes secret = secret_of(9);
  const std::string old_hash = old_pepper.hash(secret);

  auto ring = PepperRing::load(new_path, {old_path});
  ASSERT_TRUE(ring.ok()) << ring.error().message;
  EXPECT_EQ(ring->current().key_id(), Pepper::from_bytes(bytes_of(kKeyB)).key_id());
  const Pepper* retired = ring->find(old_pepper.key_id());
  ASSERT_NE(retired, nullptr);
  EXPECT_TRUE(retired->verify(secret, old_hash));
  EXPECT_FALSE(ring->current().verify(secret, old_hash));
  EXPECT_EQ(ring->find("00000000"), nullptr);
}

TEST_F(PepperFileTest, RingRefusesTheSameKeyTwiceAndABadRetiredFile) {
  const std::string a = write_file("a", kKeyA, 0640);
  const std::string a_copy = write_file("a-copy", kKeyA, 0640);
  EXPECT_FALSE(PepperRing::load(a, {a_copy}).ok());
  const std::string open = write_file("open", kKeyB, 0644);
  EXPECT_FALSE(PepperRing::load(a, {open}).ok());
}

}  // namespace
}  // namespace mailtoken
