// The few SQL texts that differ between SQLite and MariaDB, and how a migration file is cut
// into statements. Everything else in soci_token_store.cpp is one SQL text for both.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "migrations.h"

namespace mailtoken {

struct SqlDialect {
  const char* backend;  // SOCI backend name, as in the DSN scheme
  std::span<const EmbeddedMigration> (*migrations)();
  // Starts a write transaction. SQLite takes the write lock at once (BEGIN IMMEDIATE): a
  // deferred transaction that reads and then writes can fail with SQLITE_BUSY, which
  // busy_timeout cannot wait out.
  const char* begin_write;
  // Appended to the SELECT that counts a user's active tokens inside create_token, so two
  // concurrent creates cannot both pass the plan's cap. SQLite's write lock already
  // serialises writers.
  const char* lock_for_update;
  const char* upsert_plan;     // :name, :tokens_allowed, :max_tokens
  const char* upsert_account;  // :user, :plan
  const char* migrations_table_exists;  // one row: count
  const char* create_migrations_table;
};

inline constexpr SqlDialect kSqliteDialect{
    "sqlite3",
    &sqlite_migrations,
    "BEGIN IMMEDIATE",
    "",
    "INSERT INTO plans (name, tokens_allowed, max_tokens) VALUES (:name, :allowed, :max) "
    "ON CONFLICT (name) DO UPDATE SET tokens_allowed = excluded.tokens_allowed, "
    "max_tokens = excluded.max_tokens",
    "INSERT INTO accounts (user, plan) VALUES (:user, :plan) "
    "ON CONFLICT (user) DO UPDATE SET plan = excluded.plan",
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
};

inline constexpr SqlDialect kMariadbDialect{
    "mysql",
    &mariadb_migrations,
    "START TRANSACTION",
    " FOR UPDATE",
    "INSERT INTO plans (name, tokens_allowed, max_tokens) VALUES (:name, :allowed, :max) "
    "ON DUPLICATE KEY UPDATE tokens_allowed = VALUES(tokens_allowed), "
    "max_tokens = VALUES(max_tokens)",
    "INSERT INTO accounts (user, plan) VALUES (:user, :plan) "
    "ON DUPLICATE KEY UPDATE plan = VALUES(plan)",
    "SELECT COUNT(*) FROM information_schema.tables "
    "WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'",
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY, "
    "name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL) "
    "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
};

// Cuts a migration file into statements: lines whose first non-blank characters are "--" are
// dropped (so comments may say anything), and a statement ends with a line ending in ';'.
// Returns the statements without the ';'; blank statements are skipped.
inline std::vector<std::string> split_sql_statements(std::string_view script) {
  std::vector<std::string> statements;
  std::string current;
  auto flush = [&] {
    auto first = current.find_first_not_of(" \t\r\n");
    if (first != std::string::npos) {
      auto last = current.find_last_not_of(" \t\r\n");
      statements.push_back(current.substr(first, last - first + 1));
    }
    current.clear();
  };
  while (!script.empty()) {
    auto eol = script.find('\n');
    std::string_view line = script.substr(0, eol);
    script = eol == std::string_view::npos ? std::string_view{} : script.substr(eol + 1);

    auto text_start = line.find_first_not_of(" \t\r");
    if (text_start == std::string_view::npos) continue;
    if (line.substr(text_start).starts_with("--")) continue;
    auto text_end = line.find_last_not_of(" \t\r");
    if (line[text_end] == ';') {
      current.append(line.substr(0, text_end));
      flush();
    } else {
      current.append(line);
      current.push_back('\n');
    }
  }
  flush();  // a last statement without ';'
  return statements;
}

}  // namespace mailtoken
