// The admin tool's checks of typed values: token names, ids, plans, scopes, --by.
#include <gtest/gtest.h>

#include <string>

#include "admin/validation.h"

namespace mailtoken::admin {
namespace {

TEST(AdminValidationTest, TokenNameAcceptsUtf8AndSqlLookingTextVerbatim) {
  EXPECT_TRUE(validate_token_name("Backup script"));
  EXPECT_TRUE(
      validate_token_name("Telefon \xC3\xBC"
                          "ber WLAN"));
  EXPECT_TRUE(validate_token_name("Robert'); DROP TABLE tokens;--"));
  EXPECT_TRUE(validate_token_name(std::string(200, 'x')));
  // 200 characters of two bytes each are still 200 characters.
  std::string umlauts;
  for (int i = 0; i < 200; ++i) umlauts += "\xC3\xA4";
  EXPECT_TRUE(validate_token_name(umlauts));
}

TEST(AdminValidationTest, TokenNameRefusesEmptyLongControlAndBadUtf8) {
  EXPECT_EQ(validate_token_name("").error().message, "token name is empty");
  EXPECT_FALSE(validate_token_name(std::string(201, 'x')));
  EXPECT_FALSE(validate_token_name("tab\there"));
  EXPECT_FALSE(validate_token_name("new\nline"));
  EXPECT_FALSE(validate_token_name("del\x7f"));
  EXPECT_FALSE(validate_token_name("c1 \xC2\x9B control"));  // CSI, a terminal escape
  EXPECT_FALSE(validate_token_name("bad \xFF byte"));
  EXPECT_FALSE(validate_token_name("overlong \xC0\xAF"));
  EXPECT_FALSE(validate_token_name("surrogate \xED\xA0\x80"));
  EXPECT_FALSE(validate_token_name(std::string("nul\0inside", 10)));
  EXPECT_EQ(validate_token_name("a\tb").error().code, ErrorCode::kInvalidArgument);
}

TEST(AdminValidationTest, TokenIdIsSixteenBase32CharactersCaseInsensitive) {
  EXPECT_EQ(*parse_token_id("abcdefghijklmn23"), "abcdefghijklmn23");
  EXPECT_EQ(*parse_token_id("ABCDEFGHIJKLMN23"), "abcdefghijklmn23");
  EXPECT_FALSE(parse_token_id(""));
  EXPECT_FALSE(parse_token_id("abcdefghijklmn2"));    // 15
  EXPECT_FALSE(parse_token_id("abcdefghijklmn234"));  // 17
  EXPECT_FALSE(parse_token_id("abcdefghijklmn18"));   // 1 and 8 are not base32
  EXPECT_FALSE(parse_token_id("1 OR 1=1; --aaaaa"));
}

TEST(AdminValidationTest, WholeTokenGivenAsIdIsRefusedWithoutEchoingIt) {
  const std::string token =
      "mt1_abcdefghijklmn23_quqbqojiqpgfhf4dmsuxhymlqspffxzhwwpvntup66ng6rcypmiadpeevnm";
  auto id = parse_token_id(token);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().message.find("quqbqoj"), std::string::npos);
  EXPECT_NE(id.error().message.find("whole token"), std::string::npos);
  EXPECT_EQ(printable(token), "<token-like text not shown>");
}

TEST(AdminValidationTest, ScopeOptionsDefaultToMailAndMergeRepeatsAndLists) {
  EXPECT_EQ(*parse_scope_options({}), ScopeSet::of(Scope::kMail));
  auto merged = parse_scope_options({"mail,submission", "sieve", "mail"});
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->to_string(), "mail,submission,sieve");
  EXPECT_FALSE(parse_scope_options({"mail", "bogus"}));
  EXPECT_FALSE(parse_scope_options({""}));
}

TEST(AdminValidationTest, PlanNamesPoliciesAndCaps) {
  EXPECT_TRUE(validate_plan_name("free-2024.v1_b"));
  EXPECT_FALSE(validate_plan_name(""));
  EXPECT_FALSE(validate_plan_name("x y"));
  EXPECT_FALSE(validate_plan_name("x';--"));
  EXPECT_FALSE(validate_plan_name(std::string(65, 'p')));
  EXPECT_TRUE(*parse_tokens_policy("allowed"));
  EXPECT_FALSE(*parse_tokens_policy("denied"));
  EXPECT_FALSE(parse_tokens_policy("yes"));
  EXPECT_FALSE(validate_max_tokens(0));
  EXPECT_FALSE(validate_max_tokens(-3));
  EXPECT_TRUE(validate_max_tokens(1));
  EXPECT_FALSE(validate_max_tokens(kMaxTokensCap + 1));
}

TEST(AdminValidationTest, ActorMustBeShortPrintableText) {
  EXPECT_TRUE(validate_actor("root"));
  EXPECT_FALSE(validate_actor(""));
  EXPECT_FALSE(validate_actor("evil\r\nforged log line"));
  EXPECT_FALSE(validate_actor(std::string(256, 'a')));
}

TEST(AdminValidationTest, PrintableMakesInputSafeForOneLine) {
  EXPECT_EQ(printable("plain"), "plain");
  EXPECT_EQ(printable("a\nb\x1b[31m"), "a?b?[31m");
  EXPECT_EQ(printable("\xFF"), "?");
  EXPECT_EQ(printable("abcdef", 3), "abc...");
  EXPECT_EQ(printable("\xC3\xA4\xC3\xB6", 1), "\xC3\xA4...");
}

}  // namespace
}  // namespace mailtoken::admin
