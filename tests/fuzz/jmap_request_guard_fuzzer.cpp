// Fuzzes the JMAP request guard (client-controlled API bodies) for every scope set, read-only
// and read-write, and the merge of a backend answer with the resulting plan.
//
// Oracle: whatever the guard forwards must be strict JSON that grants no more than the token
// allows, read the way the gateway reads it (RapidJSON: first duplicate wins) AND the way
// Cyrus reads it (jansson: last duplicate wins): every `using` capability within the scopes,
// every method's scope needs met, and for a read-only token only read-only methods.
// kForwardRewritten must come with a plan of the same length as the request's calls.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <rapidjson/document.h>

#include "capability_map.h"
#include "jmap_request_guard.h"

namespace {

using mailtoken::jmap::capability_allowed;
using mailtoken::jmap::method_is_read_only;
using mailtoken::jmap::scopes_needed_for_method;

std::string_view view(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// The member `name` of an object as the first or the last duplicate; nullptr when absent.
const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name, bool last_wins) {
  const rapidjson::Value* found = nullptr;
  for (const auto& m : object.GetObject()) {
    if (view(m.name) != name) continue;
    found = &m.value;
    if (!last_wins) break;
  }
  return found;
}

void check_forwarded(std::string_view body, unsigned scopes, bool read_only, bool last_wins) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) std::abort();  // the guard must emit JSON
  const auto* using_list = member(doc, "using", last_wins);
  const auto* calls = member(doc, "methodCalls", last_wins);
  if (using_list == nullptr || !using_list->IsArray() || calls == nullptr || !calls->IsArray()) {
    std::abort();  // it checked both; it must forward both
  }
  for (const auto& capability : using_list->GetArray()) {
    if (!capability.IsString() || !capability_allowed(view(capability), scopes)) std::abort();
  }
  for (const auto& call : calls->GetArray()) {
    if (!call.IsArray() || call.Size() != 3 || !call[0].IsString()) std::abort();
    const auto method = view(call[0]);
    const unsigned needed = scopes_needed_for_method(method);
    if ((needed & scopes) != needed) std::abort();
    if (read_only && !method_is_read_only(method)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned scopes = data[0] & 0x1f;
  const bool read_only = (data[0] & 0x20) != 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto verdict = mailtoken::jmap::inspect_api_request(body, scopes, read_only);
  if (verdict.action == mailtoken::jmap::GuardAction::kReject) {
    if (verdict.http_status < 400 || verdict.http_status > 599) std::abort();
    return 0;
  }
  check_forwarded(verdict.body, scopes, read_only, /*last_wins=*/false);
  check_forwarded(verdict.body, scopes, read_only, /*last_wins=*/true);
  if (verdict.action == mailtoken::jmap::GuardAction::kForwardRewritten) {
    // Feed the rewritten request back as if it were the backend's answer: must not crash.
    auto merged = mailtoken::jmap::merge_api_response(verdict.body, verdict.plan);
    (void)merged.ok();
  } else if (!verdict.plan.slots.empty()) {
    std::abort();  // kForward has nothing to merge
  }
  return 0;
}
