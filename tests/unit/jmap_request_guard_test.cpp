// The JMAP API request guard: unknownCapability, notJSON/notRequest, and read-only tokens'
// state-changing calls answered with accountReadOnly while the others reach the backend.
#include "jmap_request_guard.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

#include "mailtoken/mailtoken.h"

namespace mailtoken::jmap {
namespace {

constexpr unsigned kMail = MAILTOKEN_SCOPE_MAIL;

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

std::string problem_type(const GuardVerdict& v) {
  auto doc = parse(v.body);
  return doc.IsObject() && doc.HasMember("type") ? doc["type"].GetString() : "";
}

TEST(JmapRequestGuard, ReadWriteRequestInScopeIsForwardedUnchanged) {
  const std::string body =
      R"({"using":["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail"],)"
      R"("methodCalls":[["Email/set",{"accountId":"a","destroy":["x"]},"0"]]})";
  auto v = inspect_api_request(body, kMail, false);
  EXPECT_EQ(v.action, GuardAction::kForward);
  EXPECT_EQ(v.body, body);  // compact already: serialising the inspected document gives it back
}

TEST(JmapRequestGuard, CapabilityOutsideScopesIsUnknownCapability) {
  const std::string body =
      R"({"using":["urn:ietf:params:jmap:core","https://cyrusimap.org/ns/jmap/contacts"],)"
      R"("methodCalls":[["ContactGroup/get",{},"0"]]})";
  auto v = inspect_api_request(body, kMail, false);
  ASSERT_EQ(v.action, GuardAction::kReject);
  EXPECT_EQ(v.http_status, 400);
  EXPECT_EQ(problem_type(v), "urn:ietf:params:jmap:error:unknownCapability");
  auto doc = parse(v.body);
  EXPECT_EQ(doc["status"].GetInt(), 400);

  auto unknown = inspect_api_request(
      R"({"using":["x-vendor:thing"],"methodCalls":[]})", kMail, false);
  EXPECT_EQ(problem_type(unknown), "urn:ietf:params:jmap:error:unknownCapability");
}

TEST(JmapRequestGuard, NumbersOutOfRangeAreNotJson) {
  const char* body =
      R"({"using":["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail"],)"
      R"("methodCalls":[["Email/query",{"limit":1e400},"0"]]})";
  for (bool read_only : {false, true}) {
    const GuardVerdict verdict = inspect_api_request(body, kMail, read_only);
    EXPECT_EQ(verdict.action, GuardAction::kReject);
    EXPECT_EQ(problem_type(verdict), "urn:ietf:params:jmap:error:notJSON");
  }
}

TEST(JmapRequestGuard, MalformedBodiesGetRequestLevelErrors) {
  EXPECT_EQ(problem_type(inspect_api_request("{not json", kMail, false)),
            "urn:ietf:params:jmap:error:notJSON");
  EXPECT_EQ(problem_type(inspect_api_request("", kMail, false)), "urn:ietf:params:jmap:error:notJSON");
  EXPECT_EQ(problem_type(inspect_api_request("[]", kMail, false)),
            "urn:ietf:params:jmap:error:notRequest");
  EXPECT_EQ(problem_type(inspect_api_request(R"({"using":[]})", kMail, false)),
            "urn:ietf:params:jmap:error:notRequest");
  EXPECT_EQ(problem_type(inspect_api_request(R"({"using":[1],"methodCalls":[]})", kMail, false)),
            "urn:ietf:params:jmap:error:notRequest");
  EXPECT_EQ(problem_type(inspect_api_request(
                R"({"using":[],"methodCalls":[["Mailbox/get",{}]]})", kMail, true)),
            "urn:ietf:params:jmap:error:notRequest");
}

TEST(JmapRequestGuard, ReadOnlyWithOnlyReadsIsForwardedUnchanged) {
  const std::string body =
      R"({"using":["urn:ietf:params:jmap:mail"],"methodCalls":[["Mailbox/get",{},"a"],)"
      R"(["Email/query",{},"b"],["Email/get",{"#ids":{"resultOf":"b","name":"Email/query","path":"/ids"}},"c"]]})";
  auto v = inspect_api_request(body, kMail, true);
  EXPECT_EQ(v.action, GuardAction::kForward);
}

TEST(JmapRequestGuard, ReadOnlyWritesAreAnsweredLocallyAndTheRestForwardedInOrder) {
  const std::string body =
      R"({"using":["urn:ietf:params:jmap:mail"],"methodCalls":[)"
      R"(["Email/get",{"ids":["m1"]},"g"],)"
      R"(["Email/set",{"update":{"m1":{"keywords/$seen":true}}},"s"],)"
      R"(["Mailbox/get",{},"m"]]})";
  auto v = inspect_api_request(body, kMail, true);
  ASSERT_EQ(v.action, GuardAction::kForwardRewritten);
  auto forwarded = parse(v.body);
  ASSERT_EQ(forwarded["methodCalls"].Size(), 2u);
  EXPECT_STREQ(forwarded["methodCalls"][0][0].GetString(), "Email/get");
  EXPECT_STREQ(forwarded["methodCalls"][0][2].GetString(), "mt.0");
  EXPECT_STREQ(forwarded["methodCalls"][1][0].GetString(), "Mailbox/get");
  EXPECT_STREQ(forwarded["methodCalls"][1][2].GetString(), "mt.2");
  EXPECT_EQ(forwarded["using"].Size(), 1u);

  const std::string backend =
      R"({"methodResponses":[["Email/get",{"list":[]},"mt.0"],["Mailbox/get",{"list":[]},"mt.2"]],)"
      R"("sessionState":"7"})";
  auto merged = merge_api_response(backend, v.plan);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  auto doc = parse(*merged);
  const auto& responses = doc["methodResponses"];
  ASSERT_EQ(responses.Size(), 3u);
  EXPECT_STREQ(responses[0][0].GetString(), "Email/get");
  EXPECT_STREQ(responses[0][2].GetString(), "g");
  EXPECT_STREQ(responses[1][0].GetString(), "error");
  EXPECT_STREQ(responses[1][1]["type"].GetString(), "accountReadOnly");
  EXPECT_STREQ(responses[1][2].GetString(), "s");
  EXPECT_STREQ(responses[2][0].GetString(), "Mailbox/get");
  EXPECT_STREQ(responses[2][2].GetString(), "m");
  EXPECT_STREQ(doc["sessionState"].GetString(), "7");
}

TEST(JmapRequestGuard, ReferenceToARefusedCallIsAnsweredLocally) {
  const std::string body =
      R"({"using":["urn:ietf:params:jmap:mail"],"methodCalls":[)"
      R"(["Email/set",{"create":{"k":{}}},"x"],)"
      R"(["Email/get",{"#ids":{"resultOf":"x","name":"Email/set","path":"/created/k/id"}},"y"],)"
      R"(["Email/get",{"#ids":{"resultOf":"y","name":"Email/get","path":"/list/*/id"}},"z"]]})";
  auto v = inspect_api_request(body, kMail, true);
  ASSERT_EQ(v.action, GuardAction::kForwardRewritten);
  EXPECT_EQ(parse(v.body)["methodCalls"].Size(), 0u);
  auto merged = merge_api_response(R"({"methodResponses":[],"sessionState":"1"})", v.plan);
  ASSERT_TRUE(merged.ok());
  auto doc = parse(*merged);
  ASSERT_EQ(doc["methodResponses"].Size(), 3u);
  EXPECT_STREQ(doc["methodResponses"][0][1]["type"].GetString(), "accountReadOnly");
  EXPECT_STREQ(doc["methodResponses"][1][1]["type"].GetString(), "invalidResultReference");
  EXPECT_STREQ(doc["methodResponses"][2][1]["type"].GetString(), "invalidResultReference");
}

TEST(JmapRequestGuard, ReusedCallIdsResolveToTheFirstCall) {
  // "a" first names a refused call; the later forwarded "a" must not be mistaken for it.
  const std::string body =
      R"({"using":["urn:ietf:params:jmap:mail"],"methodCalls":[)"
      R"(["Email/query",{},"q"],)"
      R"(["Email/set",{},"a"],)"
      R"(["Email/get",{"#ids":{"resultOf":"q","name":"Email/query","path":"/ids"}},"a"],)"
      R"(["Thread/get",{"#ids":{"resultOf":"a","name":"Email/get","path":"/list/*/threadId"}},"t"]]})";
  auto v = inspect_api_request(body, kMail, true);
  ASSERT_EQ(v.action, GuardAction::kForwardRewritten);
  auto forwarded = parse(v.body);
  ASSERT_EQ(forwarded["methodCalls"].Size(), 2u);
  EXPECT_STREQ(forwarded["methodCalls"][1][1]["#ids"]["resultOf"].GetString(), "mt.0");
  ASSERT_EQ(v.plan.slots.size(), 4u);
  EXPECT_EQ(v.plan.slots[3].local_error, "invalidResultReference");
}

TEST(JmapRequestGuard, OneCallMayYieldSeveralResponses) {
  const std::string body =
      R"({"using":["urn:ietf:params:jmap:mail"],"methodCalls":[)"
      R"(["Email/set",{},"s"],["Email/get",{},"g"]]})";
  auto v = inspect_api_request(body, kMail, true);
  ASSERT_EQ(v.action, GuardAction::kForwardRewritten);
  auto merged = merge_api_response(
      R"({"methodResponses":[["Email/get",{},"mt.1"],["Email/get",{"more":1},"mt.1"]],"sessionState":"1"})",
      v.plan);
  ASSERT_TRUE(merged.ok());
  auto doc = parse(*merged);
  ASSERT_EQ(doc["methodResponses"].Size(), 3u);
  EXPECT_STREQ(doc["methodResponses"][1][2].GetString(), "g");
  EXPECT_STREQ(doc["methodResponses"][2][2].GetString(), "g");
}

TEST(JmapRequestGuard, MergeRefusesAnswersThatDoNotMatchThePlan) {
  const std::string body =
      R"({"using":["urn:ietf:params:jmap:mail"],"methodCalls":[["Email/set",{},"s"],["Email/get",{},"g"]]})";
  auto v = inspect_api_request(body, kMail, true);
  EXPECT_FALSE(merge_api_response("oops", v.plan).ok());
  EXPECT_FALSE(merge_api_response(R"({"x":1})", v.plan).ok());
  EXPECT_FALSE(merge_api_response(R"({"methodResponses":[["Email/get",{},"g"]]})", v.plan).ok());
  EXPECT_FALSE(merge_api_response(R"({"methodResponses":[["Email/set",{},"mt.0"]]})", v.plan).ok());
  EXPECT_FALSE(merge_api_response(R"({"methodResponses":[["Email/get",{},"mt.9"]]})", v.plan).ok());
}

TEST(JmapRequestGuard, ProblemJsonEscapesItsText) {
  auto doc = parse(problem_json("about:blank", 403, "a \"quoted\" word"));
  EXPECT_STREQ(doc["detail"].GetString(), "a \"quoted\" word");
  EXPECT_EQ(doc["status"].GetInt(), 403);
}

}  // namespace
}  // namespace mailtoken::jmap

