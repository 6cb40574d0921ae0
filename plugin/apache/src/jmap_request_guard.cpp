#include "jmap_request_guard.h"

#include <charconv>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "capability_map.h"
#include "json_util.h"

namespace mailtoken::jmap {
namespace {

constexpr std::string_view kForwardedIdPrefix = "mt.";
// Given to back-references that name no earlier call; no forwarded call has this id, so the
// backend answers invalidResultReference as it would have for the client's text.
constexpr std::string_view kUnresolvedReference = "mt.none";

GuardVerdict reject(std::string_view type, std::string_view detail) {
  GuardVerdict v;
  v.action = GuardAction::kReject;
  v.http_status = 400;
  v.body = problem_json(type, 400, detail);
  return v;
}

bool is_method_call(const rapidjson::Value& call) {
  return call.IsArray() && call.Size() == 3 && call[0].IsString() && call[1].IsObject() &&
         call[2].IsString();
}

std::string forwarded_id(std::size_t index) {
  return std::string(kForwardedIdPrefix) + std::to_string(index);
}

std::optional<std::size_t> slot_of_forwarded_id(std::string_view id, std::size_t slot_count) {
  if (id.substr(0, kForwardedIdPrefix.size()) != kForwardedIdPrefix) return std::nullopt;
  const auto digits = id.substr(kForwardedIdPrefix.size());
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (ec != std::errc() || end != digits.data() + digits.size() || index >= slot_count) {
    return std::nullopt;
  }
  return index;
}

}  // namespace

std::string problem_json(std::string_view type, int status, std::string_view detail) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("type", rapidjson::Value(type.data(), static_cast<rapidjson::SizeType>(type.size()), a), a);
  doc.AddMember("status", status, a);
  doc.AddMember("detail",
                rapidjson::Value(detail.data(), static_cast<rapidjson::SizeType>(detail.size()), a), a);
  return to_json(doc);
}

GuardVerdict inspect_api_request(std::string_view body, unsigned scopes, bool read_only) {
  try {
    rapidjson::Document doc;
    switch (parse_json_strictly(doc, body)) {
      case JsonProblem::kNone:
        break;
      case JsonProblem::kDuplicateMemberName:
        return reject(kProblemNotJson, "duplicate member name");
      case JsonProblem::kNulInString:
        return reject(kProblemNotJson, "The request body contains a \\u0000 character.");
      case JsonProblem::kSyntax:
      default:
        return reject(kProblemNotJson, "The request body is not valid JSON.");
    }
    if (!doc.IsObject()) return reject(kProblemNotRequest, "The request is not a JSON object.");
    const auto using_it = doc.FindMember("using");
    auto calls_it = doc.FindMember("methodCalls");
    if (using_it == doc.MemberEnd() || !using_it->value.IsArray() ||
        calls_it == doc.MemberEnd() || !calls_it->value.IsArray()) {
      return reject(kProblemNotRequest, "The request needs the arrays \"using\" and \"methodCalls\".");
    }
    for (const auto& capability : using_it->value.GetArray()) {
      if (!capability.IsString()) return reject(kProblemNotRequest, "\"using\" must list strings.");
      if (!capability_allowed(as_view(capability), scopes)) {
        return reject(kProblemUnknownCapability,
                      "The capability " + std::string(as_view(capability)) +
                          " is not available to this token.");
      }
    }
    auto& calls = calls_it->value;
    for (const auto& call : calls.GetArray()) {
      if (!is_method_call(call)) {
        return reject(kProblemNotRequest,
                      "Each method call must be [name, arguments object, call id].");
      }
    }

    GuardVerdict verdict;
    auto& plan = verdict.plan;
    plan.slots.reserve(calls.Size());
    // Back-references to rewrite if the request has to be rewritten; nothing in the document
    // changes until then, so an unrefused request goes out exactly as it was inspected.
    std::vector<std::pair<rapidjson::Value*, std::string>> reference_rewrites;
    bool any_local = false;
    for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
      auto& call = calls[i];
      ResponseMergePlan::Slot slot{std::string(as_view(call[2])), {}};
      const auto method = as_view(call[0]);
      const unsigned needed = scopes_needed_for_method(method);
      if ((needed & scopes) != needed) {
        slot.local_error = "forbidden";
      } else if (read_only && !method_is_read_only(method)) {
        slot.local_error = "accountReadOnly";
      } else {
        for (auto& arg : call[1].GetObject()) {
          const auto name = as_view(arg.name);
          if (name.empty() || name[0] != '#' || !arg.value.IsObject()) continue;
          auto result_of = arg.value.FindMember("resultOf");
          if (result_of == arg.value.MemberEnd() || !result_of->value.IsString()) continue;
          // RFC 8620 3.7: the reference resolves to the first earlier call with that id.
          std::optional<std::size_t> target;
          for (std::size_t j = 0; j < i; ++j) {
            if (plan.slots[j].call_id == as_view(result_of->value)) {
              target = j;
              break;
            }
          }
          if (target && !plan.slots[*target].local_error.empty()) {
            slot.local_error = "invalidResultReference";
            break;
          }
          reference_rewrites.emplace_back(&result_of->value,
                                          target ? forwarded_id(*target) : std::string(kUnresolvedReference));
        }
      }
      any_local = any_local || !slot.local_error.empty();
      plan.slots.push_back(std::move(slot));
    }

    if (any_local) {
      // Rebuild methodCalls with the forwarded calls only, under their slot ids.
      for (auto& [value, new_ref] : reference_rewrites) {
        value->SetString(new_ref.data(), static_cast<rapidjson::SizeType>(new_ref.size()), doc.GetAllocator());
      }
      rapidjson::Value forwarded(rapidjson::kArrayType);
      for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
        if (!plan.slots[i].local_error.empty()) continue;
        auto& call = calls[i];
        const std::string id = forwarded_id(i);
        call[2].SetString(id.data(), static_cast<rapidjson::SizeType>(id.size()), doc.GetAllocator());
        forwarded.PushBack(call.Move(), doc.GetAllocator());
      }
      calls_it->value = std::move(forwarded);
      verdict.action = GuardAction::kForwardRewritten;
    } else {
      plan = {};
      verdict.action = GuardAction::kForward;
    }
    // Always the inspected document, never the client's bytes: whatever another parser might
    // read differently in those bytes (numbers, escapes, whitespace) does not reach the backend.
    auto serialised = to_valid_json(doc);
    if (!serialised) {
      return reject(kProblemNotJson,
                    "The request body has invalid UTF-8 or a number out of range.");
    }
    verdict.body = std::move(*serialised);
    return verdict;
  } catch (const std::exception&) {
    GuardVerdict v;
    v.action = GuardAction::kReject;
    v.http_status = 500;
    v.body = problem_json("about:blank", 500, "Internal error while inspecting the request.");
    return v;
  }
}

