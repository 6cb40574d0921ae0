// Token text: lowercase RFC 4648 base32 without padding, and a CRC32 checksum so that typos
// and truncations are refused before any database trip.
//
// Parse errors are fixed strings: the input is a password and must never appear in a message.
#include "mailtoken/token_codec.h"

#include <openssl/rand.h>

#include <array>
#include <cstring>

namespace mailtoken {
namespace {

constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::size_t kSelectorBytes = 10;  // 80 bits -> exactly 16 base32 characters
constexpr std::size_t kMinPrefixLength = 2;
constexpr std::size_t kMaxPrefixLength = 16;

constexpr const char* kMalformed = "malformed token";
constexpr const char* kWrongPrefix = "wrong token prefix";
constexpr const char* kChecksumMismatch = "token checksum mismatch";

// 0..31 for alphabet characters, 0xff for everything else (upper case included: tokens are
// emitted lowercase and accepting both would give one token two spellings).
constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = 0xff;
  for (std::uint8_t i = 0; i < 32; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr auto kDecode = make_decode_table();

// Slicing-by-8 tables (table[k][b] = CRC of byte b followed by k zero bytes): the checksum
// runs on every login attempt, and eight bytes per step is about four times the speed of the
// byte-at-a-time loop.
using CrcTables = std::array<std::array<std::uint32_t, 256>, 8>;
constexpr CrcTables make_crc_tables() {
  CrcTables t{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    t[0][n] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t n = 0; n < 256; ++n) t[k][n] = (t[k - 1][n] >> 8) ^ t[0][t[k - 1][n] & 0xffu];
  }
  return t;
}
constexpr CrcTables kCrc = make_crc_tables();

// No early exit: OR-ing the table values sets the 0x80 bit if any character is invalid.
bool all_base32(std::string_view text) {
  std::uint8_t seen = 0;
  for (char c : text)
    seen = static_cast<std::uint8_t>(seen | kDecode[static_cast<unsigned char>(c)]);
  return (seen & 0x80u) == 0;
}

// The checksum is the CRC as a 35-bit big-endian number: 7 characters, the first holding the
// three always-zero top bits.
void encode_checksum(std::uint32_t crc, char* out) {
  const std::uint64_t value = crc;
  for (std::size_t i = 0; i < kChecksumLength; ++i) {
    const auto shift = static_cast<unsigned>(5 * (kChecksumLength - 1 - i));
    out[i] = kAlphabet[(value >> shift) & 31u];
  }
}

// Decodes the secret's 52 characters (already checked to be in the alphabet) into its 32
// bytes: six groups of 8 characters -> 5 bytes, then 4 characters -> 2 bytes and 4 bits that
// must be zero, so every secret has exactly one accepted spelling.
static_assert(kSecretTextLength == 52 && kSecretBytes == 32);
bool decode_secret(std::string_view text, std::uint8_t* out) {
  const auto value = [&](std::size_t i) -> std::uint64_t {
    return kDecode[static_cast<unsigned char>(text[i])];
  };
  for (std::size_t group = 0; group < 6; ++group) {
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < 8; ++i) bits = (bits << 5) | value(group * 8 + i);
    for (std::size_t i = 0; i < 5; ++i)
      out[group * 5 + i] = static_cast<std::uint8_t>(bits >> (32 - 8 * i));
  }
  std::uint64_t tail = 0;
  for (std::size_t i = 48; i < 52; ++i) tail = (tail << 5) | value(i);
  out[30] = static_cast<std::uint8_t>(tail >> 12);
  out[31] = static_cast<std::uint8_t>(tail >> 4);
  return (tail & 0x0fu) == 0;
}

}  // namespace

bool is_valid_prefix(std::string_view prefix) {
  if (prefix.size() < kMinPrefixLength || prefix.size() > kMaxPrefixLength) return false;
  if (prefix.front() < 'a' || prefix.front() > 'z') return false;
  for (char c : prefix) {
    const bool lower = c >= 'a' && c <= 'z';
    const bool digit = c >= '0' && c <= '9';
    if (!lower && !digit) return false;
  }
  return true;
}

