// CommandLine: one command's options and positional arguments, parsed with
// Boost.Program_options, with `--help` and the tool's error conventions built in.
//
//   CommandLine cl("show", "show ID [--json]", "Shows one token.");
//   cl.add_positional("id", "ID", /*required=*/true);
//   cl.add_options()("json", po::bool_switch(), "print JSON");
//   if (auto s = cl.parse(inv.args, out); !s.ok() || cl.help_shown()) return s;
//   std::string id = cl.string("id");
//
// Boost's exceptions stop here: parse() turns them into a usage error (exit 2, with a
// "Try 'mailtoken show --help'" hint). Option abbreviations are off, so a typo never silently
// selects another option.
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "admin/command_status.h"

namespace mailtoken::admin {

class CommandLine {
 public:
  // command: as typed after `mailtoken` ("db migrate"); synopsis: usage after `mailtoken`.
  CommandLine(std::string command, std::string synopsis, std::string description);

  // Positional arguments in order; only the last ones may be optional.
  void add_positional(const std::string& name, const std::string& label, bool required);
  boost::program_options::options_description_easy_init add_options() {
    return visible_.add_options();
  }

  // Parses args (the words after the command). On --help, prints the help to `out` and
  // help_shown() becomes true; the caller then returns the (ok) status.
  CommandStatus parse(const std::vector<std::string>& args, std::ostream& out);
  bool help_shown() const { return help_shown_; }
  std::string help_text() const;

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  bool flag(const std::string& name) const;
  std::string string(const std::string& name) const;
  std::optional<std::string> optional_string(const std::string& name) const;
  std::vector<std::string> strings(const std::string& name) const;
  std::optional<std::int64_t> optional_int(const std::string& name) const;

 private:
  struct Positional {
    std::string name;
    std::string label;
    bool required;
  };
  std::string command_;
  std::string synopsis_;
  std::string description_;
  boost::program_options::options_description visible_;
  boost::program_options::options_description hidden_;
  boost::program_options::positional_options_description positional_;
  std::vector<Positional> positionals_;
  boost::program_options::variables_map values_;
  bool help_shown_ = false;
};

}  // namespace mailtoken::admin
