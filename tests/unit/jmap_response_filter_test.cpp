// The read-only response filter: a read-only token's Mailbox/get answers show only
// mayReadItems among myRights, everything else passes unchanged, and an answer that cannot be
// checked is an error (the gateway then answers 502, never the unchecked answer).
#include "jmap_response_filter.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace mailtoken::jmap {
namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

constexpr const char* kAllRights =
    R"({"mayReadItems":true,"mayAddItems":true,"mayRemoveItems":true,"maySetSeen":true,)"
    R"("maySetKeywords":true,"mayCreateChild":true,"mayRename":true,"mayDelete":true,)"
    R"("maySubmit":true,"mayAdmin":true})";

std::string mailbox_get_answer(const std::string& rights) {
  return R"({"methodResponses":[["Mailbox/get",{"accountId":"alice","state":"7","list":[)"
         R"({"id":"m1","name":"Inbox","role":"inbox","myRights":)" + rights + R"(},)"
         R"({"id":"m2","name":"Sent","myRights":)" + rights + R"(}],"notFound":[]},"m"]],)"
         R"("sessionState":"s1"})";
}

TEST(JmapResponseFilter, ReadOnlyMailboxGetKeepsOnlyMayReadItems) {
  auto filtered = restrict_read_only_rights(mailbox_get_answer(kAllRights));
  ASSERT_TRUE(filtered) << filtered.error().message;
  auto doc = parse(*filtered);
  const auto& list = doc["methodResponses"][0][1]["list"];
  ASSERT_EQ(list.Size(), 2u);
  for (const auto& mailbox : list.GetArray()) {
    const auto& rights = mailbox["myRights"];
    EXPECT_TRUE(rights["mayReadItems"].GetBool());
    for (const char* write : {"mayAddItems", "mayRemoveItems", "maySetSeen", "maySetKeywords",
                              "mayCreateChild", "mayRename", "mayDelete", "maySubmit", "mayAdmin"}) {
      ASSERT_TRUE(rights.HasMember(write)) << write;
      EXPECT_FALSE(rights[write].GetBool()) << write;
    }
  }
  EXPECT_STREQ(list[0]["name"].GetString(), "Inbox");
  EXPECT_STREQ(doc["methodResponses"][0][1]["state"].GetString(), "7");
  EXPECT_STREQ(doc["sessionState"].GetString(), "s1");
}

TEST(JmapResponseFilter, MailboxWithoutReadRightStaysUnreadable) {
  auto filtered = restrict_read_only_rights(
      mailbox_get_answer(R"({"mayReadItems":false,"mayAddItems":true})"));
  ASSERT_TRUE(filtered);
  auto doc = parse(*filtered);
  const auto& rights = doc["methodResponses"][0][1]["list"][0]["myRights"];
  EXPECT_FALSE(rights["mayReadItems"].GetBool());
  EXPECT_FALSE(rights["mayAddItems"].GetBool());
}

TEST(JmapResponseFilter, OtherResponsesAndPropertiesPassUnchanged) {
  // Email/get may carry anything, including a member that looks like rights; only Mailbox/get
  // lists are touched, and mailboxes fetched without myRights stay without it.
  const std::string answer =
      R"({"methodResponses":[)"
      R"(["Email/get",{"list":[{"id":"e1","myRights":{"mayDelete":true}}],"notFound":[]},"e"],)"
      R"(["Mailbox/get",{"list":[{"id":"m1","role":"inbox"}],"notFound":[]},"m"],)"
      R"(["Mailbox/query",{"ids":["m1"]},"q"],)"
      R"(["error",{"type":"accountReadOnly"},"s"]],"sessionState":"s1"})";
  auto filtered = restrict_read_only_rights(answer);
  ASSERT_TRUE(filtered) << filtered.error().message;
  EXPECT_EQ(*filtered, answer);
}

TEST(JmapResponseFilter, MailboxGetErrorAndEmptyListPass) {
  const std::string answer =
      R"({"methodResponses":[["Mailbox/get",{"list":[],"notFound":["x"]},"a"],)"
      R"(["error",{"type":"unknownMethod"},"b"]],"sessionState":"s"})";
  auto filtered = restrict_read_only_rights(answer);
  ASSERT_TRUE(filtered);
  EXPECT_EQ(*filtered, answer);
}

TEST(JmapResponseFilter, AnswersThatCannotBeCheckedAreErrors) {
  for (const std::string& bad : {
           std::string("not json"),
           std::string(R"([1,2])"),
           std::string(R"({"sessionState":"s"})"),
           std::string(R"({"methodResponses":{}})"),
           std::string(R"({"methodResponses":[["Mailbox/get",{"list":[]}]]})"),
           std::string(R"({"methodResponses":[["Mailbox/get",[],"m"]]})"),
           std::string(R"({"methodResponses":[["Mailbox/get",{"list":{}},"m"]]})"),
           std::string(R"({"methodResponses":[["Mailbox/get",{"list":["m1"]},"m"]]})"),
           std::string(R"({"methodResponses":[["Mailbox/get",{"list":[{"myRights":true}]},"m"]]})"),
           // Read differently by different parsers: never passed on.
           std::string(R"({"methodResponses":[["Mailbox/get",{"list":[{"myRights":{"mayDelete":true},)"
                       R"("myRights":{"mayDelete":true}}]},"m"]]})"),
           std::string(R"({"methodResponses":[],"methodResponses":[]})"),
       }) {
    EXPECT_FALSE(restrict_read_only_rights(bad)) << bad;
  }
}

}  // namespace
}  // namespace mailtoken::jmap