namespace mailtoken::jmap {
namespace {

TEST(JmapRequestGuard, DeeplyNestedBodiesAreRefusedNotRecursedInto) {
  const std::string deep = R"({"using":[],"methodCalls":[["Core/echo",{"a":)" + std::string(100000, '[') +
                           std::string(100000, ']') + R"(},"e"]]})";
  auto v = inspect_api_request(deep, MAILTOKEN_SCOPE_MAIL, true);
  EXPECT_EQ(v.action, GuardAction::kReject);
  EXPECT_EQ(v.http_status, 400);
  // Brackets inside strings do not count.
  const std::string strings = R"({"using":[],"methodCalls":[["Core/echo",{"a":")" + std::string(1000, '[') +
                              R"(\""},"e"]]})";
  EXPECT_EQ(inspect_api_request(strings, MAILTOKEN_SCOPE_MAIL, true).action, GuardAction::kForward);
}

}  // namespace
}  // namespace mailtoken::jmap

// Security review: anything two JSON parsers could read differently must never reach the
// backend. RapidJSON keeps duplicate member names (FindMember sees the first), Cyrus's jansson
// keeps the last one, so a duplicate could hide an Email/set from the read-only check.
namespace mailtoken::jmap {
namespace {

constexpr std::string_view kCoreMail =
    R"("using":["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail"])";

void expect_duplicate_refused(const std::string& body, unsigned scopes, bool read_only) {
  auto v = inspect_api_request(body, scopes, read_only);
  ASSERT_EQ(v.action, GuardAction::kReject) << body;
  EXPECT_EQ(v.http_status, 400);
  EXPECT_EQ(problem_type(v), "urn:ietf:params:jmap:error:notJSON");
  EXPECT_STREQ(parse(v.body)["detail"].GetString(), "duplicate member name");
}

TEST(JmapRequestGuardDuplicates, RepeatedMethodCallsAtTopLevelIsRefused) {
  const std::string body = "{" + std::string(kCoreMail) +
                           R"(,"methodCalls":[["Email/get",{},"0"]],)"
                           R"("methodCalls":[["Email/set",{"destroy":["M1"]},"0"]]})";
  expect_duplicate_refused(body, kMail, true);
  expect_duplicate_refused(body, kMail, false);
}

TEST(JmapRequestGuardDuplicates, RepeatedUsingIsRefused) {
  const std::string body =
      R"({"using":["urn:ietf:params:jmap:core"],"using":["https://cyrusimap.org/ns/jmap/contacts"],)"
      R"("methodCalls":[["Contact/get",{},"0"]]})";
  expect_duplicate_refused(body, kMail, false);
}

TEST(JmapRequestGuardDuplicates, RepeatedNameInsideMethodArgumentsIsRefused) {
  const std::string body = "{" + std::string(kCoreMail) +
                           R"(,"methodCalls":[["Email/get",{"ids":["a"],"ids":["b"]},"0"]]})";
  expect_duplicate_refused(body, kMail, true);
}

TEST(JmapRequestGuardDuplicates, RepeatedNameInsideABackReferenceIsRefused) {
  // The first resultOf names a forwarded call, the second a refused one.
  const std::string body = "{" + std::string(kCoreMail) +
                           R"(,"methodCalls":[["Email/set",{},"s"],["Email/query",{},"q"],)"
                           R"(["Email/get",{"#ids":{"resultOf":"q","resultOf":"s","name":"Email/query",)"
                           R"("path":"/ids"}},"g"]]})";
  expect_duplicate_refused(body, kMail, true);
}

TEST(JmapRequestGuardDuplicates, NamesCompareDecodedAndAtAnyDepth) {
  expect_duplicate_refused("{" + std::string(kCoreMail) +
                               R"(,"methodCalls":[["Core/echo",{"x":[{"a":1,"\u0061":2}]},"e"]]})",
                           kMail, false);
  const std::string distinct = "{" + std::string(kCoreMail) +
                               R"(,"methodCalls":[["Core/echo",{"x":[{"a":1,"b":{"a":2}}]},"e"]]})";
  EXPECT_EQ(inspect_api_request(distinct, kMail, false).action, GuardAction::kForward);
}

TEST(JmapRequestGuardStrictJson, NonStandardAndAmbiguousJsonIsNotJson) {
  const std::string prefix = "{" + std::string(kCoreMail) + R"(,"methodCalls":[["Core/echo",{"a":)";
  const std::string suffix = R"(},"e"]]})";
  for (const std::string& value : {std::string("NaN"), std::string("Infinity"), std::string("[1,]"),
                                  std::string("1 /* c */"), std::string("\"\\u0000\""),
                                  std::string("\"\xff\""), std::string("\"\xc0\xaf\""),
                                  std::string("\"\\udc00\""), std::string("'x'")}) {
    auto v = inspect_api_request(prefix + value + suffix, kMail, false);
    EXPECT_EQ(v.action, GuardAction::kReject) << value;
    EXPECT_EQ(problem_type(v), "urn:ietf:params:jmap:error:notJSON") << value;
  }
  EXPECT_EQ(inspect_api_request(prefix + "1" + suffix + ",", kMail, false).action, GuardAction::kReject);
  // Valid escapes and non-ASCII text pass, decoded.
  auto ok = inspect_api_request(prefix + R"("\u00e9\ud83d\ude00 é")" + suffix, kMail, false);
  ASSERT_EQ(ok.action, GuardAction::kForward);
  EXPECT_STREQ(parse(ok.body)["methodCalls"][0][1]["a"].GetString(), "\xc3\xa9\xf0\x9f\x98\x80 \xc3\xa9");
}

TEST(JmapRequestGuardStrictJson, ForwardedBodyIsTheInspectedDocumentNotTheClientsBytes) {
  const std::string body = "{ " + std::string(kCoreMail) +
                           R"( , "methodCalls" : [ [ "Email\/get" , { "ids" : [ "m1" ], "n": 12345678901234567890 } , "0" ] ] } )";
  auto v = inspect_api_request(body, kMail, true);
  ASSERT_EQ(v.action, GuardAction::kForward);
  EXPECT_EQ(v.body, R"({"using":["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail"],)"
                    R"("methodCalls":[["Email/get",{"ids":["m1"],"n":12345678901234567890},"0"]]})");
  // Read-write requests too.
  auto rw = inspect_api_request(body, kMail, false);
  ASSERT_EQ(rw.action, GuardAction::kForward);
  EXPECT_EQ(rw.body, v.body);
}

TEST(JmapRequestGuardStrictJson, ReadOnlyRequestWithReferencesGoesOutUnrewritten) {
  const std::string body = "{" + std::string(kCoreMail) +
                           R"(,"methodCalls":[["Email/query",{},"q"],)"
                           R"(["Email/get",{"#ids":{"resultOf":"q","name":"Email/query","path":"/ids"}},"g"]]})";
  auto v = inspect_api_request(body, kMail, true);
  ASSERT_EQ(v.action, GuardAction::kForward);
  EXPECT_EQ(v.body, body);
}

// Review item 2: Blob/copy is a core method in RFC 8620, but blobs are mail data.
TEST(JmapRequestGuardScopes, BlobMethodsNeedTheMailScope) {
  const std::string body =
      R"({"using":["urn:ietf:params:jmap:core"],"methodCalls":[)"
      R"(["Blob/copy",{"fromAccountId":"a","accountId":"b","blobIds":["x"]},"c"],["Core/echo",{},"e"]]})";
  auto v = inspect_api_request(body, MAILTOKEN_SCOPE_CONTACTS, false);
  ASSERT_EQ(v.action, GuardAction::kForwardRewritten);
  auto forwarded = parse(v.body);
  ASSERT_EQ(forwarded["methodCalls"].Size(), 1u);
  EXPECT_STREQ(forwarded["methodCalls"][0][0].GetString(), "Core/echo");
  auto merged = merge_api_response(R"({"methodResponses":[["Core/echo",{},"mt.1"]],"sessionState":"1"})",
                                   v.plan);
  ASSERT_TRUE(merged.ok());
  auto doc = parse(*merged);
  ASSERT_EQ(doc["methodResponses"].Size(), 2u);
  EXPECT_STREQ(doc["methodResponses"][0][0].GetString(), "error");
  EXPECT_STREQ(doc["methodResponses"][0][1]["type"].GetString(), "forbidden");
  EXPECT_STREQ(doc["methodResponses"][0][2].GetString(), "c");

  EXPECT_EQ(inspect_api_request(body, kMail, false).action, GuardAction::kForward);
  // Read-only with mail: Blob/copy writes.
  EXPECT_EQ(inspect_api_request(body, kMail, true).plan.slots.at(0).local_error, "accountReadOnly");
}

}  // namespace
}  // namespace mailtoken::jmap
