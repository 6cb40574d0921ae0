// The `mailtoken` tool's entry point: global options, dispatch to a command, and the single
// place where failures become `mailtoken: error: ...` and an exit code.
//
//   mailtoken [--config FILE] COMMAND [ARGS...]
//
// run() never throws: anything a command lets escape is caught here and reported as an
// internal error (exit 70). See mailtoken(1) for the commands and exit codes.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "admin/command_status.h"

namespace mailtoken::admin {

// What run() takes from the process, so tests can supply it.
struct Environment {
  std::string config_env;  // $MAILTOKEN_CONFIG, "" when unset
  std::string actor;       // $SUDO_USER, else the login name of getuid()
  bool stdin_is_terminal = false;

  static Environment from_process();
};

int run(const std::vector<std::string>& args, const Environment& env, std::istream& in,
        std::ostream& out, std::ostream& err);

// argv split at the command: the global options before it, then the command words.
struct GlobalSplit {
  std::vector<std::string> global_args;
  std::vector<std::string> command_args;  // first element is the command, if any
};
GlobalSplit split_global_arguments(const std::vector<std::string>& args);

// The stderr text for a failed status: exactly one "mailtoken: error: " line (newlines and
// control characters in the message are flattened), plus a "Try ..." line for usage errors.
std::string format_error(const CommandStatus& status);

}  // namespace mailtoken::admin
