// Asking an admin to confirm an irreversible action on a terminal.
//
//   if (!ask_yes_no("Revoke token ... [y/N] ", *inv.in, *inv.err)) return aborted;
//
// Only "y" or "yes" (any case, surrounding spaces ignored) confirm; anything else, an empty
// line or end of input declines, so a stray Enter never destroys anything.
#pragma once

#include <istream>
#include <ostream>
#include <string_view>

namespace mailtoken::admin {

bool is_affirmative(std::string_view answer);
// Writes the prompt to `prompt_out` (stderr, so stdout stays clean) and reads one line.
bool ask_yes_no(std::string_view prompt, std::istream& in, std::ostream& prompt_out);

}  // namespace mailtoken::admin
