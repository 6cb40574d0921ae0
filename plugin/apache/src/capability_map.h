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

// Scope bits a method needs on top of the capabilities its request `uses`: kMail for Blob/*,
// because RFC 8620 puts Blob/copy in core, and blobs are mail data (uploads and downloads need
// mail too). 0 for every other method.
unsigned scopes_needed_for_method(std::string_view method);

// True for methods that only read (".../get", ".../changes", ".../query",
// ".../queryChanges" and a short list of named read-only methods); false for everything else.
bool method_is_read_only(std::string_view method);

}  // namespace mailtoken::jmap
