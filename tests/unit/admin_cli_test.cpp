// The tool's command line as a whole: global options, dispatch, exit codes and the single
// error line. Only paths that fail or finish before touching a config file or database.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "admin/cli.h"
#include "admin/confirm.h"

namespace mailtoken::admin {
namespace {

struct RunResult {
  int exit_code;
  std::string out;
  std::string err;
};

RunResult run_tool(const std::vector<std::string>& args, const std::string& input = "") {
  Environment env;
  env.config_env = "/nonexistent/mailtoken-test.conf";
  env.actor = "tester";
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  const int code = run(args, env, in, out, err);
  return {code, out.str(), err.str()};
}

TEST(AdminCliTest, SplitsGlobalOptionsFromTheCommand) {
  auto split = split_global_arguments({"--config", "/x.conf", "create", "--config", "y"});
  EXPECT_EQ(split.global_args, (std::vector<std::string>{"--config", "/x.conf"}));
  EXPECT_EQ(split.command_args, (std::vector<std::string>{"create", "--config", "y"}));
  split = split_global_arguments({"--config=/x", "list"});
  EXPECT_EQ(split.global_args, (std::vector<std::string>{"--config=/x"}));
  EXPECT_EQ(split.command_args, (std::vector<std::string>{"list"}));
  split = split_global_arguments({});
  EXPECT_TRUE(split.command_args.empty());
}

TEST(AdminCliTest, HelpAndVersionSucceed) {
  auto r = run_tool({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("account set-plan"), std::string::npos);
  EXPECT_EQ(r.err, "");
  r = run_tool({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("mailtoken ", 0), 0u);
}

TEST(AdminCliTest, EveryCommandHasHelp) {
  for (const std::vector<std::string>& cmd :
       std::vector<std::vector<std::string>>{{"create"},
                                             {"list"},
                                             {"show"},
                                             {"revoke"},
                                             {"db", "migrate"},
                                             {"db", "status"},
                                             {"plan", "set"},
                                             {"plan", "list"},
                                             {"account", "set-plan"},
                                             {"pepper", "generate"},
                                             {"db"},
                                             {"plan"}}) {
    std::vector<std::string> args = cmd;
    args.push_back("--help");
    auto r = run_tool(args);
    EXPECT_EQ(r.exit_code, 0) << cmd[0];
    EXPECT_EQ(r.out.rfind("Usage: mailtoken", 0), 0u) << cmd[0];
  }
  EXPECT_NE(run_tool({"create", "--help"}).out.find("lowercased"), std::string::npos);
}

TEST(AdminCliTest, UsageErrorsExitTwoWithOneErrorLineAndAHint) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"bogus"},
                                             {"--bogus", "list"},
                                             {"create", "alice"},
                                             {"create", "--name", "x"},
                                             {"create", "alice", "--name", "x", "--bogus"},
                                             {"db"},
                                             {"db", "drop"},
                                             {"plan", "set", "p"},
                                             {"create", "alice", "--nam", "x"}}) {
    auto r = run_tool(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err.rfind("mailtoken: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("\nTry 'mailtoken"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST(AdminCliTest, BadValuesExitTwoBeforeReadingTheConfig) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"create", "", "--name", "x"},
           {"create", "al ice", "--name", "x"},
           {"create", "alice", "--name", ""},
           {"create", "alice", "--name", "x", "--scope", "mail,nope"},
           {"create", "alice", "--name", "x", "--read-only", "--scope", "submission"},
           {"create", "alice", "--name", "x", "--expires", "10x"},
           {"create", "alice", "--name", "x", "--expires", "2001-01-01T00:00:00Z"},
           {"show", "not-an-id"},
           {"revoke", "short"},
           {"plan", "set", "p", "--tokens", "maybe"}}) {
    auto r = run_tool(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.err;
    EXPECT_EQ(r.err.rfind("mailtoken: error: ", 0), 0u);
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  }
}

TEST(AdminCliTest, MissingConfigIsExitSeventyEight) {
  auto r = run_tool({"list"});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("/nonexistent/mailtoken-test.conf"), std::string::npos);
  r = run_tool({"--config", "/nonexistent/other.conf", "db", "status"});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("/nonexistent/other.conf"), std::string::npos);
}

TEST(AdminCliTest, ErrorMessagesAreFlattenedToOneLine) {
  CommandStatus status = failure(ExitCode::kTempFail, "server said:\nline two\r");
  EXPECT_EQ(format_error(status), "mailtoken: error: server said: line two \n");
  EXPECT_EQ(format_error(usage_error("bad", "db migrate")),
            "mailtoken: error: bad\nTry 'mailtoken db migrate --help'.\n");
}

TEST(AdminConfirmTest, OnlyYesConfirms) {
  EXPECT_TRUE(is_affirmative("y"));
  EXPECT_TRUE(is_affirmative(" YES \n"));
  EXPECT_FALSE(is_affirmative(""));
  EXPECT_FALSE(is_affirmative("n"));
  EXPECT_FALSE(is_affirmative("yes please"));
  std::istringstream in("y\n");
  std::ostringstream prompt;
  EXPECT_TRUE(ask_yes_no("Sure? [y/N] ", in, prompt));
  EXPECT_EQ(prompt.str(), "Sure? [y/N] ");
  std::istringstream eof("");
  EXPECT_FALSE(ask_yes_no("Sure? ", eof, prompt));
}

}  // namespace
}  // namespace mailtoken::admin
