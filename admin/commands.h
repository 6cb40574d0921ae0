// The admin commands. Each parses its own arguments (CommandLine), opens what it needs
// (AdminContext) and writes results to the invocation's streams: data on `out`, notices and
// prompts on `err`. None writes the error line itself; cli.cpp prints the returned status.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "admin/command_status.h"

namespace mailtoken::admin {

struct Invocation {
  std::string command;            // as typed: "create", "db migrate" (for help hints)
  std::vector<std::string> args;  // the words after the command
  std::string config_path;
  std::string actor;  // default created_by / revoked_by
  bool stdin_is_terminal = false;
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

using CommandFunction = CommandStatus (*)(const Invocation&);

CommandStatus run_create(const Invocation& inv);
CommandStatus run_list(const Invocation& inv);
CommandStatus run_show(const Invocation& inv);
CommandStatus run_revoke(const Invocation& inv);
CommandStatus run_db_migrate(const Invocation& inv);
CommandStatus run_db_status(const Invocation& inv);
CommandStatus run_plan_set(const Invocation& inv);
CommandStatus run_plan_list(const Invocation& inv);
CommandStatus run_account_set_plan(const Invocation& inv);
CommandStatus run_pepper_generate(const Invocation& inv);

}  // namespace mailtoken::admin
