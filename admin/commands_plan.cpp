// plan set, plan list, account set-plan.
#include <boost/program_options.hpp>

#include "admin/command_line.h"
#include "admin/commands.h"
#include "admin/context.h"
#include "admin/output.h"
#include "admin/validation.h"
#include "mailtoken/user_name.h"

namespace po = boost::program_options;

namespace mailtoken::admin {

CommandStatus run_plan_set(const Invocation& inv) {
  CommandLine cl(inv.command, "plan set PLAN --tokens allowed|denied [--max-tokens N]",
                 "Creates PLAN or replaces its settings. Accounts on a plan with tokens denied "
                 "cannot create\ntokens, and their existing tokens stop working at the next "
                 "login. Without --max-tokens\nthe plan has no cap on active tokens per account.");
  cl.add_positional("plan", "PLAN", true);
  // clang-format off
  cl.add_options()
      ("tokens", po::value<std::string>()->value_name("allowed|denied")->required(),
       "whether accounts on this plan may use API tokens (required)")
      ("max-tokens", po::value<std::int64_t>()->value_name("N"),
       "at most N active (not revoked, not expired) tokens per account");
  // clang-format on
  if (auto s = cl.parse(inv.args, *inv.out); !s.ok() || cl.help_shown()) return s;

  Plan plan;
  plan.name = cl.string("plan");
  if (auto s = validate_plan_name(plan.name); !s) return input_error(s.error());
  auto allowed = parse_tokens_policy(cl.string("tokens"));
  if (!allowed) return input_error(allowed.error());
  plan.tokens_allowed = *allowed;
  plan.max_tokens = cl.optional_int("max-tokens");
  if (plan.max_tokens) {
    if (auto s = validate_max_tokens(*plan.max_tokens); !s) return input_error(s.error());
  }

  AdminContext ctx;
  if (auto s = open_context(inv.config_path, SchemaCheck::kRequireInstalled, ctx); !s.ok())
    return s;
  if (auto s = ctx.store->set_plan(plan); !s) return from_store_error(s.error());
  *inv.out << "Plan " << plan.name << ": " << describe_plan(plan) << ".\n";
  return success();
}

CommandStatus run_plan_list(const Invocation& inv) {
  CommandLine cl(inv.command, "plan list [--json]",
                 "Lists the plans. Accounts without a plan are on the config's default_plan.");
  cl.add_options()("json", po::bool_switch(), "print a JSON array of {name, tokens, max_tokens}");
  if (auto s = cl.parse(inv.args, *inv.out); !s.ok() || cl.help_shown()) return s;

  AdminContext ctx;
  if (auto s = open_context(inv.config_path, SchemaCheck::kRequireInstalled, ctx); !s.ok())
    return s;
  auto plans = ctx.store->list_plans();
  if (!plans) return from_store_error(plans.error());
  if (cl.flag("json")) {
    *inv.out << plans_json(*plans);
  } else if (plans->empty()) {
    *inv.err << "No plans. Accounts are on the default plan '" << ctx.config.default_plan << "'.\n";
  } else {
    *inv.out << plans_table(*plans);
  }
  return success();
}

CommandStatus run_account_set_plan(const Invocation& inv) {
  CommandLine cl(inv.command, "account set-plan USER PLAN",
                 "Puts the account USER on PLAN (which must exist: 'mailtoken plan set'). If "
                 "PLAN denies\ntokens, USER's existing tokens stop working at the next login.\n"
                 "USER is stored lowercased (ASCII letters), like Dovecot's %Lu.");
  cl.add_positional("user", "USER", true);
  cl.add_positional("plan", "PLAN", true);
  if (auto s = cl.parse(inv.args, *inv.out); !s.ok() || cl.help_shown()) return s;

  auto user = normalize_user_name(cl.string("user"));
  if (!user) return input_error(user.error());
  const std::string plan_name = cl.string("plan");
  if (auto s = validate_plan_name(plan_name); !s) return input_error(s.error());

  AdminContext ctx;
  if (auto s = open_context(inv.config_path, SchemaCheck::kRequireInstalled, ctx); !s.ok())
    return s;
  auto plan = ctx.store->get_plan(plan_name);
  if (!plan) {
    if (plan.error().code == ErrorCode::kNotFound) {
      return failure(ExitCode::kRefused,
                     "plan " + plan_name + " does not exist; create it with 'mailtoken plan set " +
                         plan_name + " --tokens allowed|denied'");
    }
    return from_store_error(plan.error());
  }
  if (auto s = ctx.store->set_account_plan(*user, plan_name); !s)
    return from_store_error(s.error());
  *inv.out << "Account " << display_cell(*user, 255) << " is on plan " << plan_name << " ("
           << describe_plan(*plan) << ").\n";
  return success();
}

}  // namespace mailtoken::admin
