#include "jmap_session_filter.h"

#include <exception>

#include "capability_map.h"
#include "json_util.h"

namespace mailtoken::jmap {
namespace {

// Removes the members of an object whose names are capabilities the token may not use.
void keep_allowed_members(rapidjson::Value& object, unsigned scopes) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd();) {
    if (capability_allowed(as_view(it->name), scopes)) {
      ++it;
    } else {
      it = object.EraseMember(it);
    }
  }
}

}  // namespace

Result<std::string> filter_session(std::string_view session_json, unsigned scopes, bool read_only,
                                   std::uint64_t max_request_size) {
  try {
    rapidjson::Document doc;
    if (!parse_json(doc, session_json) || !doc.IsObject()) {
      return make_error(ErrorCode::kInvalidArgument, "session resource is not a JSON object");
    }
    // Fail closed on a session of the wrong shape rather than pass parts of it on unfiltered
    // (and never call FindMember on a non-object: RapidJSON does not check).
    const auto malformed = [&] {
      return make_error(ErrorCode::kInvalidArgument, "session resource has a member of the wrong type");
    };
    for (const char* name : {"capabilities", "primaryAccounts", "accounts"}) {
      if (auto it = doc.FindMember(name); it != doc.MemberEnd() && !it->value.IsObject()) return malformed();
    }
    if (auto caps = doc.FindMember("capabilities"); caps != doc.MemberEnd()) {
      keep_allowed_members(caps->value, scopes);
      if (auto core = caps->value.FindMember("urn:ietf:params:jmap:core");
          max_request_size > 0 && core != caps->value.MemberEnd() && core->value.IsObject()) {
        auto size = core->value.FindMember("maxSizeRequest");
        if (size != core->value.MemberEnd() && size->value.IsUint64() &&
            size->value.GetUint64() > max_request_size) {
          size->value.SetUint64(max_request_size);
        }
      }
    }
    if (auto primary = doc.FindMember("primaryAccounts"); primary != doc.MemberEnd()) {
      keep_allowed_members(primary->value, scopes);
    }
    if (auto accounts = doc.FindMember("accounts");
        accounts != doc.MemberEnd() && accounts->value.IsObject()) {
      for (auto& account : accounts->value.GetObject()) {
        if (!account.value.IsObject()) return malformed();
        if (auto caps = account.value.FindMember("accountCapabilities");
            caps != account.value.MemberEnd()) {
          if (!caps->value.IsObject()) return malformed();
          keep_allowed_members(caps->value, scopes);
        }
        if (read_only) {
          if (auto ro = account.value.FindMember("isReadOnly"); ro != account.value.MemberEnd()) {
            ro->value.SetBool(true);
          } else {
            account.value.AddMember("isReadOnly", true, doc.GetAllocator());
          }
        }
      }
    }
    return to_json(doc);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, std::string("session filter: ") + e.what());
  }
}

}  // namespace mailtoken::jmap
