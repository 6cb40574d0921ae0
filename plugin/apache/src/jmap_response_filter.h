// Rewrites a JMAP API response (RFC 8620 section 3.4) from the backend before a read-only
// token's client sees it, so that what the client is told matches what the gateway enforces.
//
// Cyrus does not know the token is read-only: its `Mailbox/get` answers carry `myRights`
// (RFC 8621 section 2) granting mayAddItems, mayRename, mayDelete, ... although the gateway
// refuses every such write with accountReadOnly. For a read-only token every `myRights`
// member named `may*` other than `mayReadItems` becomes false in each `Mailbox/get`
// response's `list`. (`Mailbox/query` and `Mailbox/changes` carry ids only; a read-only token
// gets no `Mailbox/set` answers.) Everything else passes through unchanged.
//
//   auto filtered = restrict_read_only_rights(backend_json);
//   if (!filtered) fail_closed();   // never pass an unchecked answer on
#pragma once

#include <string>
#include <string_view>

#include "mailtoken/result.h"

namespace mailtoken::jmap {

// kInvalidArgument when the answer is not strict JSON (json_util.h), not an object, or has
// no `methodResponses` array of [name, arguments object, call id] triples.
Result<std::string> restrict_read_only_rights(std::string_view backend_json);

}  // namespace mailtoken::jmap
