// User names: ASCII lowercased like Dovecot's %Lu, then compared byte for byte.
//
// Non-ASCII letters are left alone (Dovecot's %L lowercases ASCII only), but the bytes must be
// well-formed UTF-8 so that one name cannot have several byte spellings.
#include "mailtoken/user_name.h"

namespace mailtoken {
namespace {

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 if it is not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  std::size_t length = 0;
  unsigned char min1 = 0x80, max1 = 0xbf;  // allowed range of the second byte
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    length = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    if (b0 == 0xe0) min1 = 0xa0;  // overlong
    if (b0 == 0xed) max1 = 0x9f;  // surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    if (b0 == 0xf0) min1 = 0x90;  // overlong
    if (b0 == 0xf4) max1 = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < min1 || byte(i + 1) > max1) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  }
  return length;
}

}  // namespace

Result<std::string> normalize_user_name(std::string_view name) {
  if (name.empty()) return make_error(ErrorCode::kInvalidArgument, "user name is empty");
  if (name.size() > kMaxUserNameLength) {
    return make_error(ErrorCode::kInvalidArgument, "user name is longer than 255 bytes");
  }
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) {
        return make_error(ErrorCode::kInvalidArgument, "user name contains a control character");
      }
      if (c == ' ') return make_error(ErrorCode::kInvalidArgument, "user name contains a space");
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c));
      ++i;
      continue;
    }
    const std::size_t length = utf8_sequence_length(name, i);
    if (length == 0) return make_error(ErrorCode::kInvalidArgument, "user name is not valid UTF-8");
    if (c == 0xc2 && static_cast<unsigned char>(name[i + 1]) < 0xa0) {  // U+0080..U+009F (C1)
      return make_error(ErrorCode::kInvalidArgument, "user name contains a control character");
    }
    out.append(name.substr(i, length));
    i += length;
  }
  return out;
}

}  // namespace mailtoken
