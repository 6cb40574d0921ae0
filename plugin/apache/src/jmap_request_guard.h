// Inspects a JMAP API request (RFC 8620 section 3.3) before it goes to the backend, and merges
// the backend's answer back when the request had to be rewritten.
//
// - Not JSON: request-level error notJSON; not a Request object: notRequest (both 400).
// - A capability in `using` that the token's scopes do not allow: unknownCapability (400).
//   Methods outside `using` are then refused by the backend itself (unknownMethod).
// - Not strict JSON, including duplicate member names at any depth, "\u0000" and invalid
//   UTF-8 (json_util.h): notJSON (400). Such bodies could read differently to the backend.
// - A method that needs a scope the token lacks (Blob/* needs mail, capability_map.h) is
//   answered here with the method-level error `forbidden`.
// - Read-only token: every call that can change state (capability_map.h) is answered here
//   with the method-level error `accountReadOnly`; the other calls are forwarded, in order.
//   A forwarded call whose back-reference (`#arg: {resultOf}`) points at a call answered here
//   is answered here too, with `invalidResultReference`, exactly as the backend would answer
//   a reference to a failed call.
//
// What goes to the backend is always `verdict.body`, the inspected document serialised
// again, never the client's bytes: the backend sees exactly what was checked.
//
// Rewriting: forwarded calls get the ids "mt.<index>" (index in the client's request) and
// their back-references are rewritten to match, so the backend's responses map back to the
// client's calls without ambiguity even when the client reuses call ids or one call yields
// several responses (Email/copy + implicit Email/set). merge_api_response puts the local
// errors and the backend's responses together in the client's order with the client's ids.
//
//   auto verdict = inspect_api_request(body, scopes, read_only);
//   switch (verdict.action) {
//     case GuardAction::kReject: reply(verdict.http_status, verdict.body); break;
//     case GuardAction::kForward: forward(verdict.body); break;
//     case GuardAction::kForwardRewritten: forward(verdict.body);
//                                          reply(merge_api_response(backend, verdict.plan));
//   }
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mailtoken/result.h"

namespace mailtoken::jmap {

inline constexpr std::string_view kProblemNotJson = "urn:ietf:params:jmap:error:notJSON";
inline constexpr std::string_view kProblemNotRequest = "urn:ietf:params:jmap:error:notRequest";
inline constexpr std::string_view kProblemUnknownCapability =
    "urn:ietf:params:jmap:error:unknownCapability";

// One slot per method call of the client's request, in order.
struct ResponseMergePlan {
  struct Slot {
    std::string call_id;      // the client's call id
    std::string local_error;  // JMAP method error type answered here; empty: forwarded
  };
  std::vector<Slot> slots;
};

enum class GuardAction {
  kForward,           // forward `body` (the request as inspected); pass the response through
  kForwardRewritten,  // forward `body`; merge the response with merge_api_response(plan)
  kReject,            // answer `http_status` with problem JSON `body`; do not forward
};

struct GuardVerdict {
  GuardAction action = GuardAction::kReject;
  int http_status = 0;
  std::string body;
  ResponseMergePlan plan;
};

GuardVerdict inspect_api_request(std::string_view body, unsigned scopes, bool read_only);

// kInvalidArgument when the backend's answer is not a Response whose calls map to the plan
// (the caller must then fail the request, never pass an unmerged answer on).
Result<std::string> merge_api_response(std::string_view backend_json, const ResponseMergePlan& plan);

// RFC 7807 problem JSON as RFC 8620 section 3.6.1 uses it.
std::string problem_json(std::string_view type, int status, std::string_view detail);

}  // namespace mailtoken::jmap
