// create, list, show, revoke.
#include <boost/program_options.hpp>

#include "admin/command_line.h"
#include "admin/commands.h"
#include "admin/confirm.h"
#include "admin/context.h"
#include "admin/output.h"
#include "admin/validation.h"
#include "mailtoken/pepper.h"
#include "mailtoken/scopes.h"
#include "mailtoken/time_util.h"
#include "mailtoken/token_codec.h"
#include "mailtoken/user_name.h"

namespace po = boost::program_options;

namespace mailtoken::admin {
namespace {

constexpr const char* kUserRule =
    "USER is the login name as Dovecot sees it. It is stored lowercased (ASCII letters), the\n"
    "way Dovecot's default auth_username_format %Lu lowercases login names.";

// --by, or who runs the tool ($SUDO_USER, else the login name).
Result<std::string> resolve_actor(const CommandLine& cl, const Invocation& inv) {
  const std::string actor = cl.has("by") ? cl.string("by") : inv.actor;
  if (auto s = validate_actor(actor); !s) return s.error();
  return actor;
}

// A failed get_token/revoke_token of token `id`, as the tool reports it.
CommandStatus token_store_failure(const std::string& id, const Error& error) {
  switch (error.code) {
    case ErrorCode::kNotFound:
      return failure(ExitCode::kRefused, "no token with id " + id);
    case ErrorCode::kFailedPrecondition:
      return failure(ExitCode::kRefused, "token " + id + " is already revoked");
    default:
      return from_store_error(error);
  }
}

}  // namespace

CommandStatus run_create(const Invocation& inv) {
  CommandLine cl(inv.command, "create USER --name NAME [options]",
                 std::string("Creates an API token for USER and prints it once: the token alone on "
                             "the first line of\nstdout (or in a JSON object with --json). It "
                             "cannot be shown again.\n\n") +
                     kUserRule);
  cl.add_positional("user", "USER", true);
  // clang-format off
  cl.add_options()
      ("name", po::value<std::string>()->value_name("NAME")->required(),
       "what the token is for, e.g. \"Backup script\" (required; 1-200 characters)")
      ("read-only", po::bool_switch(), "read, never change (default: read-write)")
      ("scope", po::value<std::vector<std::string>>()->value_name("S[,S...]")->composing(),
       "mail (default), submission, contacts, calendars, sieve; repeat or comma-separate. "
       "submission needs read-write")
      ("expires", po::value<std::string>()->value_name("WHEN"),
       "ISO-8601 UTC time (2027-01-31T00:00:00Z) or a duration from now (90s, 45m, 12h, 30d, "
       "2w); default: never")
      ("by", po::value<std::string>()->value_name("WHO"),
       "who creates it, for the audit trail (default: $SUDO_USER, else your login name)")
      ("json", po::bool_switch(), "print one JSON object with the token and its fields");
  // clang-format on
  if (auto s = cl.parse(inv.args, *inv.out); !s.ok() || cl.help_shown()) return s;

  const UnixTime now = now_utc();
  auto user = normalize_user_name(cl.string("user"));
  if (!user) return input_error(user.error());
  const std::string name = cl.string("name");
  if (auto s = validate_token_name(name); !s) return input_error(s.error());
  auto scopes = parse_scope_options(cl.strings("scope"));
  if (!scopes) return input_error(scopes.error());
  const Grant grant{cl.flag("read-only") ? Access::kReadOnly : Access::kReadWrite, *scopes};
  if (auto s = validate_grant(grant); !s) return input_error(s.error());
  std::optional<UnixTime> expires_at;
  if (auto when = cl.optional_string("expires")) {
    auto parsed = parse_expiry(*when, now);
    if (!parsed) return input_error(parsed.error());
    expires_at = *parsed;
  }
  auto actor = resolve_actor(cl, inv);
  if (!actor) return input_error(actor.error());

  AdminContext ctx;
  if (auto s = open_context(inv.config_path, SchemaCheck::kRequireInstalled, ctx); !s.ok())
    return s;

  auto token = generate_token(ctx.config.token_prefix);
  if (!token) return from_error(token.error());
  NewTokenRow row;
  row.selector = token->selector;
  row.user = *user;
  row.name = name;
  row.grant = grant;
  row.hash = ctx.peppers->current().hash(token->secret);
  // The store reads an empty hash as "revoked"; never write one for a live token.
  if (row.hash.empty())
    return from_error(make_error(ErrorCode::kInternal, "could not compute the token hash"));
  row.key_id = ctx.peppers->current().key_id();
  row.created_at = now;
  row.created_by = *actor;
  row.expires_at = expires_at;
  auto created = ctx.store->create_token(row, ctx.config.default_plan);
  if (!created) return from_store_error(created.error());

  if (cl.flag("json")) {
    const SecretString json = created_token_json(*created, token->text);
    inv.out->write(json.view().data(), static_cast<std::streamsize>(json.view().size()));
    *inv.out << '\n';
  } else {
    inv.out->write(token->text.view().data(),
                   static_cast<std::streamsize>(token->text.view().size()));
    *inv.out << '\n';
  }
  inv.out->flush();
  if (!*inv.out) {
    // Nobody has the token (stdout closed, disk full): do not leave a live token behind.
    auto revoked = ctx.store->revoke_token(created->selector, *actor, now_utc());
    const std::string outcome = revoked ? "it has been revoked"
                                        : "revoking it failed too: revoke " + created->selector +
                                              " by hand";
    return from_error(make_error(ErrorCode::kInternal,
                                 "could not write the new token to standard output; " + outcome));
  }
  if (!cl.flag("json")) *inv.err << created_token_notice(*created);
  return success();
}

CommandStatus run_list(const Invocation& inv) {
  CommandLine cl(
      inv.command, "list [USER] [--all] [--json]",
      std::string("Lists tokens (all users', or USER's): id, user, name, access, scopes, "
                  "created, last used\n(time, protocol, client IP), expiry and status "
                  "(active, expired, revoked).\nRevoked tokens only with --all. Never "
                  "shows a secret.\n\n") +
          kUserRule);
  cl.add_positional("user", "USER", false);
  // clang-format off
  cl.add_options()
      ("all", po::bool_switch(), "include revoked tokens")
      ("json", po::bool_switch(), "print a JSON array of token objects");
  // clang-format on
  if (auto s = cl.parse(inv.args, *inv.out); !s.ok() || cl.help_shown()) return s;

  std::optional<std::string> user;
  if (cl.has("user")) {
    auto normalized = normalize_user_name(cl.string("user"));
    if (!normalized) return input_error(normalized.error());
    user = *normalized;
  }
  AdminContext ctx;
  if (auto s = open_context(inv.config_path, SchemaCheck::kRequireInstalled, ctx); !s.ok())
    return s;
  auto tokens = ctx.store->list_tokens(user, cl.flag("all"));
  if (!tokens) return from_store_error(tokens.error());

  const UnixTime now = now_utc();
  if (cl.flag("json")) {
    *inv.out << tokens_json(*tokens, now);
  } else if (tokens->empty()) {
    *inv.err << (cl.flag("all") ? "No tokens.\n"
                                : "No active tokens (--all shows revoked ones).\n");
  } else {
    *inv.out << tokens_table(*tokens, now);
  }
  return success();
}

CommandStatus run_show(const Invocation& inv) {
  CommandLine cl(inv.command, "show ID [--json]",
                 "Shows one token by its id (as printed by 'mailtoken list'), revoked ones "
                 "included.\nNever shows the secret.");
  cl.add_positional("id", "ID", true);
  cl.add_options()("json", po::bool_switch(), "print one JSON object");
  if (auto s = cl.parse(inv.args, *inv.out); !s.ok() || cl.help_shown()) return s;

  auto id = parse_token_id(cl.string("id"));
  if (!id) return input_error(id.error());
  AdminContext ctx;
  if (auto s = open_context(inv.config_path, SchemaCheck::kRequireInstalled, ctx); !s.ok())
    return s;
  auto token = ctx.store->get_token(*id);
  if (!token) return token_store_failure(*id, token.error());
  const UnixTime now = now_utc();
  *inv.out << (cl.flag("json") ? token_json(*token, now) : token_details(*token, now));
  return success();
}

CommandStatus run_revoke(const Invocation& inv) {
  CommandLine cl(inv.command, "revoke ID [--yes]",
                 "Revokes a token: it stops working at the very next login. This cannot be "
                 "undone.\nAsks for confirmation on a terminal; scripts pass --yes.");
  cl.add_positional("id", "ID", true);
  // clang-format off
  cl.add_options()
      ("yes,y", po::bool_switch(), "do not ask for confirmation")
      ("by", po::value<std::string>()->value_name("WHO"),
       "who revokes it, for the audit trail (default: $SUDO_USER, else your login name)");
  // clang-format on
  if (auto s = cl.parse(inv.args, *inv.out); !s.ok() || cl.help_shown()) return s;

  auto id = parse_token_id(cl.string("id"));
  if (!id) return input_error(id.error());
  auto actor = resolve_actor(cl, inv);
  if (!actor) return input_error(actor.error());

  AdminContext ctx;
  if (auto s = open_context(inv.config_path, SchemaCheck::kRequireInstalled, ctx); !s.ok())
    return s;
  auto token = ctx.store->get_token(*id);
  if (!token) return token_store_failure(*id, token.error());
  if (token->revoked_at) return failure(ExitCode::kRefused, "token " + *id + " is already revoked");

  if (!cl.flag("yes")) {
    if (!inv.stdin_is_terminal) {
      return failure(ExitCode::kUsage,
                     "refusing to revoke without --yes (stdin is not a terminal)");
    }
    const std::string prompt = "Revoke token " + *id + " (" + printable(token->name, 200, false) +
                               ") of " + printable(token->user, 255, false) +
                               "? This cannot be undone. [y/N] ";
    if (!ask_yes_no(prompt, *inv.in, *inv.err)) {
      return failure(ExitCode::kRefused, "aborted; token " + *id + " was not revoked");
    }
  }

  auto revoked = ctx.store->revoke_token(*id, *actor, now_utc());
  if (!revoked) return token_store_failure(*id, revoked.error());
  *inv.out << "Revoked token " << *id << " (" << display_cell(revoked->name, 200) << ") of "
           << display_cell(revoked->user, 255) << ".\n";
  return success();
}

}  // namespace mailtoken::admin
