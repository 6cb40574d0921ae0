// The SQL migrations shipped in sql/, compiled in by cmake/EmbedMigrations.cmake.
#pragma once

#include <span>

namespace mailtoken {

struct EmbeddedMigration {
  int version;       // from the file name: 001_initial.sql -> 1
  const char* name;  // "001_initial"
  const char* sql;   // statements separated by ';' at the end of a line
};

std::span<const EmbeddedMigration> sqlite_migrations();
std::span<const EmbeddedMigration> mariadb_migrations();

}  // namespace mailtoken
