// TokenStore: everything mailtoken keeps in its database, behind one interface.
//
// SociTokenStore implements it for SQLite and MariaDB through SOCI (same SQL, numbered
// migrations per database in sql/). Every method catches SOCI's exceptions and maps them:
// connection errors and failed queries -> kUnavailable (the verifier turns that into a
// temporary failure, and the store reconnects on the next call), unique violations ->
// kAlreadyExists. Methods are not thread-safe; use one store per thread/process.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mailtoken/result.h"
#include "mailtoken/scopes.h"
#include "mailtoken/time_util.h"

namespace mailtoken {

// What the verify path needs, read with a single indexed query by selector.
struct VerifyRecord {
  std::int64_t id = 0;
  std::string selector;
  std::string user;
  Grant grant;
  std::string hash;     // hex HMAC; empty once revoked
  std::string key_id;
  std::optional<UnixTime> expires_at;
  std::optional<UnixTime> revoked_at;
  std::optional<UnixTime> last_used_at;
  std::string plan;     // effective plan name (account's, or the default)
  bool plan_allows_tokens = true;
};

// A token as an admin sees it. Never holds the secret.
struct TokenInfo {
  std::int64_t id = 0;
  std::string selector;  // shown as the token's id
  std::string user;
  std::string name;
  Grant grant;
  UnixTime created_at = 0;
  std::string created_by;
  std::optional<UnixTime> expires_at;
  std::optional<UnixTime> revoked_at;
  std::string revoked_by;
  std::optional<UnixTime> last_used_at;
  std::string last_used_ip;
  std::string last_used_protocol;
};

struct NewTokenRow {
  std::string selector;
  std::string user;
  std::string name;
  Grant grant;
  std::string hash;
  std::string key_id;
  UnixTime created_at = 0;
  std::string created_by;
  std::optional<UnixTime> expires_at;
};

struct Plan {
  std::string name;
  bool tokens_allowed = true;
  std::optional<std::int64_t> max_tokens;  // nullopt: no cap
};

struct SchemaStatus {
  int current_version = 0;  // 0: empty database
  int latest_version = 0;   // highest migration shipped with this build
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;

  // Schema.
  virtual Result<SchemaStatus> schema_status() = 0;
  // Applies missing migrations in order, each in its own transaction; returns how many ran.
  virtual Result<int> migrate() = 0;

  // Verify path: nullopt when the selector is unknown.
  virtual Result<std::optional<VerifyRecord>> find_for_verify(const std::string& selector,
                                                              const std::string& default_plan) = 0;
  // Best effort, called after the login answer is sent. Does nothing for revoked tokens.
  virtual Status record_use(std::int64_t id, UnixTime when, const std::string& ip,
                            const std::string& protocol) = 0;

  // Admin. create_token checks the plan (tokens allowed, max_tokens against the user's active
  // tokens) and inserts the row and a 'created' event in one transaction: kFailedPrecondition
  // with a clear message when the plan forbids it.
  virtual Result<TokenInfo> create_token(const NewTokenRow& row, const std::string& default_plan) = 0;
  virtual Result<std::vector<TokenInfo>> list_tokens(const std::optional<std::string>& user,
                                                     bool include_revoked) = 0;
  virtual Result<TokenInfo> get_token(const std::string& selector) = 0;
  // Wipes the hash and sets revoked_at/revoked_by. kFailedPrecondition if already revoked,
  // kNotFound if unknown.
  virtual Result<TokenInfo> revoke_token(const std::string& selector, const std::string& by,
                                         UnixTime when) = 0;

  virtual Status set_plan(const Plan& plan) = 0;
  virtual Result<Plan> get_plan(const std::string& name) = 0;
  virtual Result<std::vector<Plan>> list_plans() = 0;
  // kNotFound if the plan does not exist.
  virtual Status set_account_plan(const std::string& user, const std::string& plan) = 0;
  // The account's plan name, or default_plan when the account has no row.
  virtual Result<std::string> account_plan(const std::string& user, const std::string& default_plan) = 0;

  // Audit trail (no secrets): event is e.g. "created", "revoked", "denied_by_plan".
  virtual Status add_event(const std::string& selector, const std::string& user,
                           const std::string& event, const std::string& detail, UnixTime when) = 0;
};

// Opens a store on a SOCI connection string ("sqlite3://db=..." or "mysql://..."). Connecting
// is lazy: a database that is down makes each call fail with kUnavailable until it is back.
// kInvalidArgument for a DSN of an unsupported backend.
Result<std::unique_ptr<TokenStore>> open_token_store(const std::string& dsn);

}  // namespace mailtoken
