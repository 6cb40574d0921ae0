// Short-lived HS256 JSON Web Tokens with which the gateway authenticates to Cyrus as the
// token's user (Cyrus `http_jwt_key_dir`; HOSTS.md). Cyrus accepts only the claims `sub` and
// `iat`, and checks `iat` against a clock that can lag the wall clock by a few ms, so `iat`
// is stamped one second in the past.
//
//   auto signer = JwtSigner::from_key_file("/etc/cyrus/jwt/mailtoken.key");
//   std::string jwt = signer->sign("alice", unix_now());   // "Authorization: Bearer " + jwt
//
// The key file is the one Cyrus reads: a PEM-style block
//   -----BEGIN HMAC KEY-----
//   <base64 key bytes>
//   -----END HMAC KEY-----
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mailtoken/result.h"
#include "mailtoken/secret.h"

namespace mailtoken::jmap {

class JwtSigner {
 public:
  // kInvalidArgument when the text has no HMAC KEY block or the key is shorter than 32 bytes.
  static Result<JwtSigner> from_pem(std::string_view pem_text);
  // kNotFound / kInvalidArgument with the path in the message (never the key).
  static Result<JwtSigner> from_key_file(const std::string& path);

  // header.payload.signature for {"sub": user, "iat": now_unix - 1}.
  std::string sign(std::string_view user, std::int64_t now_unix) const;

 private:
  explicit JwtSigner(SecretBytes key) : key_(std::move(key)) {}
  SecretBytes key_;
};

// base64url without padding (RFC 7515 section 2).
std::string base64url_encode(std::string_view bytes);

}  // namespace mailtoken::jmap
