// Token text format: generate, encode and parse API tokens without any I/O.
//
//   <prefix>_<selector>_<secret><checksum>
//   mt1_4kq7x2m9ab3cdefg_<52 base32 chars of secret><7 base32 chars of CRC32>
//
// - prefix: names the issuer, lowercase letters and digits, 2..16 characters, and should end
//   in a version digit (default "mt1"), so secret scanners can find leaked tokens.
// - selector: 16 characters of lowercase RFC 4648 base32 (80 random bits); public, unique,
//   the database key and the id shown in lists and logs.
// - secret: 32 bytes (256 bits) from RAND_bytes, base32 without padding (52 characters).
// - checksum: CRC32 of everything before it ("<prefix>_<selector>_<secret>"), as 7 base32
//   characters, so typos and truncations are refused before any database trip.
// Only letters, digits and '_' appear: the token is an IMAP atom and a double-click word.
//
//   auto token = generate_token("mt1");           // SecretString text + selector + secret
//   auto parsed = parse_token(text, "mt1");       // Result<ParsedToken>
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mailtoken/result.h"
#include "mailtoken/secret.h"

namespace mailtoken {

inline constexpr std::size_t kSelectorLength = 16;
inline constexpr std::size_t kSecretBytes = 32;
inline constexpr std::size_t kSecretTextLength = 52;  // base32 of 32 bytes, no padding
inline constexpr std::size_t kChecksumLength = 7;     // base32 of a 32-bit CRC
// Longest text parse_token will look at; longer input is refused without further work.
inline constexpr std::size_t kMaxTokenLength = 16 + 1 + kSelectorLength + 1 + kSecretTextLength + kChecksumLength;

struct ParsedToken {
  std::string selector;
  SecretBytes secret;  // the 32 decoded secret bytes
};

struct NewToken {
  SecretString text;  // the whole token, shown to the user exactly once
  std::string selector;
  SecretBytes secret;
};

// True when prefix is 2..16 lowercase letters/digits and starts with a letter.
bool is_valid_prefix(std::string_view prefix);

// Parses and checks a token. Fails with kInvalidArgument (a fixed message that never echoes
// the input) on any malformation: wrong prefix, wrong lengths, characters outside the
// alphabet, bad checksum, or input longer than kMaxTokenLength.
Result<ParsedToken> parse_token(std::string_view text, std::string_view expected_prefix);

// Draws a fresh selector and secret from the OS CSPRNG and encodes them. Fails (kInternal)
// only if RAND_bytes fails, or kInvalidArgument for a bad prefix.
Result<NewToken> generate_token(std::string_view prefix);

// Encodes given parts (used by generate_token, tests and benchmarks).
SecretString encode_token(std::string_view prefix, std::string_view selector,
                          const SecretBytes& secret);

// Helpers exposed for tests.
std::uint32_t crc32(std::string_view data);
std::string base32_encode(const std::uint8_t* data, std::size_t size);

}  // namespace mailtoken