std::uint32_t crc32(std::string_view data) {
  std::uint32_t c = 0xffffffffu;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t n = data.size();
  const auto at = [&](std::size_t i) { return static_cast<std::uint32_t>(p[i]); };
  while (n >= 8) {
    const std::uint32_t lo = c ^ (at(0) | at(1) << 8 | at(2) << 16 | at(3) << 24);
    c = kCrc[7][lo & 0xffu] ^ kCrc[6][(lo >> 8) & 0xffu] ^ kCrc[5][(lo >> 16) & 0xffu] ^
        kCrc[4][lo >> 24] ^ kCrc[3][at(4)] ^ kCrc[2][at(5)] ^ kCrc[1][at(6)] ^ kCrc[0][at(7)];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = kCrc[0][(c ^ *p++) & 0xffu] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

std::string base32_encode(const std::uint8_t* data, std::size_t size) {
  std::string out;
  out.reserve((size * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  unsigned bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(buffer >> bits) & 31u]);
    }
    buffer &= (1u << bits) - 1;
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31u]);
  return out;
}

Result<ParsedToken> parse_token(std::string_view text, std::string_view expected_prefix) {
  // Length first: nothing else looks at an oversized input.
  if (text.size() > kMaxTokenLength) return make_error(ErrorCode::kInvalidArgument, kMalformed);

  const std::size_t expected_size =
      expected_prefix.size() + 1 + kSelectorLength + 1 + kSecretTextLength + kChecksumLength;
  if (text.size() != expected_size) return make_error(ErrorCode::kInvalidArgument, kMalformed);
  if (text.substr(0, expected_prefix.size()) != expected_prefix ||
      text[expected_prefix.size()] != '_') {
    return make_error(ErrorCode::kInvalidArgument, kWrongPrefix);
  }

  const std::size_t selector_at = expected_prefix.size() + 1;
  const std::size_t secret_at = selector_at + kSelectorLength + 1;
  const std::size_t checksum_at = secret_at + kSecretTextLength;
  const std::string_view selector = text.substr(selector_at, kSelectorLength);
  const std::string_view secret_text = text.substr(secret_at, kSecretTextLength);
  const std::string_view checksum = text.substr(checksum_at, kChecksumLength);
  if (text[secret_at - 1] != '_' || !all_base32(selector) || !all_base32(secret_text) ||
      !all_base32(checksum)) {
    return make_error(ErrorCode::kInvalidArgument, kMalformed);
  }

  char expected_checksum[kChecksumLength];
  encode_checksum(crc32(text.substr(0, checksum_at)), expected_checksum);
  if (std::memcmp(expected_checksum, checksum.data(), kChecksumLength) != 0) {
    return make_error(ErrorCode::kInvalidArgument, kChecksumMismatch);
  }

  std::uint8_t secret[kSecretBytes];
  const bool canonical = decode_secret(secret_text, secret);
  ParsedToken parsed;
  if (canonical) parsed.secret = SecretBytes(secret, sizeof secret);
  wipe(secret, sizeof secret);
  if (!canonical) return make_error(ErrorCode::kInvalidArgument, kMalformed);
  parsed.selector.assign(selector);
  return parsed;
}

SecretString encode_token(std::string_view prefix, std::string_view selector,
                          const SecretBytes& secret) {
  std::string text;
  text.reserve(prefix.size() + 2 + selector.size() + kSecretTextLength + kChecksumLength);
  text.append(prefix);
  text.push_back('_');
  text.append(selector);
  text.push_back('_');
  std::string secret_text = base32_encode(secret.view().data(), secret.view().size());
  text.append(secret_text);
  wipe(secret_text.data(), secret_text.size());
  char checksum[kChecksumLength];
  encode_checksum(crc32(text), checksum);
  text.append(checksum, kChecksumLength);
  return SecretString(std::move(text));
}

Result<NewToken> generate_token(std::string_view prefix) {
  if (!is_valid_prefix(prefix)) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "token prefix must be 2-16 lowercase letters or digits, starting with a letter");
  }
  std::uint8_t selector_bytes[kSelectorBytes];
  SecretBytes secret(kSecretBytes);
  if (RAND_bytes(selector_bytes, sizeof selector_bytes) != 1 ||
      RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    return make_error(ErrorCode::kInternal, "the system random number generator failed");
  }
  NewToken token;
  token.selector = base32_encode(selector_bytes, sizeof selector_bytes);
  token.text = encode_token(prefix, token.selector, secret);
  token.secret = std::move(secret);
  return token;
}

}  // namespace mailtoken
