// The access model: scope lists, grant rules and which protocol each grant may use.
#include "mailtoken/scopes.h"

#include <gtest/gtest.h>

namespace mailtoken {
namespace {

ScopeSet scopes(std::string_view list) {
  auto parsed = parse_scope_list(list);
  EXPECT_TRUE(parsed.ok()) << list;
  return parsed.ok() ? *parsed : ScopeSet();
}

Grant grant(Access access, std::string_view list) { return Grant{access, scopes(list)}; }

TEST(ScopeNames, RoundTrip) {
  for (Scope s : kAllScopes) EXPECT_EQ(scope_from_name(scope_name(s)), s);
  EXPECT_EQ(scope_from_name("Mail"), std::nullopt);
  EXPECT_EQ(scope_from_name("imap"), std::nullopt);
  EXPECT_EQ(scope_from_name(""), std::nullopt);
}

TEST(ScopeList, ParsesAndPrintsCanonically) {
  EXPECT_EQ(scopes("sieve,mail").to_string(), "mail,sieve");
  EXPECT_EQ(scopes(" mail , submission,mail ").to_string(), "mail,submission");
  EXPECT_EQ(scopes("calendars,contacts,submission,sieve,mail").to_string(),
            "mail,submission,contacts,calendars,sieve");
  EXPECT_EQ(scopes("mail,sieve").names(), (std::vector<std::string>{"mail", "sieve"}));
  EXPECT_EQ(ScopeSet().to_string(), "");
}

TEST(ScopeList, RefusesEmptyListsEntriesAndUnknownNames) {
  EXPECT_FALSE(parse_scope_list("").ok());
  EXPECT_FALSE(parse_scope_list("  ").ok());
  EXPECT_FALSE(parse_scope_list("mail,").ok());
  EXPECT_FALSE(parse_scope_list(",mail").ok());
  EXPECT_FALSE(parse_scope_list("mail,,sieve").ok());
  auto unknown = parse_scope_list("mail,imap");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.error().message.find("'imap'"), std::string::npos);
}

TEST(ScopeSet, BitsMatchTheCFacade) {
  EXPECT_EQ(scopes("mail").bits(), 1);
  EXPECT_EQ(scopes("submission").bits(), 2);
  EXPECT_EQ(scopes("contacts").bits(), 4);
  EXPECT_EQ(scopes("calendars").bits(), 8);
  EXPECT_EQ(scopes("sieve").bits(), 16);
}

TEST(Access, Names) {
  EXPECT_STREQ(access_name(Access::kReadOnly), "read-only");
  EXPECT_STREQ(access_name(Access::kReadWrite), "read-write");
  EXPECT_EQ(access_from_name("read-only"), Access::kReadOnly);
  EXPECT_EQ(access_from_name("read-write"), Access::kReadWrite);
  EXPECT_EQ(access_from_name("rw"), std::nullopt);
}

TEST(ValidateGrant, NeedsAScopeAndSubmissionNeedsReadWrite) {
  EXPECT_FALSE(validate_grant(Grant{Access::kReadWrite, ScopeSet()}).ok());
  EXPECT_TRUE(validate_grant(grant(Access::kReadOnly, "mail")).ok());
  EXPECT_TRUE(validate_grant(grant(Access::kReadWrite, "submission")).ok());
  auto ro_submission = validate_grant(grant(Access::kReadOnly, "mail,submission"));
  ASSERT_FALSE(ro_submission.ok());
  EXPECT_EQ(ro_submission.error().message,
            "the submission scope needs read-write access (sending is a write)");
}

TEST(Protocols, MapHostServices) {
  EXPECT_EQ(protocol_from_service("imap"), Protocol::kImap);
  EXPECT_EQ(protocol_from_service("pop3"), Protocol::kPop3);
  EXPECT_EQ(protocol_from_service("submission"), Protocol::kSubmission);
  EXPECT_EQ(protocol_from_service("sieve"), Protocol::kSieve);
  EXPECT_EQ(protocol_from_service("managesieve"), Protocol::kSieve);
  EXPECT_EQ(protocol_from_service("jmap"), Protocol::kJmap);
  for (const char* other : {"lmtp", "doveadm", "smtp", "IMAP", "", "imap "}) {
    EXPECT_EQ(protocol_from_service(other), std::nullopt) << other;
  }
  for (Protocol p : {Protocol::kImap, Protocol::kPop3, Protocol::kSubmission, Protocol::kSieve,
                     Protocol::kJmap}) {
    EXPECT_EQ(protocol_from_service(protocol_name(p)), p);
  }
}

TEST(Protocols, NeededScopes) {
  EXPECT_EQ(scope_for_protocol(Protocol::kImap), Scope::kMail);
  EXPECT_EQ(scope_for_protocol(Protocol::kPop3), Scope::kMail);
  EXPECT_EQ(scope_for_protocol(Protocol::kSubmission), Scope::kSubmission);
  EXPECT_EQ(scope_for_protocol(Protocol::kSieve), Scope::kSieve);
  EXPECT_EQ(scope_for_protocol(Protocol::kJmap), std::nullopt);
  EXPECT_TRUE(host_enforces_read_only(Protocol::kImap));
  EXPECT_TRUE(host_enforces_read_only(Protocol::kJmap));
  EXPECT_FALSE(host_enforces_read_only(Protocol::kPop3));
  EXPECT_FALSE(host_enforces_read_only(Protocol::kSieve));
  EXPECT_FALSE(host_enforces_read_only(Protocol::kSubmission));
}

TEST(CheckProtocolAccess, MissingScopeIsRefusedWithItsName) {
  auto s = check_protocol_access(grant(Access::kReadWrite, "mail"), Protocol::kSieve);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.error().message, "this API token has no 'sieve' scope");
  s = check_protocol_access(grant(Access::kReadWrite, "submission"), Protocol::kImap);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "this API token has no 'mail' scope");
  s = check_protocol_access(grant(Access::kReadWrite, "mail"), Protocol::kSubmission);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "this API token has no 'submission' scope");
}

