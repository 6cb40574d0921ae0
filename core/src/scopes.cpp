// Scopes, access and the protocol rules of DESIGN section 4.
#include "mailtoken/scopes.h"

namespace mailtoken {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// How a protocol is named in messages shown to people.
const char* protocol_display_name(Protocol p) {
  switch (p) {
    case Protocol::kImap:
      return "IMAP";
    case Protocol::kPop3:
      return "POP3";
    case Protocol::kSubmission:
      return "Submission";
    case Protocol::kSieve:
      return "ManageSieve";
    case Protocol::kJmap:
      return "JMAP";
  }
  return "this protocol";
}

}  // namespace

const char* scope_name(Scope scope) {
  switch (scope) {
    case Scope::kMail:
      return "mail";
    case Scope::kSubmission:
      return "submission";
    case Scope::kContacts:
      return "contacts";
    case Scope::kCalendars:
      return "calendars";
    case Scope::kSieve:
      return "sieve";
  }
  return "unknown";
}

std::optional<Scope> scope_from_name(std::string_view name) {
  for (Scope s : kAllScopes) {
    if (name == scope_name(s)) return s;
  }
  return std::nullopt;
}

std::string ScopeSet::to_string() const {
  std::string out;
  for (Scope s : kAllScopes) {
    if (!has(s)) continue;
    if (!out.empty()) out.push_back(',');
    out += scope_name(s);
  }
  return out;
}

std::vector<std::string> ScopeSet::names() const {
  std::vector<std::string> out;
  for (Scope s : kAllScopes) {
    if (has(s)) out.emplace_back(scope_name(s));
  }
  return out;
}

Result<ScopeSet> parse_scope_list(std::string_view text) {
  if (trim(text).empty()) return make_error(ErrorCode::kInvalidArgument, "the scope list is empty");
  ScopeSet set;
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    if (item.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "the scope list has an empty entry");
    }
    const auto scope = scope_from_name(item);
    if (!scope) {
      return make_error(ErrorCode::kInvalidArgument,
                        "unknown scope '" + std::string(item) +
                            "' (known: mail, submission, contacts, calendars, sieve)");
    }
    set.add(*scope);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return set;
}

const char* access_name(Access access) {
  return access == Access::kReadWrite ? "read-write" : "read-only";
}

std::optional<Access> access_from_name(std::string_view name) {
  if (name == "read-only") return Access::kReadOnly;
  if (name == "read-write") return Access::kReadWrite;
  return std::nullopt;
}

Status validate_grant(const Grant& grant) {
  if (grant.scopes.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "an API token needs at least one scope");
  }
  if (grant.scopes.has(Scope::kSubmission) && grant.access != Access::kReadWrite) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the submission scope needs read-write access (sending is a write)");
  }
  return ok_status();
}

const char* protocol_name(Protocol p) {
  switch (p) {
    case Protocol::kImap:
      return "imap";
    case Protocol::kPop3:
      return "pop3";
    case Protocol::kSubmission:
      return "submission";
    case Protocol::kSieve:
      return "sieve";
    case Protocol::kJmap:
      return "jmap";
  }
  return "unknown";
}

std::optional<Protocol> protocol_from_service(std::string_view service) {
  if (service == "imap") return Protocol::kImap;
  if (service == "pop3") return Protocol::kPop3;
  if (service == "submission") return Protocol::kSubmission;
  if (service == "sieve" || service == "managesieve") return Protocol::kSieve;
  if (service == "jmap") return Protocol::kJmap;
  return std::nullopt;
}

std::optional<Scope> scope_for_protocol(Protocol p) {
  switch (p) {
    case Protocol::kImap:
    case Protocol::kPop3:
      return Scope::kMail;
    case Protocol::kSubmission:
      return Scope::kSubmission;
    case Protocol::kSieve:
      return Scope::kSieve;
    case Protocol::kJmap:
      return std::nullopt;
  }
  return std::nullopt;
}

bool host_enforces_read_only(Protocol p) { return p == Protocol::kImap || p == Protocol::kJmap; }

Status check_protocol_access(const Grant& grant, Protocol p) {
  if (p == Protocol::kJmap) {
    // Any scope opens the session; the gateway filters capabilities per request.
    if (grant.scopes.empty()) {
      return make_error(ErrorCode::kFailedPrecondition, "this API token has no scopes");
    }
  } else {
    const auto needed = scope_for_protocol(p);
    // Every non-JMAP protocol names a scope; a missing one would be a bug, so refuse.
    if (!needed || !grant.scopes.has(*needed)) {
      return make_error(ErrorCode::kFailedPrecondition,
                        std::string("this API token has no '") +
                            (needed ? scope_name(*needed) : "unknown") + "' scope");
    }
  }
  if (grant.access == Access::kReadOnly && !host_enforces_read_only(p)) {
    return make_error(
        ErrorCode::kFailedPrecondition,
        std::string("read-only API tokens cannot be used for ") + protocol_display_name(p));
  }
  return ok_status();
}

}  // namespace mailtoken
