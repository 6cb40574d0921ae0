// AdminContext: what a command needs from the world (config, peppers, store), opened in the
// order that gives the most useful error first: config (exit 78), pepper (78), database
// connection string (78), database reachable (75), schema installed (1).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "admin/command_status.h"
#include "mailtoken/config.h"
#include "mailtoken/pepper.h"
#include "mailtoken/token_store.h"

namespace mailtoken::admin {

struct AdminContext {
  Config config;
  std::optional<PepperRing> peppers;
  std::unique_ptr<TokenStore> store;
};

enum class SchemaCheck {
  kRequireInstalled,  // every command but `db ...`
  kNone,              // `db migrate` / `db status` work on an empty database
};

CommandStatus load_config(const std::string& path, Config& config);
CommandStatus open_context(const std::string& config_path, SchemaCheck check, AdminContext& ctx);

// A store error for a message: one line, any DSN password masked.
CommandStatus from_store_error(const Error& error);

}  // namespace mailtoken::admin
