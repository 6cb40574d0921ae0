#include "admin/command_line.h"

#include <sstream>

namespace po = boost::program_options;

namespace mailtoken::admin {

CommandLine::CommandLine(std::string command, std::string synopsis, std::string description)
    : command_(std::move(command)),
      synopsis_(std::move(synopsis)),
      description_(std::move(description)),
      visible_("Options"),
      hidden_("Arguments") {
  visible_.add_options()("help,h", "show this help and exit");
}

void CommandLine::add_positional(const std::string& name, const std::string& label, bool required) {
  hidden_.add_options()(name.c_str(), po::value<std::string>(), label.c_str());
  positional_.add(name.c_str(), 1);
  positionals_.push_back(Positional{name, label, required});
}

CommandStatus CommandLine::parse(const std::vector<std::string>& args, std::ostream& out) {
  try {
    po::options_description all;
    all.add(visible_).add(hidden_);
    const int style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    const po::parsed_options parsed =
        po::command_line_parser(args).options(all).positional(positional_).style(style).run();
    po::store(parsed, values_);
    if (values_.count("help") != 0) {
      out << help_text();
      help_shown_ = true;
      return success();
    }
    // Missing positionals first: "missing USER argument" says more than a missing option.
    for (const Positional& p : positionals_) {
      if (p.required && values_.count(p.name) == 0) {
        return usage_error("missing " + p.label + " argument", command_);
      }
    }
    po::notify(values_);
  } catch (const po::error& e) {
    return usage_error(e.what(), command_);
  }
  return success();
}

std::string CommandLine::help_text() const {
  std::ostringstream text;
  text << "Usage: mailtoken [--config FILE] " << synopsis_ << "\n\n"
       << description_ << "\n\n"
       << visible_;
  return text.str();
}

bool CommandLine::flag(const std::string& name) const {
  return values_.count(name) != 0 && values_[name].as<bool>();
}

std::string CommandLine::string(const std::string& name) const {
  return values_.count(name) != 0 ? values_[name].as<std::string>() : std::string();
}

std::optional<std::string> CommandLine::optional_string(const std::string& name) const {
  if (values_.count(name) == 0) return std::nullopt;
  return values_[name].as<std::string>();
}

std::vector<std::string> CommandLine::strings(const std::string& name) const {
  if (values_.count(name) == 0) return {};
  return values_[name].as<std::vector<std::string>>();
}

std::optional<std::int64_t> CommandLine::optional_int(const std::string& name) const {
  if (values_.count(name) == 0) return std::nullopt;
  return values_[name].as<std::int64_t>();
}

}  // namespace mailtoken::admin
