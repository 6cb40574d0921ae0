#include "admin/validation.h"

#include <algorithm>
#include <cctype>

namespace mailtoken::admin {
namespace {

// Length of the UTF-8 sequence starting at text[i], or 0 if it is not a valid one
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0Fu;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

bool is_c1_control_at(std::string_view text, std::size_t i) {
  // U+0080..U+009F is encoded as C2 80..C2 9F.
  return i + 1 < text.size() && static_cast<unsigned char>(text[i]) == 0xC2 &&
         static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
         static_cast<unsigned char>(text[i + 1]) <= 0x9F;
}

bool is_c0_or_del(unsigned char c) { return c < 0x20 || c == 0x7F; }

bool is_base32_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); }

constexpr std::size_t kSelectorLength = 16;

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool has_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_c0_or_del(static_cast<unsigned char>(text[i])) || is_c1_control_at(text, i)) return true;
  }
  return false;
}

Status validate_token_name(std::string_view name) {
  if (name.empty()) return make_error(ErrorCode::kInvalidArgument, "token name is empty");
  if (!is_valid_utf8(name)) {
    return make_error(ErrorCode::kInvalidArgument, "token name is not valid UTF-8");
  }
  if (has_control_character(name)) {
    return make_error(ErrorCode::kInvalidArgument, "token name contains a control character");
  }
  if (utf8_length(name) > kMaxTokenNameLength) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "token name is longer than " + std::to_string(kMaxTokenNameLength) + " characters");
  }
  return ok_status();
}

Status validate_actor(std::string_view actor) {
  if (actor.empty()) return make_error(ErrorCode::kInvalidArgument, "--by is empty");
  if (actor.size() > kMaxActorLength) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--by is longer than " + std::to_string(kMaxActorLength) + " bytes");
  }
  if (!is_valid_utf8(actor) || has_control_character(actor)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--by must be UTF-8 text without control characters");
  }
  return ok_status();
}

Status validate_plan_name(std::string_view name) {
  if (name.empty()) return make_error(ErrorCode::kInvalidArgument, "plan name is empty");
  const bool allowed_chars = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
  });
  if (!allowed_chars || name.size() > kMaxPlanNameLength) {
    return make_error(ErrorCode::kInvalidArgument,
                      "invalid plan name '" + printable(name) +
                          "': use 1 to 64 letters, digits, '.', '_' or '-'");
  }
  return ok_status();
}

Result<bool> parse_tokens_policy(std::string_view text) {
  if (text == "allowed") return true;
  if (text == "denied") return false;
  return make_error(ErrorCode::kInvalidArgument,
                    "--tokens must be 'allowed' or 'denied', not '" + printable(text) + "'");
}

Status validate_max_tokens(std::int64_t n) {
  if (n < 1 || n > kMaxTokensCap) {
    return make_error(ErrorCode::kInvalidArgument, "--max-tokens must be between 1 and " +
                                                       std::to_string(kMaxTokensCap) +
                                                       " (to forbid tokens use --tokens denied)");
  }
  return ok_status();
}

Result<ScopeSet> parse_scope_options(const std::vector<std::string>& values) {
  if (values.empty()) return ScopeSet::of(Scope::kMail);
  ScopeSet scopes;
  for (const std::string& value : values) {
    auto parsed = parse_scope_list(value);
    if (!parsed) return parsed.error();
    for (Scope s : kAllScopes) {
      if (parsed->has(s)) scopes.add(s);
    }
  }
  return scopes;
}

Result<std::string> parse_token_id(std::string_view text) {
  if (looks_like_token(text)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "that looks like a whole token; pass only its id as shown by "
                      "'mailtoken list' (the token was not shown again here)");
  }
  std::string id(text);
  std::transform(id.begin(), id.end(), id.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  if (id.size() != kSelectorLength || !std::all_of(id.begin(), id.end(), is_base32_lower)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "invalid token id '" + printable(text) +
                          "': an id is 16 characters of a-z and 2-7, as shown by 'mailtoken list'");
  }
  return id;
}

bool looks_like_token(std::string_view text) {
  // A whole token is prefix_selector_secret+checksum: well over 60 characters with at least
  // two underscores. Ids, user names and plan names are far shorter or differently shaped.
  return text.size() >= 60 && std::count(text.begin(), text.end(), '_') >= 2;
}

std::string printable(std::string_view text, std::size_t max_chars, bool hide_token_like) {
  if (hide_token_like && looks_like_token(text)) return "<token-like text not shown>";
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (chars == max_chars) {
      out += "...";
      break;
    }
    const std::size_t len = utf8_sequence_length(text, i);
    if (len == 0 || is_c0_or_del(static_cast<unsigned char>(text[i])) ||
        is_c1_control_at(text, i)) {
      out += '?';
      i += len == 0 ? 1 : len;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
    ++chars;
  }
  return out;
}

}  // namespace mailtoken::admin
