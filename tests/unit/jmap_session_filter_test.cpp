// Session resource filtering for the Apache JMAP gateway: what a token's scopes and access
// let it see (DESIGN section 4).
#include "jmap_session_filter.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

#include "capability_map.h"
#include "mailtoken/mailtoken.h"

namespace mailtoken::jmap {
namespace {

// Shape of Cyrus 3.6's session with jmap_nonstandard_extensions (trimmed values).
constexpr const char* kCyrusSession = R"({
  "username": "alice", "apiUrl": "/jmap/", "state": "0",
  "capabilities": {
    "urn:ietf:params:jmap:core": {"maxSizeRequest": 10485760},
    "https://cyrusimap.org/ns/jmap/debug": {},
    "https://cyrusimap.org/ns/jmap/backup": {},
    "urn:ietf:params:jmap:mail": {},
    "https://cyrusimap.org/ns/jmap/mail": {},
    "urn:ietf:params:jmap:submission": {},
    "urn:ietf:params:jmap:vacationresponse": {},
    "https://cyrusimap.org/ns/jmap/contacts": {},
    "https://cyrusimap.org/ns/jmap/calendars": {},
    "https://cyrusimap.org/ns/jmap/sieve": {},
    "x-unknown:capability": {}
  },
  "accounts": {
    "alice": {"name": "alice", "isPrimary": true, "isPersonal": true, "isReadOnly": false,
      "accountCapabilities": {
        "urn:ietf:params:jmap:core": {},
        "urn:ietf:params:jmap:mail": {"mayCreateTopLevelMailbox": true},
        "urn:ietf:params:jmap:submission": {},
        "https://cyrusimap.org/ns/jmap/contacts": {},
        "https://cyrusimap.org/ns/jmap/calendars": {}
      }},
    "shared": {"name": "shared", "isPersonal": false,
      "accountCapabilities": {"urn:ietf:params:jmap:mail": {}}}
  },
  "primaryAccounts": {
    "urn:ietf:params:jmap:mail": "alice",
    "urn:ietf:params:jmap:submission": "alice",
    "https://cyrusimap.org/ns/jmap/contacts": "alice",
    "https://cyrusimap.org/ns/jmap/calendars": "alice",
    "https://cyrusimap.org/ns/jmap/backup": "alice"
  }
})";

rapidjson::Document filtered(unsigned scopes, bool read_only) {
  auto out = filter_session(kCyrusSession, scopes, read_only);
  EXPECT_TRUE(out.ok());
  rapidjson::Document doc;
  doc.Parse(out.ok() ? out->c_str() : "{}");
  EXPECT_FALSE(doc.HasParseError());
  return doc;
}

// Regression (fuzzer): RapidJSON reads 1e300-scale overflow as infinity, its writer then
// stops half-way, and the truncated text "{\"p\":" went to the client as the session.
TEST(JmapSessionFilter, NumberOutOfRangeFailsClosed) {
  EXPECT_FALSE(filter_session(R"({"p":79444444444840E300})", MAILTOKEN_SCOPE_MAIL, true).ok());
}

TEST(JmapSessionFilter, MailScopeKeepsOnlyMailCapabilities) {
  auto doc = filtered(MAILTOKEN_SCOPE_MAIL, false);
  const auto& caps = doc["capabilities"];
  EXPECT_TRUE(caps.HasMember("urn:ietf:params:jmap:core"));
  EXPECT_TRUE(caps.HasMember("urn:ietf:params:jmap:mail"));
  EXPECT_TRUE(caps.HasMember("https://cyrusimap.org/ns/jmap/mail"));
  EXPECT_TRUE(caps.HasMember("urn:ietf:params:jmap:vacationresponse"));
  EXPECT_FALSE(caps.HasMember("urn:ietf:params:jmap:submission"));
  EXPECT_FALSE(caps.HasMember("https://cyrusimap.org/ns/jmap/contacts"));
  EXPECT_FALSE(caps.HasMember("https://cyrusimap.org/ns/jmap/calendars"));
  EXPECT_FALSE(caps.HasMember("https://cyrusimap.org/ns/jmap/sieve"));
  EXPECT_EQ(caps["urn:ietf:params:jmap:core"]["maxSizeRequest"].GetInt(), 10485760);

  const auto& account = doc["accounts"]["alice"]["accountCapabilities"];
  EXPECT_TRUE(account.HasMember("urn:ietf:params:jmap:mail"));
  EXPECT_FALSE(account.HasMember("urn:ietf:params:jmap:submission"));
  EXPECT_FALSE(account.HasMember("https://cyrusimap.org/ns/jmap/contacts"));
  EXPECT_FALSE(doc["accounts"]["alice"]["isReadOnly"].GetBool());

  const auto& primary = doc["primaryAccounts"];
  EXPECT_TRUE(primary.HasMember("urn:ietf:params:jmap:mail"));
  EXPECT_EQ(primary.MemberCount(), 1u);
  EXPECT_STREQ(doc["username"].GetString(), "alice");
}

