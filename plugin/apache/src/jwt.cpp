#include "jwt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <fstream>
#include <sstream>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mailtoken::jmap {
namespace {

constexpr std::string_view kBegin = "-----BEGIN HMAC KEY-----";
constexpr std::string_view kEnd = "-----END HMAC KEY-----";
constexpr std::size_t kMinKeyBytes = 32;

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with optional padding; whitespace is skipped. False on any other byte.
bool base64_decode(std::string_view text, SecretBytes& out) {
  SecretBytes bytes(text.size() / 4 * 3 + 3);
  std::size_t n = 0;
  std::uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int v = base64_value(c);
    if (v < 0 || padding) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.data()[n++] = static_cast<std::uint8_t>((acc >> bits) & 0xFF);
    }
  }
  out = SecretBytes(bytes.data(), n);
  return true;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto v = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                   static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

Result<JwtSigner> JwtSigner::from_pem(std::string_view pem_text) {
  const auto begin = pem_text.find(kBegin);
  const auto end = pem_text.find(kEnd);
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
    return make_error(ErrorCode::kInvalidArgument, "no '-----BEGIN HMAC KEY-----' block");
  }
  const auto body = pem_text.substr(begin + kBegin.size(), end - begin - kBegin.size());
  SecretBytes key;
  if (!base64_decode(body, key)) {
    return make_error(ErrorCode::kInvalidArgument, "HMAC KEY block is not valid base64");
  }
  if (key.size() < kMinKeyBytes) {
    return make_error(ErrorCode::kInvalidArgument, "HMAC key is shorter than 32 bytes");
  }
  return JwtSigner(std::move(key));
}

Result<JwtSigner> JwtSigner::from_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read JWT key file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  auto signer = from_pem(content);
  wipe(content.data(), content.size());
  if (!signer) return make_error(signer.error().code, path + ": " + signer.error().message);
  return signer;
}

std::string JwtSigner::sign(std::string_view user, std::int64_t now_unix) const {
  // {"alg":"HS256","typ":"JWT"}
  static const std::string kHeader = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  rapidjson::StringBuffer payload;
  rapidjson::Writer<rapidjson::StringBuffer> writer(payload);
  writer.StartObject();
  writer.Key("sub");
  writer.String(user.data(), static_cast<rapidjson::SizeType>(user.size()));
  writer.Key("iat");
  writer.Int64(now_unix - 1);
  writer.EndObject();

  std::string signing_input = kHeader;
  signing_input += '.';
  signing_input += base64url_encode(std::string_view(payload.GetString(), payload.GetSize()));

  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key_.view().data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac.data(),
       &mac_len);
  signing_input += '.';
  signing_input += base64url_encode(
      std::string_view(reinterpret_cast<const char*>(mac.data()), mac_len));
  return signing_input;
}

}  // namespace mailtoken::jmap
