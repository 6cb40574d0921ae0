// Verifier: the hot path that turns (user, token text, protocol) into allow / deny / retry.
//
//   parse + checksum (no I/O) -> lookup by selector -> constant-time hash compare ->
//   user matches, not revoked, not expired, plan allows -> scope and access for this protocol
//
// Outcomes:
//   kAllow     the token grants this login; `grant` and `token_id` say what it may do.
//   kMismatch  not a valid token for this user (malformed, unknown, wrong secret, revoked,
//              other user): a plain authentication failure; `log_reason` says why, for logs.
//   kRefused   a valid token that may not be used here (scope, read-only not enforceable,
//              expired, plan denies): `client_reason` is shown to the client.
//   kTempFail  the database could not be asked: retry later. Never an accept.
// No field of an outcome ever contains the token or any part of its secret.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mailtoken/config.h"
#include "mailtoken/pepper.h"
#include "mailtoken/scopes.h"
#include "mailtoken/token_store.h"

namespace mailtoken {

enum class VerifyStatus { kAllow, kMismatch, kRefused, kTempFail };

struct VerifyRequest {
  std::string_view user;       // login name as the host normalised it; empty for a bearer
                               // login (jmap) where the token names its owner (outcome.user)
  std::string_view token;      // the password / bearer text (secret: never logged)
  std::string_view service;    // host service name: imap, pop3, submission, sieve, jmap, ...
  std::string_view remote_ip;  // for last-used; may be empty
};

struct VerifyOutcome {
  VerifyStatus status = VerifyStatus::kMismatch;
  std::string token_id;       // selector, when the text parsed; safe to log
  std::string user;           // token owner (on allow)
  Grant grant;                // on allow
  std::string client_reason;  // on refuse: shown to the client
  std::string log_reason;     // always: for the host's log (no secrets)
  // On refuse: the token is past its expiry (HTTP answers 401 invalid_token for it, RFC 6750,
  // rather than 403 as for plan or scope refusals).
  bool expired = false;
  // On allow: whether record_use() should write (last write older than last_used_interval).
  bool wants_record_use = false;
  std::int64_t row_id = 0;
  std::optional<Protocol> protocol;
};

class Verifier {
 public:
  Verifier(Config config, PepperRing peppers, std::unique_ptr<TokenStore> read_store,
           std::unique_ptr<TokenStore> write_store);
  // Loads config, peppers, and opens the stores (lazily connected).
  static Result<std::unique_ptr<Verifier>> create(const std::string& config_path);

  VerifyOutcome verify(const VerifyRequest& request, UnixTime now);
  // Writes last-used (time, IP, protocol) if the outcome asks for it. Call after answering
  // the client; failures are only logged by the caller.
  Status record_use(const VerifyOutcome& outcome, std::string_view remote_ip, UnixTime now);

  const Config& config() const { return config_; }

 private:
  Config config_;
  PepperRing peppers_;
  std::unique_ptr<TokenStore> read_store_;
  std::unique_ptr<TokenStore> write_store_;  // may be null: use read_store_
};

}  // namespace mailtoken
