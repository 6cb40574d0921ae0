// The config file: every documented key, and loud errors (with key and line) for the rest.
#include "mailtoken/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mailtoken {
namespace {

constexpr std::string_view kMinimal =
    "database = sqlite3://db=/var/lib/mailtoken/tokens.db\n"
    "pepper_file = /etc/mailtoken/pepper\n";

std::string error_of(std::string_view text) {
  auto config = parse_config(text);
  EXPECT_FALSE(config.ok()) << text;
  if (config.ok()) return {};
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  return config.error().message;
}

TEST(Config, MinimalFileGetsTheDefaults) {
  auto config = parse_config(kMinimal);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->database, "sqlite3://db=/var/lib/mailtoken/tokens.db");
  EXPECT_EQ(config->pepper_file, "/etc/mailtoken/pepper");
  EXPECT_EQ(config->database_read, "");
  EXPECT_EQ(config->read_database(), config->database);
  EXPECT_TRUE(config->retired_pepper_files.empty());
  EXPECT_EQ(config->token_prefix, "mt1");
  EXPECT_EQ(config->default_plan, "default");
  EXPECT_EQ(config->last_used_interval, 60);
}

TEST(Config, ReadsEveryKeyWithCommentsBlankLinesAndWhitespace) {
  auto config = parse_config(
      "# mailtoken\r\n"
      "\n"
      "   database=mysql://db=mail user=mt password=s3cr#t host=db1  \r\n"
      "\tdatabase_read = mysql://db=mail user=mt password=x host=db2\n"
      "pepper_file = /etc/mailtoken/pepper\n"
      "  # indented comment\n"
      "retired_pepper_files = /etc/mailtoken/pepper.1 , /etc/mailtoken/pepper.2\n"
      "token_prefix = acme2\n"
      "default_plan = free\n"
      "last_used_interval = 0");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->database, "mysql://db=mail user=mt password=s3cr#t host=db1");
  EXPECT_EQ(config->read_database(), "mysql://db=mail user=mt password=x host=db2");
  EXPECT_EQ(config->retired_pepper_files,
            (std::vector<std::string>{"/etc/mailtoken/pepper.1", "/etc/mailtoken/pepper.2"}));
  EXPECT_EQ(config->token_prefix, "acme2");
  EXPECT_EQ(config->default_plan, "free");
  EXPECT_EQ(config->last_used_interval, 0);
}

TEST(Config, MissingRequiredKeys) {
  EXPECT_EQ(error_of("pepper_file = /p\n"), "missing required key 'database'");
  EXPECT_EQ(error_of("database = sqlite3://db=x\n"), "missing required key 'pepper_file'");
  EXPECT_EQ(error_of(""), "missing required key 'database'");
}

TEST(Config, UnknownAndRepeatedKeysNameTheKeyAndLine) {
  EXPECT_EQ(error_of(std::string(kMinimal) + "databse = x\n"), "line 3: unknown key 'databse'");
  EXPECT_EQ(error_of(std::string(kMinimal) + "\n# c\npepper_file = /other\n"),
            "line 5: 'pepper_file' is already set on line 2");
}

TEST(Config, BadLinesAndValues) {
  const std::string base(kMinimal);
  EXPECT_EQ(error_of(base + "just words\n"), "line 3: expected 'key = value'");
  EXPECT_EQ(error_of(base + "= value\n"), "line 3: expected 'key = value'");
  EXPECT_EQ(error_of("database =\npepper_file = /p\n"), "line 1: database has an empty value");
  EXPECT_NE(error_of(base + "token_prefix = MT1\n").find("line 3: token_prefix"),
            std::string::npos);
  EXPECT_NE(error_of(base + "token_prefix = x\n").find("token_prefix"), std::string::npos);
  for (const char* bad : {"-1", "86401", "1e3", "60s", "", "999999999999"}) {
    EXPECT_EQ(error_of(base + "last_used_interval = " + bad + "\n"),
              "line 3: last_used_interval must be a whole number of seconds from 0 to 86400")
        << bad;
  }
  EXPECT_TRUE(parse_config(base + "last_used_interval = 86400\n").ok());
  EXPECT_EQ(error_of(base + "retired_pepper_files = /a,,/b\n"),
            "line 3: retired_pepper_files has an empty entry");
}

TEST(Config, ErrorsNeverEchoValues) {
  const std::string message =
      error_of("database = mysql://db=x password=hunter2\ndatabase = again\n");
  EXPECT_EQ(message.find("hunter2"), std::string::npos);
  EXPECT_NE(message.find("line 2"), std::string::npos);
}

TEST(Config, LoadsAFileAndNamesItInErrors) {
  char pattern[] = "/tmp/mailtoken-config-test-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::filesystem::path dir = pattern;
  const std::string good = (dir / "good.conf").string();
  std::ofstream(good) << kMinimal;
  auto config = load_config_file(good);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->pepper_file, "/etc/mailtoken/pepper");

  const std::string bad = (dir / "bad.conf").string();
  std::ofstream(bad) << kMinimal << "colour = blue\n";
  auto refused = load_config_file(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find(bad), std::string::npos);
  EXPECT_NE(refused.error().message.find("line 3"), std::string::npos);

  auto missing = load_config_file((dir / "missing.conf").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing.conf"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(RedactDsn, MasksPasswords) {
  EXPECT_EQ(redact_dsn("mysql://db=mail user=mt password=hunter2 host=db1"),
            "mysql://db=mail user=mt password=*** host=db1");
  EXPECT_EQ(redact_dsn("mysql://password=hunter2"), "mysql://password=***");
  EXPECT_EQ(redact_dsn("mysql://db=mail pass=hunter2"), "mysql://db=mail pass=***");
  EXPECT_EQ(redact_dsn("mysql://db=m password=\"hunter 2\" host=h"),
            "mysql://db=m password=*** host=h");
  EXPECT_EQ(redact_dsn("mysql://db=m password='hunter 2' host=h"),
            "mysql://db=m password=*** host=h");
  EXPECT_EQ(redact_dsn("mysql://db=m password=\"unterminated secret"), "mysql://db=m password=***");
  EXPECT_EQ(redact_dsn("mysql://db=m password=a password=b"),
            "mysql://db=m password=*** password=***");
  EXPECT_EQ(redact_dsn("mysql://db=m password="), "mysql://db=m password=***");
  EXPECT_EQ(redact_dsn("postgresql://mt:hunter2@db1/mail"), "postgresql://mt:***@db1/mail");
  // Not a password key: left alone.
  EXPECT_EQ(redact_dsn("sqlite3://db=/var/lib/mailtoken/password=x.db"),
            "sqlite3://db=/var/lib/mailtoken/password=x.db");
  EXPECT_EQ(redact_dsn("sqlite3://db=/tmp/t.db"), "sqlite3://db=/tmp/t.db");
}

}  // namespace
}  // namespace mailtoken