Result<std::string> merge_api_response(std::string_view backend_json, const ResponseMergePlan& plan) {
  try {
    rapidjson::Document doc;
    const char* why = nullptr;
    rapidjson::Value* responses = parse_method_responses(doc, backend_json, &why);
    if (responses == nullptr) return make_error(ErrorCode::kInvalidArgument, why);
    auto& a = doc.GetAllocator();
    // Responses per slot, in the backend's order within each slot.
    std::vector<rapidjson::Value> per_slot(plan.slots.size());
    for (auto& s : per_slot) s.SetArray();
    for (auto& response : responses->GetArray()) {
      if (!response.IsArray() || response.Size() != 3 || !response[2].IsString()) {
        return make_error(ErrorCode::kInvalidArgument, "backend answer has a malformed response");
      }
      const auto slot = slot_of_forwarded_id(as_view(response[2]), plan.slots.size());
      if (!slot || !plan.slots[*slot].local_error.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "backend answered a call it was not sent");
      }
      const auto& id = plan.slots[*slot].call_id;
      response[2].SetString(id.data(), static_cast<rapidjson::SizeType>(id.size()), a);
      per_slot[*slot].PushBack(response.Move(), a);
    }
    rapidjson::Value merged(rapidjson::kArrayType);
    for (std::size_t i = 0; i < plan.slots.size(); ++i) {
      const auto& slot = plan.slots[i];
      if (slot.local_error.empty()) {
        for (auto& response : per_slot[i].GetArray()) merged.PushBack(response.Move(), a);
        continue;
      }
      rapidjson::Value error_args(rapidjson::kObjectType);
      error_args.AddMember("type", rapidjson::Value(slot.local_error.c_str(), a), a);
      if (slot.local_error == "accountReadOnly") {
        error_args.AddMember("description", "This token is read-only.", a);
      }
      rapidjson::Value response(rapidjson::kArrayType);
      response.PushBack("error", a);
      response.PushBack(error_args, a);
      response.PushBack(rapidjson::Value(slot.call_id.c_str(),
                                         static_cast<rapidjson::SizeType>(slot.call_id.size()), a),
                        a);
      merged.PushBack(response, a);
    }
    *responses = std::move(merged);
    return to_json(doc);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, std::string("response merge: ") + e.what());
  }
}

}  // namespace mailtoken::jmap
