#include "jmap_response_filter.h"

#include <exception>

#include "json_util.h"

namespace mailtoken::jmap {
namespace {

constexpr std::string_view kRightPrefix = "may";
constexpr std::string_view kReadRight = "mayReadItems";

bool is_method_response(const rapidjson::Value& response) {
  return response.IsArray() && response.Size() == 3 && response[0].IsString() && response[1].IsObject() &&
         response[2].IsString();
}

// Every may* right except reading becomes false, including rights the gateway does not know
// yet (a backend extension): a read-only token can use none of them.
void restrict_rights(rapidjson::Value& rights) {
  for (auto& right : rights.GetObject()) {
    const auto name = as_view(right.name);
    if (name.substr(0, kRightPrefix.size()) == kRightPrefix && name != kReadRight) {
      right.value.SetBool(false);
    }
  }
}

}  // namespace

Result<std::string> restrict_read_only_rights(std::string_view backend_json) {
  try {
    rapidjson::Document doc;
    const char* why = nullptr;
    rapidjson::Value* responses = parse_method_responses(doc, backend_json, &why);
    if (responses == nullptr) return make_error(ErrorCode::kInvalidArgument, why);
    for (auto& response : responses->GetArray()) {
      if (!is_method_response(response)) {
        return make_error(ErrorCode::kInvalidArgument, "backend answer has a malformed response");
      }
      if (as_view(response[0]) != "Mailbox/get") continue;
      auto list_it = response[1].FindMember("list");
      if (list_it == response[1].MemberEnd()) continue;
      if (!list_it->value.IsArray()) {
        return make_error(ErrorCode::kInvalidArgument, "backend Mailbox/get list is not an array");
      }
      for (auto& mailbox : list_it->value.GetArray()) {
        if (!mailbox.IsObject()) {
          return make_error(ErrorCode::kInvalidArgument, "backend Mailbox/get lists a non-object");
        }
        auto rights_it = mailbox.FindMember("myRights");
        if (rights_it == mailbox.MemberEnd()) continue;  // not among the requested properties
        if (!rights_it->value.IsObject()) {
          return make_error(ErrorCode::kInvalidArgument, "backend myRights is not an object");
        }
        restrict_rights(rights_it->value);
      }
    }
    return to_json(doc);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, std::string("read-only rights: ") + e.what());
  }
}

}  // namespace mailtoken::jmap
