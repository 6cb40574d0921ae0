#include "admin/context.h"

#include <filesystem>
#include <system_error>

namespace mailtoken::admin {

CommandStatus load_config(const std::string& path, Config& config) {
  auto loaded = load_config_file(path);
  if (!loaded) return failure(ExitCode::kConfig, loaded.error().message);
  config = std::move(loaded.value());
  return success();
}

CommandStatus from_store_error(const Error& error) {
  // Store messages may quote the connection string; its password must not reach a terminal.
  return failure(exit_code_for(error.code), redact_dsn(error.message));
}

CommandStatus open_context(const std::string& config_path, SchemaCheck check, AdminContext& ctx) {
  if (auto s = load_config(config_path, ctx.config); !s.ok()) return s;

  auto peppers = PepperRing::load(ctx.config.pepper_file, ctx.config.retired_pepper_files);
  if (!peppers) {
    std::string message = peppers.error().message;
    std::error_code ec;
    if (!std::filesystem::exists(ctx.config.pepper_file, ec)) {
      message += " (create it with 'mailtoken pepper generate')";
    }
    return failure(ExitCode::kConfig, message);
  }
  ctx.peppers.emplace(std::move(peppers.value()));

  auto store = open_token_store(ctx.config.database);
  if (!store) {
    if (store.error().code == ErrorCode::kInvalidArgument) {
      return failure(ExitCode::kConfig, "database: " + redact_dsn(store.error().message));
    }
    return from_store_error(store.error());
  }
  ctx.store = std::move(store.value());

  if (check == SchemaCheck::kNone) return success();
  auto schema = ctx.store->schema_status();
  if (!schema) return from_store_error(schema.error());
  if (schema->current_version < 1) {
    return failure(ExitCode::kRefused,
                   "database schema is not installed; run 'mailtoken db migrate'");
  }
  if (schema->current_version > schema->latest_version) {
    return failure(ExitCode::kRefused,
                   "database schema version " + std::to_string(schema->current_version) +
                       " is newer than this mailtoken knows (" +
                       std::to_string(schema->latest_version) + "); upgrade mailtoken");
  }
  return success();
}

}  // namespace mailtoken::admin
