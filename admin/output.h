// How the tool shows tokens and plans: aligned tables and `key: value` lines for people,
// JSON (RapidJSON) for scripts. Pure functions of their input, so they are unit tested.
//
// Nothing here ever sees a token's secret or hash, except created_token_json, which puts the
// new token into a SecretString that is wiped after printing. Text from the database is
// shown safely: control characters become '?' in human output and are escaped in JSON;
// invalid UTF-8 becomes U+FFFD in JSON so the output always parses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mailtoken/secret.h"
#include "mailtoken/time_util.h"
#include "mailtoken/token_store.h"

namespace mailtoken::admin {

enum class TokenStatus { kActive, kExpired, kRevoked };
TokenStatus token_status(const TokenInfo& token, UnixTime now);
const char* token_status_name(TokenStatus status);  // "active", "expired", "revoked"

// First row is the header; columns separated by two spaces, padded by characters (code
// points), the last column unpadded. Cells are shown through display_cell.
std::string format_table(const std::vector<std::vector<std::string>>& rows);
// Text for a terminal: control characters and invalid UTF-8 -> '?', cut to max_chars with "...".
std::string display_cell(std::string_view text, std::size_t max_chars);

std::string tokens_table(const std::vector<TokenInfo>& tokens, UnixTime now);
std::string token_details(const TokenInfo& token, UnixTime now);
std::string tokens_json(const std::vector<TokenInfo>& tokens, UnixTime now);  // pretty array
std::string token_json(const TokenInfo& token, UnixTime now);                 // pretty object

// One compact line: {id, token, user, name, access, scopes, created_at, created_by, expires_at}.
SecretString created_token_json(const TokenInfo& token, const SecretString& token_text);
// The stderr notice after `create`: the warning line, then id, user, name, access, scopes, expiry.
std::string created_token_notice(const TokenInfo& token);

std::string plans_table(const std::vector<Plan>& plans);
std::string plans_json(const std::vector<Plan>& plans);
std::string describe_plan(const Plan& plan);  // "tokens allowed, at most 5 active per account"

}  // namespace mailtoken::admin
