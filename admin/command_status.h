// How an admin command ends: an exit code and, on failure, the one-line message that
// `mailtoken: error: ` prefixes on stderr.
//
// Exit codes follow sysexits(3) where a caller may act on them: 75 (EX_TEMPFAIL) means "the
// database is down, retry", 78 (EX_CONFIG) means "fix the config file". Core errors map by
// category: bad input -> 2, a refusal of the current state (not found, already revoked, plan
// denies) -> 1, unavailable -> 75, internal -> 70.
//
//   if (!user) return input_error(user.error());
//   return success();
#pragma once

#include <string>

#include "mailtoken/result.h"

namespace mailtoken::admin {

enum class ExitCode : int {
  kOk = 0,
  kRefused = 1,    // runtime refusal: not found, already revoked, plan denies, aborted
  kUsage = 2,      // bad command line or bad input value
  kSoftware = 70,  // EX_SOFTWARE: internal error, a bug
  kTempFail = 75,  // EX_TEMPFAIL: database unavailable
  kConfig = 78,    // EX_CONFIG: bad or missing config file or pepper
};

struct [[nodiscard]] CommandStatus {
  ExitCode exit_code = ExitCode::kOk;
  std::string message;    // on failure: one line, never a secret
  std::string help_hint;  // command-line errors: "mailtoken create --help", shown as "Try '...'."

  bool ok() const { return exit_code == ExitCode::kOk; }
};

inline CommandStatus success() { return {}; }
CommandStatus failure(ExitCode code, std::string message);
// A malformed command line: unknown option, missing argument. command "" is the tool itself.
CommandStatus usage_error(std::string message, std::string command);
// A core error, mapped by its category.
CommandStatus from_error(const Error& error);
// A core error about a value the user typed: always exit 2, whatever the core's category.
CommandStatus input_error(const Error& error);
ExitCode exit_code_for(ErrorCode code);

}  // namespace mailtoken::admin
