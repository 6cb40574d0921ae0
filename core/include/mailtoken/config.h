// The mailtoken configuration file, shared by the host plugins and the admin tool.
//
//   # /etc/mailtoken/mailtoken.conf
//   database = sqlite3://db=/var/lib/mailtoken/tokens.db
//   pepper_file = /etc/mailtoken/pepper
//
// `key = value` lines, `#` starts a comment line, blank lines are ignored, surrounding
// whitespace is trimmed. Unknown keys, repeated keys, missing required keys and bad values are
// errors naming the key and line, so a typo fails loudly at start instead of being ignored.
//
// Keys:
//   database              required; SOCI connection string (sqlite3://db=PATH or
//                         mysql://db=NAME user=U password=P host=H port=N | unix_socket=PATH)
//   database_read         optional; DSN of a read replica for the verify path (defaults to
//                         `database`); writes always go to `database`
//   pepper_file           required; current pepper (>= 32 bytes, not world-readable)
//   retired_pepper_files  optional; comma-separated peppers that still verify old tokens
//   token_prefix          optional; default "mt1"
//   default_plan          optional; plan of accounts without a row; default "default"
//   last_used_interval    optional; seconds between last-used writes per token; default 60
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mailtoken/result.h"

namespace mailtoken {

inline constexpr const char* kDefaultConfigPath = "/etc/mailtoken/mailtoken.conf";

struct Config {
  std::string database;
  std::string database_read;  // empty: use `database`
  std::string pepper_file;
  std::vector<std::string> retired_pepper_files;
  std::string token_prefix = "mt1";
  std::string default_plan = "default";
  std::int64_t last_used_interval = 60;

  const std::string& read_database() const { return database_read.empty() ? database : database_read; }
};

Result<Config> parse_config(std::string_view text);
Result<Config> load_config_file(const std::string& path);

// For messages: the DSN with any password=... value replaced by "***".
std::string redact_dsn(std::string_view dsn);

}  // namespace mailtoken
