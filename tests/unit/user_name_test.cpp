// User names: lowercased like Dovecot's %Lu, and refused when they could confuse a lookup.
#include "mailtoken/user_name.h"

#include <gtest/gtest.h>

namespace mailtoken {
namespace {

std::string normalized(std::string_view name) {
  auto n = normalize_user_name(name);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return n.ok() ? *n : std::string();
}

std::string refusal(std::string_view name) {
  auto n = normalize_user_name(name);
  EXPECT_FALSE(n.ok());
  if (n.ok()) return {};
  EXPECT_EQ(n.error().code, ErrorCode::kInvalidArgument);
  return n.error().message;
}

TEST(UserName, LowercasesAsciiOnly) {
  EXPECT_EQ(normalized("Alice@Example.COM"), "alice@example.com");
  EXPECT_EQ(normalized("bob"), "bob");
  EXPECT_EQ(normalized("a+tag_x-y.z!~"), "a+tag_x-y.z!~");
  // Non-ASCII letters are kept as they are: Dovecot's %L lowercases ASCII only.
  EXPECT_EQ(normalized("J\xc3\x9crgen"), "j\xc3\x9crgen");        // "JÜrgen"
  EXPECT_EQ(normalized("\xe2\x82\xac"), "\xe2\x82\xac");          // euro sign
  EXPECT_EQ(normalized("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");  // emoji
}

TEST(UserName, RefusesEmptyAndTooLong) {
  EXPECT_EQ(refusal(""), "user name is empty");
  EXPECT_EQ(normalized(std::string(255, 'a')).size(), 255u);
  EXPECT_EQ(refusal(std::string(256, 'a')), "user name is longer than 255 bytes");
}

TEST(UserName, RefusesControlsSpacesAndNul) {
  EXPECT_EQ(refusal("ali ce"), "user name contains a space");
  EXPECT_EQ(refusal(" alice"), "user name contains a space");
  EXPECT_EQ(refusal(std::string("ali\0ce", 6)), "user name contains a control character");
  EXPECT_EQ(refusal("alice\n"), "user name contains a control character");
  EXPECT_EQ(refusal("ali\tce"), "user name contains a control character");
  EXPECT_EQ(refusal("alice\x7f"), "user name contains a control character");
  EXPECT_EQ(refusal("alice\xc2\x85"), "user name contains a control character");  // U+0085 NEL
}

TEST(UserName, RefusesInvalidUtf8) {
  for (std::string_view bad : {
           std::string_view("\xff"),              // never valid
           std::string_view("a\x80z"),            // lone continuation byte
           std::string_view("\xc3"),              // truncated sequence
           std::string_view("\xc0\xaf"),          // overlong '/'
           std::string_view("\xe0\x80\xaf"),      // overlong
           std::string_view("\xed\xa0\x80"),      // surrogate U+D800
           std::string_view("\xf4\x90\x80\x80"),  // above U+10FFFF
           std::string_view("\xe2\x82"),          // truncated euro sign
       }) {
    EXPECT_EQ(refusal(bad), "user name is not valid UTF-8");
  }
}

}  // namespace
}  // namespace mailtoken
