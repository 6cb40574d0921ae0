// Checks of the values an admin types, factored out of the commands so they can be unit
// tested without a database. Every failure is kInvalidArgument with a message that names the
// problem; messages quote user input only through `printable`, and never echo anything that
// looks like a whole token (an admin who pastes a token where an id belongs must not see it
// copied into logs or terminal scrollback once more).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailtoken/result.h"
#include "mailtoken/scopes.h"

namespace mailtoken::admin {

inline constexpr std::size_t kMaxTokenNameLength = 200;  // characters (code points)
inline constexpr std::size_t kMaxActorLength = 255;
inline constexpr std::size_t kMaxPlanNameLength = 64;
inline constexpr std::int64_t kMaxTokensCap = 1000000;

bool is_valid_utf8(std::string_view text);
// Code points of valid UTF-8 text (bytes that are not continuation bytes).
std::size_t utf8_length(std::string_view text);
// C0 controls, DEL, and the C1 controls U+0080..U+009F (terminal escapes).
bool has_control_character(std::string_view text);

// Token names are stored verbatim: 1..200 characters of valid UTF-8, no control characters.
Status validate_token_name(std::string_view name);
// --by: who did it, for the audit trail. Same rules as names, up to 255 bytes.
Status validate_actor(std::string_view actor);
// Plan names: 1..64 of A-Z a-z 0-9 . _ -
Status validate_plan_name(std::string_view name);
// "allowed" -> true, "denied" -> false.
Result<bool> parse_tokens_policy(std::string_view text);
// --max-tokens N: 1..1000000 (a plan that allows no token says --tokens denied).
Status validate_max_tokens(std::int64_t n);

// All --scope values (each may be a comma list); none given means `mail`.
Result<ScopeSet> parse_scope_options(const std::vector<std::string>& values);

// A token id as shown by `list`: the 16-character selector (a-z, 2-7), case-insensitive.
Result<std::string> parse_token_id(std::string_view text);

// True for text shaped like a whole token (prefix_selector_secret): long, '_'-separated.
bool looks_like_token(std::string_view text);

// User input made safe for a one-line message: control characters become '?', invalid
// UTF-8 bytes '?', cut to max_chars with "...", and (unless hide_token_like is false)
// token-looking text is not shown at all.
std::string printable(std::string_view text, std::size_t max_chars = 64,
                      bool hide_token_like = true);

}  // namespace mailtoken::admin