TEST(CheckProtocolAccess, ReadOnlyOnlyWhereTheHostEnforcesIt) {
  EXPECT_TRUE(check_protocol_access(grant(Access::kReadOnly, "mail"), Protocol::kImap).ok());
  auto pop3 = check_protocol_access(grant(Access::kReadOnly, "mail"), Protocol::kPop3);
  ASSERT_FALSE(pop3.ok());
  EXPECT_EQ(pop3.error().message, "read-only API tokens cannot be used for POP3");
  auto sieve = check_protocol_access(grant(Access::kReadOnly, "sieve"), Protocol::kSieve);
  ASSERT_FALSE(sieve.ok());
  EXPECT_EQ(sieve.error().message, "read-only API tokens cannot be used for ManageSieve");
  // Such a grant cannot be created, but a hand-edited row must still be refused.
  auto submission =
      check_protocol_access(grant(Access::kReadOnly, "submission"), Protocol::kSubmission);
  ASSERT_FALSE(submission.ok());
  EXPECT_EQ(submission.error().message, "read-only API tokens cannot be used for Submission");

  EXPECT_TRUE(check_protocol_access(grant(Access::kReadWrite, "mail"), Protocol::kPop3).ok());
  EXPECT_TRUE(check_protocol_access(grant(Access::kReadWrite, "sieve"), Protocol::kSieve).ok());
  EXPECT_TRUE(
      check_protocol_access(grant(Access::kReadWrite, "submission"), Protocol::kSubmission).ok());
}

TEST(CheckProtocolAccess, JmapOpensWithAnyScope) {
  EXPECT_TRUE(check_protocol_access(grant(Access::kReadOnly, "contacts"), Protocol::kJmap).ok());
  EXPECT_TRUE(check_protocol_access(grant(Access::kReadWrite, "submission"), Protocol::kJmap).ok());
  EXPECT_FALSE(check_protocol_access(Grant{Access::kReadWrite, ScopeSet()}, Protocol::kJmap).ok());
  EXPECT_FALSE(check_protocol_access(Grant{Access::kReadWrite, ScopeSet()}, Protocol::kImap).ok());
}

}  // namespace
}  // namespace mailtoken
