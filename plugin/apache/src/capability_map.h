// Which JMAP capabilities a token's scopes open (DESIGN section 4), and which methods can
// change state. Shared by the session filter and the request guard so that what the session
// advertises and what a request may `use` can never disagree.
//
//   if (!capability_allowed("urn:ietf:params:jmap:contacts", MAILTOKEN_SCOPE_MAIL)) ...
//   if (!method_is_read_only("Email/set")) answer accountReadOnly;
//
// Fail closed: a capability this table does not know is never granted, and a method not
// known to be read-only is treated as a write.
#pragma once

#include <optional>
#include <string_view>

namespace mailtoken::jmap {

// Scope bits (mailtoken_scope values) a capability needs, all of them; 0 = any token (core).
// nullopt: unknown or deliberately withheld capability, granted to no token.
std::optional<unsigned> scopes_needed_for_capability(std::string_view capability);

// True when a token with these scope bits may see and use the capability.
bool capability_allowed(std::string_view capability, unsigned scopes);

// True for methods that only read (".../get", ".../changes", ".../query",
// ".../queryChanges" and a short list of named read-only methods); false for everything else.
bool method_is_read_only(std::string_view method);

}  // namespace mailtoken::jmap
