// The access model: what a token may reach (scopes), whether it may change anything
// (access), and which protocols each scope opens (DESIGN section 4).
//
//   auto scopes = parse_scope_list("mail,sieve");      // Result<ScopeSet>
//   auto rule = check_grant(Grant{Access::kReadOnly, *scopes}, Protocol::kPop3);
//   if (!rule) refuse(rule.error().message);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailtoken/result.h"

namespace mailtoken {

enum class Scope : std::uint8_t {
  kMail = 1 << 0,
  kSubmission = 1 << 1,
  kContacts = 1 << 2,
  kCalendars = 1 << 3,
  kSieve = 1 << 4,
};

inline constexpr Scope kAllScopes[] = {Scope::kMail, Scope::kSubmission, Scope::kContacts,
                                       Scope::kCalendars, Scope::kSieve};

const char* scope_name(Scope scope);
std::optional<Scope> scope_from_name(std::string_view name);

class ScopeSet {
 public:
  constexpr ScopeSet() = default;
  constexpr explicit ScopeSet(std::uint8_t bits) : bits_(bits) {}
  static constexpr ScopeSet of(Scope s) { return ScopeSet(static_cast<std::uint8_t>(s)); }

  constexpr bool has(Scope s) const { return (bits_ & static_cast<std::uint8_t>(s)) != 0; }
  constexpr void add(Scope s) { bits_ = static_cast<std::uint8_t>(bits_ | static_cast<std::uint8_t>(s)); }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr std::uint8_t bits() const { return bits_; }
  friend constexpr bool operator==(ScopeSet, ScopeSet) = default;

  // Canonical text: names in kAllScopes order joined by ',' ("mail,sieve"). Stored as is.
  std::string to_string() const;
  std::vector<std::string> names() const;

 private:
  std::uint8_t bits_ = 0;
};

// Parses "mail,submission" (also accepts repeated and space-padded names). Empty list,
// empty element or unknown name: kInvalidArgument naming the offending scope.
Result<ScopeSet> parse_scope_list(std::string_view text);

enum class Access : std::uint8_t { kReadOnly, kReadWrite };
const char* access_name(Access access);  // "read-only" / "read-write"
std::optional<Access> access_from_name(std::string_view name);

// What a token grants.
struct Grant {
  Access access = Access::kReadOnly;
  ScopeSet scopes;
};

// Rules at creation time: at least one scope; submission needs read-write.
Status validate_grant(const Grant& grant);

enum class Protocol : std::uint8_t { kImap, kPop3, kSubmission, kSieve, kJmap };
const char* protocol_name(Protocol p);  // "imap", "pop3", "submission", "sieve", "jmap"
// Maps a host's service name (Dovecot: imap, pop3, submission, sieve; "managesieve" too;
// "jmap"). Any other service (lmtp, doveadm, smtp, ...) has no protocol: tokens never work there.
std::optional<Protocol> protocol_from_service(std::string_view service);

// The scope a protocol login needs. JMAP needs no single scope at login (any scope opens the
// session; capabilities are filtered per request by the gateway), so this returns nullopt.
std::optional<Scope> scope_for_protocol(Protocol p);

// Whether the host can enforce read-only for this protocol (HOSTS.md): IMAP (mail plugin) and
// JMAP (gateway) can; POP3 (DELE answers +OK), ManageSieve (PUTSCRIPT) and Submission (sending
// is a write) cannot.
bool host_enforces_read_only(Protocol p);

// May this grant log in over this protocol? kFailedPrecondition with a message fit for the
// client ("token has no 'sieve' scope", "read-only tokens cannot be used for POP3") otherwise.
Status check_protocol_access(const Grant& grant, Protocol p);

}  // namespace mailtoken
