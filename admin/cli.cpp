#include "admin/cli.h"

#include <pwd.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string_view>

#include "admin/commands.h"
#include "admin/validation.h"
#include "mailtoken/config.h"

#ifndef MAILTOKEN_VERSION
#define MAILTOKEN_VERSION "unknown"
#endif

namespace po = boost::program_options;

namespace mailtoken::admin {
namespace {

struct CommandEntry {
  std::string_view group;  // "" for top-level commands
  std::string_view name;
  std::string_view summary;
  CommandFunction function;
};

constexpr CommandEntry kCommands[] = {
    {"", "create", "create a token for a user and print it once", run_create},
    {"", "list", "list tokens (of one user), without secrets", run_list},
    {"", "show", "show one token by id", run_show},
    {"", "revoke", "revoke a token (irreversible)", run_revoke},
    {"db", "migrate", "install or upgrade the database schema", run_db_migrate},
    {"db", "status", "show the schema version", run_db_status},
    {"plan", "set", "create or change a plan", run_plan_set},
    {"plan", "list", "list plans", run_plan_list},
    {"account", "set-plan", "put an account on a plan", run_account_set_plan},
    {"pepper", "generate", "create a new pepper file", run_pepper_generate},
};

bool is_group(std::string_view word) {
  for (const CommandEntry& c : kCommands) {
    if (!c.group.empty() && c.group == word) return true;
  }
  return false;
}

std::string command_list(std::string_view only_group) {
  std::ostringstream text;
  for (const CommandEntry& c : kCommands) {
    if (!only_group.empty() && c.group != only_group) continue;
    std::string words =
        c.group.empty() ? std::string(c.name) : std::string(c.group) + " " + std::string(c.name);
    text << "  " << words << std::string(words.size() < 18 ? 18 - words.size() : 1, ' ')
         << c.summary << "\n";
  }
  return text.str();
}

po::options_description global_options() {
  po::options_description options("Global options");
  // clang-format off
  options.add_options()
      ("config", po::value<std::string>()->value_name("FILE"),
       "config file (default: $MAILTOKEN_CONFIG, else /etc/mailtoken/mailtoken.conf)")
      ("help,h", "show this help and exit")
      ("version", "show the version and exit");
  // clang-format on
  return options;
}

std::string tool_help() {
  std::ostringstream text;
  text << "Usage: mailtoken [--config FILE] COMMAND [ARGS...]\n\n"
          "Manages API tokens that mail clients use instead of a password.\n\n"
          "Commands:\n"
       << command_list("") << "\nRun 'mailtoken COMMAND --help' for a command's options.\n\n"
       << global_options();
  return text.str();
}

std::string group_help(std::string_view group) {
  return "Usage: mailtoken [--config FILE] " + std::string(group) + " SUBCOMMAND [ARGS...]\n\n" +
         "Subcommands:\n" + command_list(group) + "\nRun 'mailtoken " + std::string(group) +
         " SUBCOMMAND --help' for its options.\n";
}

std::string one_line(std::string_view text) {
  std::string line;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    line += (u < 0x20 || u == 0x7F) ? ' ' : c;
  }
  return line;
}

// Parses global options and finds the command; runs it.
CommandStatus dispatch(const std::vector<std::string>& args, const Environment& env,
                       std::istream& in, std::ostream& out, std::ostream& err) {
  const GlobalSplit split = split_global_arguments(args);

  po::variables_map globals;
  try {
    const int style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(split.global_args)
                  .options(global_options())
                  .positional({})
                  .style(style)
                  .run(),
              globals);
    po::notify(globals);
  } catch (const po::error& e) {
    return usage_error(e.what(), "");
  }
  if (globals.count("help") != 0) {
    out << tool_help();
    return success();
  }
  if (globals.count("version") != 0) {
    out << "mailtoken " << MAILTOKEN_VERSION << "\n";
    return success();
  }
  if (split.command_args.empty()) return usage_error("no command given", "");

  Invocation inv;
  if (globals.count("config") != 0) {
    inv.config_path = globals["config"].as<std::string>();
  } else if (!env.config_env.empty()) {
    inv.config_path = env.config_env;
  } else {
    inv.config_path = kDefaultConfigPath;
  }
  inv.actor = env.actor;
  inv.stdin_is_terminal = env.stdin_is_terminal;
  inv.in = &in;
  inv.out = &out;
  inv.err = &err;

  const std::string& first = split.command_args[0];
  std::size_t consumed = 1;
  std::string_view group;
  std::string_view name = first;
  if (is_group(first)) {
    group = first;
    if (split.command_args.size() < 2) {
      return usage_error("'" + first + "' needs a subcommand", first);
    }
    const std::string& sub = split.command_args[1];
    if (sub == "--help" || sub == "-h") {
      out << group_help(group);
      return success();
    }
    name = sub;
    consumed = 2;
  }
  for (const CommandEntry& c : kCommands) {
    if (c.group == group && c.name == name) {
      inv.command =
          group.empty() ? std::string(name) : std::string(group) + " " + std::string(name);
      inv.args.assign(split.command_args.begin() + static_cast<std::ptrdiff_t>(consumed),
                      split.command_args.end());
      return c.function(inv);
    }
  }
  if (!group.empty()) {
    return usage_error(
        "unknown " + std::string(group) + " subcommand '" + printable(name, 32) + "'",
        std::string(group));
  }
  return usage_error("unknown command '" + printable(first, 32) + "'", "");
}

}  // namespace

Environment Environment::from_process() {
  Environment env;
  if (const char* config = std::getenv("MAILTOKEN_CONFIG"); config != nullptr) {
    env.config_env = config;
  }
  if (const char* sudo_user = std::getenv("SUDO_USER");
      sudo_user != nullptr && *sudo_user != '\0') {
    env.actor = sudo_user;
  } else if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_name != nullptr) {
    env.actor = pw->pw_name;
  } else {
    env.actor = "uid " + std::to_string(getuid());
  }
  env.stdin_is_terminal = isatty(STDIN_FILENO) == 1;
  return env;
}

GlobalSplit split_global_arguments(const std::vector<std::string>& args) {
  GlobalSplit split;
  std::size_t i = 0;
  while (i < args.size()) {
    const std::string& arg = args[i];
    if (arg.empty() || arg[0] != '-' || arg == "-") break;
    split.global_args.push_back(arg);
    // The only global option with a separate value.
    if (arg == "--config" && i + 1 < args.size()) split.global_args.push_back(args[++i]);
    ++i;
  }
  split.command_args.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return split;
}

std::string format_error(const CommandStatus& status) {
  std::string text = "mailtoken: error: " + one_line(status.message) + "\n";
  if (!status.help_hint.empty()) text += "Try '" + status.help_hint + "'.\n";
  return text;
}

int run(const std::vector<std::string>& args, const Environment& env, std::istream& in,
        std::ostream& out, std::ostream& err) {
  CommandStatus status;
  try {
    status = dispatch(args, env, in, out, err);
  } catch (const std::exception& e) {
    status = failure(ExitCode::kSoftware, std::string("internal error: ") + e.what());
  } catch (...) {
    status = failure(ExitCode::kSoftware, "internal error");
  }
  out.flush();
  if (!status.ok()) err << format_error(status);
  err.flush();
  return static_cast<int>(status.exit_code);
}

}  // namespace mailtoken::admin
