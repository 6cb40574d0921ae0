// db migrate, db status.
#include "admin/command_line.h"
#include "admin/commands.h"
#include "admin/context.h"

namespace mailtoken::admin {
namespace {

std::string plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

CommandStatus run_db_migrate(const Invocation& inv) {
  CommandLine cl(inv.command, "db migrate",
                 "Applies the schema migrations this build ships that the database does not "
                 "have yet,\neach in its own transaction. Running it again is a no-op.");
  if (auto s = cl.parse(inv.args, *inv.out); !s.ok() || cl.help_shown()) return s;

  AdminContext ctx;
  if (auto s = open_context(inv.config_path, SchemaCheck::kNone, ctx); !s.ok()) return s;
  auto applied = ctx.store->migrate();
  if (!applied) return from_store_error(applied.error());
  auto schema = ctx.store->schema_status();
  if (!schema) return from_store_error(schema.error());
  if (*applied == 0) {
    *inv.out << "Schema is up to date (version " << schema->current_version
             << "); no migration applied.\n";
  } else {
    *inv.out << "Applied " << plural(*applied, "migration") << "; schema is at version "
             << schema->current_version << ".\n";
  }
  return success();
}

CommandStatus run_db_status(const Invocation& inv) {
  CommandLine cl(inv.command, "db status",
                 "Shows the database's schema version and the latest this build knows.");
  if (auto s = cl.parse(inv.args, *inv.out); !s.ok() || cl.help_shown()) return s;

  AdminContext ctx;
  if (auto s = open_context(inv.config_path, SchemaCheck::kNone, ctx); !s.ok()) return s;
  auto schema = ctx.store->schema_status();
  if (!schema) return from_store_error(schema.error());
  *inv.out << "Schema version: " << schema->current_version << "\n"
           << "Latest version: " << schema->latest_version << "\n";
  const int pending = schema->latest_version - schema->current_version;
  if (pending == 0) {
    *inv.out << "Status: up to date\n";
  } else if (pending > 0) {
    *inv.out << "Status: " << plural(pending, "migration")
             << " pending; run 'mailtoken db migrate'\n";
  } else {
    *inv.out << "Status: the database is newer than this mailtoken; upgrade mailtoken\n";
  }
  return success();
}

}  // namespace mailtoken::admin
