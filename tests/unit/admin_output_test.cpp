// What `mailtoken list/show/create` print, for people and for scripts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "admin/output.h"

namespace mailtoken::admin {
namespace {

constexpr UnixTime kNow = 1796320000;  // 2026-12-03T...

TokenInfo sample_token() {
  TokenInfo t;
  t.id = 7;
  t.selector = "abcdefghijklmn23";
  t.user = "alice";
  t.name = "Backup \"script\"";
  t.grant = Grant{Access::kReadOnly, ScopeSet::of(Scope::kMail)};
  t.grant.scopes.add(Scope::kSieve);
  t.created_at = kNow - 3600;
  t.created_by = "root";
  return t;
}

TEST(AdminOutputTest, StatusFollowsRevocationThenExpiry) {
  TokenInfo t = sample_token();
  EXPECT_EQ(token_status(t, kNow), TokenStatus::kActive);
  t.expires_at = kNow + 1;
  EXPECT_EQ(token_status(t, kNow), TokenStatus::kActive);
  t.expires_at = kNow;
  EXPECT_EQ(token_status(t, kNow), TokenStatus::kExpired);
  t.revoked_at = kNow - 10;
  EXPECT_EQ(token_status(t, kNow), TokenStatus::kRevoked);
  EXPECT_STREQ(token_status_name(TokenStatus::kExpired), "expired");
}

TEST(AdminOutputTest, JsonHasTheDocumentedKeysAndNulls) {
  const std::string json = token_json(sample_token(), kNow);
  for (const char* key :
       {"\"id\": \"abcdefghijklmn23\"", "\"user\": \"alice\"",
        "\"name\": \"Backup \\\"script\\\"\"", "\"access\": \"read-only\"",
        "\"created_by\": \"root\"", "\"expires_at\": null", "\"revoked_at\": null",
        "\"last_used_at\": null", "\"last_used_ip\": null", "\"last_used_protocol\": null",
        "\"status\": \"active\""}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
  }
  EXPECT_NE(json.find("\"mail\""), std::string::npos);
  EXPECT_NE(json.find("\"sieve\""), std::string::npos);
  EXPECT_EQ(json.find("hash"), std::string::npos);
}

TEST(AdminOutputTest, JsonEscapesControlCharactersAndRepairsBadUtf8) {
  TokenInfo t = sample_token();
  t.name = std::string("a\x01z\xFF", 4);
  const std::string json = token_json(t, kNow);
  EXPECT_NE(json.find("a\\u0001z\xEF\xBF\xBD"), std::string::npos) << json;
}

TEST(AdminOutputTest, ListJsonIsAnArray) {
  EXPECT_EQ(tokens_json({}, kNow), "[]\n");
  const std::string two = tokens_json({sample_token(), sample_token()}, kNow);
  EXPECT_EQ(two.front(), '[');
  EXPECT_EQ(two.substr(two.size() - 2), "]\n");
}

TEST(AdminOutputTest, CreatedJsonIsOneLineWithTheToken) {
  TokenInfo t = sample_token();
  t.expires_at = kNow + 86400;
  const SecretString token("mt1_abcdefghijklmn23_secretpart");
  const SecretString json = created_token_json(t, token);
  const std::string_view text = json.view();
  EXPECT_EQ(text.find('\n'), std::string_view::npos);
  EXPECT_NE(text.find("\"token\":\"mt1_abcdefghijklmn23_secretpart\""), std::string_view::npos);
  EXPECT_NE(text.find("\"expires_at\":\"2026-12-04T"), std::string_view::npos) << text;
  EXPECT_NE(text.find("\"scopes\":[\"mail\",\"sieve\"]"), std::string_view::npos);
}

TEST(AdminOutputTest, TableAlignsColumnsByCharacters) {
  const std::string table =
      format_table({{"A", "B"}, {"\xC3\xA4\xC3\xA4\xC3\xA4", "x"}, {"z", "y"}});
  EXPECT_EQ(table, "A    B\n\xC3\xA4\xC3\xA4\xC3\xA4  x\nz    y\n");
}

TEST(AdminOutputTest, TableNeutralisesTerminalEscapesFromTheDatabase) {
  TokenInfo t = sample_token();
  t.name = "evil\x1b]0;title\x07";
  const std::string table = tokens_table({t}, kNow);
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  EXPECT_NE(table.find("evil?]0;title?"), std::string::npos);
  EXPECT_NE(table.find("read-only"), std::string::npos);
  EXPECT_NE(table.find("mail,sieve"), std::string::npos);
  EXPECT_NE(table.find("never"), std::string::npos);
}

TEST(AdminOutputTest, DetailsShowLastUse) {
  TokenInfo t = sample_token();
  t.last_used_at = kNow - 60;
  t.last_used_ip = "192.0.2.1";
  t.last_used_protocol = "imap";
  const std::string details = token_details(t, kNow);
  EXPECT_NE(details.find("last used ip:       192.0.2.1\n"), std::string::npos) << details;
  EXPECT_NE(details.find("last used protocol: imap\n"), std::string::npos);
  EXPECT_NE(details.find("status:             active\n"), std::string::npos);
}

TEST(AdminOutputTest, NoticeStartsWithTheWarning) {
  const std::string notice = created_token_notice(sample_token());
  EXPECT_EQ(notice.rfind("Save this token now: it cannot be shown again.\n", 0), 0u);
  EXPECT_NE(notice.find("  expires: never\n"), std::string::npos);
}

TEST(AdminOutputTest, PlansAsTableAndJson) {
  std::vector<Plan> plans = {{"free", false, std::nullopt}, {"pro", true, 5}};
  EXPECT_EQ(plans_table(plans), "PLAN  TOKENS   MAX TOKENS\nfree  denied   -\npro   allowed  5\n");
  const std::string json = plans_json(plans);
  EXPECT_NE(json.find("\"max_tokens\": 5"), std::string::npos);
  EXPECT_NE(json.find("\"max_tokens\": null"), std::string::npos);
  EXPECT_EQ(describe_plan(plans[1]), "tokens allowed, at most 5 active per account");
}

}  // namespace
}  // namespace mailtoken::admin
