// Rewrites a JMAP session resource (RFC 8620 section 2) so that it advertises only what a
// token may use: `capabilities`, every account's `accountCapabilities` and `primaryAccounts`
// keep only the capabilities the token's scopes allow (capability_map.h), and a read-only
// token sees `isReadOnly: true` on every account, and the core capability's
// `maxSizeRequest` is lowered to the gateway's own body limit when that is smaller, so clients
// never build requests the gateway refuses with 413. Everything else passes through unchanged.
//
//   auto filtered = filter_session(backend_json, MAILTOKEN_SCOPE_MAIL, /*read_only=*/true,
//                                  /*max_request_size=*/10485760);
//   if (!filtered) fail_closed();   // never pass an unfiltered session on
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mailtoken/result.h"

namespace mailtoken::jmap {

// kInvalidArgument when the input is not strict JSON (json_util.h: duplicate member names
// included) or not an object, or when `capabilities`, `primaryAccounts`, `accounts`, an
// account or its `accountCapabilities` is present but not an object.
// max_request_size 0: leave maxSizeRequest as the backend says.
Result<std::string> filter_session(std::string_view session_json, unsigned scopes, bool read_only,
                                   std::uint64_t max_request_size = 0);

}  // namespace mailtoken::jmap