TEST(JmapSessionFilter, UnknownAndInternalCapabilitiesAreNeverShown) {
  auto doc = filtered(MAILTOKEN_SCOPE_MAIL | MAILTOKEN_SCOPE_SUBMISSION | MAILTOKEN_SCOPE_CONTACTS |
                          MAILTOKEN_SCOPE_CALENDARS | MAILTOKEN_SCOPE_SIEVE,
                      false);
  const auto& caps = doc["capabilities"];
  EXPECT_FALSE(caps.HasMember("x-unknown:capability"));
  EXPECT_FALSE(caps.HasMember("https://cyrusimap.org/ns/jmap/debug"));
  EXPECT_FALSE(caps.HasMember("https://cyrusimap.org/ns/jmap/backup"));
  EXPECT_TRUE(caps.HasMember("urn:ietf:params:jmap:submission"));
  EXPECT_TRUE(caps.HasMember("https://cyrusimap.org/ns/jmap/sieve"));
  EXPECT_FALSE(doc["primaryAccounts"].HasMember("https://cyrusimap.org/ns/jmap/backup"));
}

TEST(JmapSessionFilter, SubmissionWithoutMailIsNotOffered) {
  auto doc = filtered(MAILTOKEN_SCOPE_SUBMISSION, false);
  EXPECT_FALSE(doc["capabilities"].HasMember("urn:ietf:params:jmap:submission"));
  EXPECT_FALSE(doc["capabilities"].HasMember("urn:ietf:params:jmap:mail"));
  EXPECT_TRUE(doc["capabilities"].HasMember("urn:ietf:params:jmap:core"));
}

TEST(JmapSessionFilter, ContactsScopeShowsContactsOnly) {
  auto doc = filtered(MAILTOKEN_SCOPE_CONTACTS, false);
  EXPECT_TRUE(doc["capabilities"].HasMember("https://cyrusimap.org/ns/jmap/contacts"));
  EXPECT_FALSE(doc["capabilities"].HasMember("urn:ietf:params:jmap:mail"));
  EXPECT_FALSE(doc["capabilities"].HasMember("https://cyrusimap.org/ns/jmap/calendars"));
  EXPECT_TRUE(doc["primaryAccounts"].HasMember("https://cyrusimap.org/ns/jmap/contacts"));
  EXPECT_EQ(doc["accounts"]["shared"]["accountCapabilities"].MemberCount(), 0u);
}

TEST(JmapSessionFilter, ReadOnlyMarksEveryAccountReadOnly) {
  auto doc = filtered(MAILTOKEN_SCOPE_MAIL, true);
  EXPECT_TRUE(doc["accounts"]["alice"]["isReadOnly"].GetBool());
  ASSERT_TRUE(doc["accounts"]["shared"].HasMember("isReadOnly"));
  EXPECT_TRUE(doc["accounts"]["shared"]["isReadOnly"].GetBool());
}

TEST(JmapSessionFilter, AdvertisesTheGatewayBodyLimitWhenSmaller) {
  auto smaller = filter_session(kCyrusSession, MAILTOKEN_SCOPE_MAIL, false, 65536);
  ASSERT_TRUE(smaller.ok());
  rapidjson::Document doc;
  doc.Parse(smaller->c_str());
  EXPECT_EQ(doc["capabilities"]["urn:ietf:params:jmap:core"]["maxSizeRequest"].GetUint64(), 65536u);
  auto larger = filter_session(kCyrusSession, MAILTOKEN_SCOPE_MAIL, false, 1u << 30);
  ASSERT_TRUE(larger.ok());
  doc.Parse(larger->c_str());
  EXPECT_EQ(doc["capabilities"]["urn:ietf:params:jmap:core"]["maxSizeRequest"].GetUint64(), 10485760u);
}

