// User names as the core stores and compares them.
//
// Dovecot's default auth_username_format is %Lu: the user name reaching the passdb is
// lowercased. The core applies the same rule everywhere (admin tool and verifier): ASCII
// letters are lowercased, and names are then compared byte for byte. A valid name is 1..255
// bytes of printable, non-space ASCII or UTF-8 (no control characters, no NUL, no spaces).
#pragma once

#include <string>
#include <string_view>

#include "mailtoken/result.h"

namespace mailtoken {

inline constexpr std::size_t kMaxUserNameLength = 255;

// kInvalidArgument ("user name is empty", "user name contains a control character", ...).
Result<std::string> normalize_user_name(std::string_view name);

}  // namespace mailtoken
