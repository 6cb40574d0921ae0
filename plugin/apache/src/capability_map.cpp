#include "capability_map.h"

#include <array>
#include <utility>

#include "mailtoken/mailtoken.h"

namespace mailtoken::jmap {
namespace {

constexpr unsigned kMail = MAILTOKEN_SCOPE_MAIL;
constexpr unsigned kSubmission = MAILTOKEN_SCOPE_SUBMISSION;
constexpr unsigned kContacts = MAILTOKEN_SCOPE_CONTACTS;
constexpr unsigned kCalendars = MAILTOKEN_SCOPE_CALENDARS;
constexpr unsigned kSieve = MAILTOKEN_SCOPE_SIEVE;

// Standard (IANA) capabilities and the Cyrus-specific ones Cyrus 3.6 advertises with
// jmap_nonstandard_extensions (HOSTS.md). Cyrus's performance, debug and backup
// capabilities are absent on purpose: the first two expose server internals, and backup
// restores mail, contacts and calendars at once, which no single scope covers.
constexpr std::array<std::pair<std::string_view, unsigned>, 20> kCapabilityScopes{{
    {"urn:ietf:params:jmap:core", 0},
    {"urn:ietf:params:jmap:mail", kMail},
    {"urn:ietf:params:jmap:vacationresponse", kMail},
    {"urn:ietf:params:jmap:mdn", kMail},
    {"urn:ietf:params:jmap:quota", kMail},
    {"urn:ietf:params:jmap:blob", kMail},
    // JMAP submission needs mail as well (Fastmail does the same): EmailSubmission refers
    // to Email objects, and a send-only token must not read mail.
    {"urn:ietf:params:jmap:submission", kMail | kSubmission},
    {"urn:ietf:params:jmap:contacts", kContacts},
    {"urn:ietf:params:jmap:calendars", kCalendars},
    {"urn:ietf:params:jmap:principals", kCalendars},
    {"urn:ietf:params:jmap:sieve", kSieve},
    {"https://cyrusimap.org/ns/jmap/mail", kMail},
    {"https://cyrusimap.org/ns/jmap/quota", kMail},
    {"https://cyrusimap.org/ns/jmap/blob", kMail},
    {"https://cyrusimap.org/ns/jmap/usercounters", kMail},
    {"https://cyrusimap.org/ns/jmap/contacts", kContacts},
    {"https://cyrusimap.org/ns/jmap/calendars", kCalendars},
    {"https://cyrusimap.org/ns/jmap/sieve", kSieve},
    {"urn:ietf:params:jmap:websocket", 0},
    {"urn:ietf:params:jmap:calendars:preferences", kCalendars},
}};

// Methods outside the get/changes/query/queryChanges families that only read.
constexpr std::array<std::string_view, 5> kReadOnlyMethods{
    "Core/echo", "Email/parse", "Blob/lookup", "SearchSnippet/get", "Sieve/validate"};

constexpr std::array<std::string_view, 4> kReadOnlyVerbs{"get", "changes", "query", "queryChanges"};

}  // namespace

std::optional<unsigned> scopes_needed_for_capability(std::string_view capability) {
  for (const auto& [name, scopes] : kCapabilityScopes) {
    if (name == capability) return scopes;
  }
  return std::nullopt;
}

bool capability_allowed(std::string_view capability, unsigned scopes) {
  const auto needed = scopes_needed_for_capability(capability);
  return needed && (*needed & scopes) == *needed;
}

unsigned scopes_needed_for_method(std::string_view method) {
  constexpr std::string_view kBlobPrefix = "Blob/";
  return method.substr(0, kBlobPrefix.size()) == kBlobPrefix ? kMail : 0;
}

bool method_is_read_only(std::string_view method) {
  for (auto name : kReadOnlyMethods) {
    if (name == method) return true;
  }
  const auto slash = method.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  const auto verb = method.substr(slash + 1);
  for (auto v : kReadOnlyVerbs) {
    if (v == verb) return true;
  }
  return false;
}

}  // namespace mailtoken::jmap