TEST(JmapSessionFilter, RefusesWhatIsNotAJsonObject) {
  EXPECT_FALSE(filter_session("not json", MAILTOKEN_SCOPE_MAIL, false).ok());
  EXPECT_FALSE(filter_session("[1,2]", MAILTOKEN_SCOPE_MAIL, false).ok());
  EXPECT_FALSE(filter_session(R"({"a":1} trailing)", MAILTOKEN_SCOPE_MAIL, false).ok());
  EXPECT_FALSE(filter_session("", MAILTOKEN_SCOPE_MAIL, false).ok());
}

// A duplicate could hide a capability from the filter (it sees the first) that a client
// reading the last one would use; such a session is not passed on (the gateway answers 502).
TEST(JmapSessionFilter, RefusesDuplicateMemberNamesAtAnyDepth) {
  EXPECT_FALSE(filter_session(R"({"capabilities":{},"capabilities":{"x":{}}})", MAILTOKEN_SCOPE_MAIL, false).ok());
  EXPECT_FALSE(filter_session(R"({"accounts":{"a":{"isReadOnly":true,"isReadOnly":false}}})",
                              MAILTOKEN_SCOPE_MAIL, true)
                   .ok());
  EXPECT_TRUE(filter_session(R"({"accounts":{"a":{"isReadOnly":false}}})", MAILTOKEN_SCOPE_MAIL, true).ok());
}

// Found by jmap_session_filter_fuzzer: FindMember on a non-object "capabilities" crashed.
TEST(JmapSessionFilter, RefusesMembersOfTheWrongType) {
  for (const char* json : {R"({"capabilities":"alic.e"})", R"({"primaryAccounts":[]})", R"({"accounts":1})",
                           R"({"accounts":{"a":"x"}})", R"({"accounts":{"a":{"accountCapabilities":[]}}})"}) {
    EXPECT_FALSE(filter_session(json, MAILTOKEN_SCOPE_MAIL, true, 65536).ok()) << json;
  }
}

TEST(JmapCapabilityMap, BlobMethodsNeedTheMailScope) {
  EXPECT_EQ(scopes_needed_for_method("Blob/copy"), unsigned{MAILTOKEN_SCOPE_MAIL});
  EXPECT_EQ(scopes_needed_for_method("Blob/get"), unsigned{MAILTOKEN_SCOPE_MAIL});
  EXPECT_EQ(scopes_needed_for_method("Blob/upload"), unsigned{MAILTOKEN_SCOPE_MAIL});
  EXPECT_EQ(scopes_needed_for_method("Core/echo"), 0u);
  EXPECT_EQ(scopes_needed_for_method("Contact/get"), 0u);
  EXPECT_EQ(scopes_needed_for_method("Blobs/get"), 0u);
}

TEST(JmapCapabilityMap, MethodsNotKnownToBeReadOnlyAreWrites) {
  EXPECT_TRUE(method_is_read_only("Mailbox/get"));
  EXPECT_TRUE(method_is_read_only("Email/query"));
  EXPECT_TRUE(method_is_read_only("Email/queryChanges"));
  EXPECT_TRUE(method_is_read_only("Thread/changes"));
  EXPECT_TRUE(method_is_read_only("Core/echo"));
  EXPECT_TRUE(method_is_read_only("Email/parse"));
  EXPECT_FALSE(method_is_read_only("Email/set"));
  EXPECT_FALSE(method_is_read_only("Email/copy"));
  EXPECT_FALSE(method_is_read_only("Email/import"));
  EXPECT_FALSE(method_is_read_only("EmailSubmission/set"));
  EXPECT_FALSE(method_is_read_only("VacationResponse/set"));
  EXPECT_FALSE(method_is_read_only("Blob/upload"));
  EXPECT_FALSE(method_is_read_only("Email/snooze"));
  EXPECT_FALSE(method_is_read_only("get"));
  EXPECT_FALSE(method_is_read_only("/get"));
  EXPECT_FALSE(method_is_read_only(""));
}

}  // namespace
}  // namespace mailtoken::jmap
