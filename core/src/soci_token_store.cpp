// SociTokenStore: the TokenStore of token_store.h on SQLite and MariaDB through SOCI.
//
// Only soci_core is linked; SOCI loads the sqlite3 or mysql backend by the DSN's scheme at
// run time, so the plugins do not pull MariaDB's client library into a host that uses SQLite.
// Every value reaches the database as a bound parameter (SOCI's use()); the SQL texts below
// are constants. The session is opened lazily and dropped after any database error, so a
// database that went away costs one kUnavailable per call until it is back, never a hang or a
// dead handle that stays dead.
#include <soci/soci.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mailtoken/config.h"
#include "mailtoken/token_store.h"
#include "migrations.h"
#include "sql_dialect.h"

namespace mailtoken {
namespace {

// True when a SOCI connection string (the part after "scheme://") already sets `key`.
bool has_connect_option(std::string_view params, std::string_view key) {
  std::size_t pos = 0;
  while (pos < params.size()) {
    while (pos < params.size() && std::isspace(static_cast<unsigned char>(params[pos]))) ++pos;
    auto end = pos;
    while (end < params.size() && params[end] != '=' &&
           !std::isspace(static_cast<unsigned char>(params[end])))
      ++end;
    if (params.substr(pos, end - pos) == key) return true;
    // Skip the value, which may be quoted and contain spaces.
    if (end < params.size() && params[end] == '=') {
      ++end;
      if (end < params.size() && (params[end] == '\'' || params[end] == '"')) {
        auto quote = params[end];
        auto close = params.find(quote, end + 1);
        end = close == std::string_view::npos ? params.size() : close + 1;
      }
      while (end < params.size() && !std::isspace(static_cast<unsigned char>(params[end]))) ++end;
    }
    pos = end;
  }
  return false;
}

// Adds the options mailtoken relies on unless the admin set them: bounded waits everywhere
// (a login must fail fast and retry, not hang an auth worker), utf8mb4 on MariaDB.
std::string with_default_options(const SqlDialect& dialect, const std::string& dsn) {
  auto scheme_end = dsn.find("://");
  std::string_view params = std::string_view(dsn).substr(scheme_end + 3);
  std::string out = dsn;
  auto add = [&](std::string_view key, std::string_view value) {
    if (!has_connect_option(params, key)) {
      out += ' ';
      out += key;
      out += '=';
      out += value;
    }
  };
  if (std::string_view(dialect.backend) == "sqlite3") {
    add("timeout", "5");
  } else {
    add("connect_timeout", "3");
    add("read_timeout", "5");
    add("write_timeout", "5");
    add("charset", "utf8mb4");
  }
  return out;
}

bool is_unique_violation(const soci::soci_error& e) {
  // SOCI 4.0 has no category for it on either backend; both texts are stable for years.
  auto message = e.get_error_message();
  return message.find("UNIQUE constraint failed") != std::string::npos ||  // SQLite
         message.find("Duplicate entry") != std::string::npos;             // MariaDB 1062
}

std::optional<UnixTime> optional_time(long long value, soci::indicator ind) {
  if (ind == soci::i_null) return std::nullopt;
  return static_cast<UnixTime>(value);
}

std::string optional_text(const std::string& value, soci::indicator ind) {
  return ind == soci::i_null ? std::string() : value;
}

// Access and scopes come back from the database as text. Text this build does not know (a
// newer build wrote it, or someone edited the row) is an error, never a guess: the verifier
// turns kInternal into a temporary failure, so an unknown grant cannot widen access.
Result<Grant> parse_stored_grant(const std::string& selector, const std::string& access_text,
                                 const std::string& scopes_text) {
  auto access = access_from_name(access_text);
  if (!access) {
    return make_error(ErrorCode::kInternal,
                      "token " + selector + " has an unknown access value in the database");
  }
  auto scopes = parse_scope_list(scopes_text);
  if (!scopes) {
    return make_error(ErrorCode::kInternal,
                      "token " + selector + " has unknown scopes in the database");
  }
  return Grant{*access, *scopes};
}

// One row of the tokens table as SOCI fills it; bound once per statement, read per row.
struct TokenRow {
  long long id = 0;
  std::string selector, user, name, access, scopes, created_by, revoked_by, last_used_ip,
      last_used_protocol;
  long long created_at = 0, expires_at = 0, revoked_at = 0, last_used_at = 0;
  soci::indicator expires_ind{}, revoked_ind{}, revoked_by_ind{}, last_used_ind{},
      last_used_ip_ind{}, last_used_protocol_ind{};

  static constexpr const char* kColumns =
      "id, selector, user, name, access, scopes, created_at, created_by, expires_at, "
      "revoked_at, revoked_by, last_used_at, last_used_ip, last_used_protocol";

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(selector));
    st.exchange(soci::into(user));
    st.exchange(soci::into(name));
    st.exchange(soci::into(access));
    st.exchange(soci::into(scopes));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(created_by));
    st.exchange(soci::into(expires_at, expires_ind));
    st.exchange(soci::into(revoked_at, revoked_ind));
    st.exchange(soci::into(revoked_by, revoked_by_ind));
    st.exchange(soci::into(last_used_at, last_used_ind));
    st.exchange(soci::into(last_used_ip, last_used_ip_ind));
    st.exchange(soci::into(last_used_protocol, last_used_protocol_ind));
  }

  Result<TokenInfo> to_info() const {
    auto grant = parse_stored_grant(selector, access, scopes);
    if (!grant) return grant.error();
    TokenInfo info;
    info.id = id;
    info.selector = selector;
    info.user = user;
    info.name = name;
    info.grant = *grant;
    info.created_at = created_at;
    info.created_by = created_by;
    info.expires_at = optional_time(expires_at, expires_ind);
    info.revoked_at = optional_time(revoked_at, revoked_ind);
    info.revoked_by = optional_text(revoked_by, revoked_by_ind);
    info.last_used_at = optional_time(last_used_at, last_used_ind);
    info.last_used_ip = optional_text(last_used_ip, last_used_ip_ind);
    info.last_used_protocol = optional_text(last_used_protocol, last_used_protocol_ind);
    return info;
  }
};

// Runs a prepared statement whose into() targets were bound by `bind_into` and whose
// parameters were bound by `bind_use`, calling on_row after each fetched row.
template <typename BindInto, typename BindUse, typename OnRow>
void query_rows(soci::session& session, const std::string& sql, BindInto&& bind_into,
                BindUse&& bind_use, OnRow&& on_row) {
  soci::statement st(session);
  bind_into(st);
  bind_use(st);
  st.alloc();
  st.prepare(sql);
  st.define_and_bind();
  st.execute(false);
  while (st.fetch()) on_row();
}

// The verify path's query, prepared once per connection: it runs for every login, and
// preparing a three-table join costs more than running it (SQLite). The statement binds the
// members by reference; find_for_verify sets the inputs and executes it again.
struct VerifyQuery {
  // One indexed query: the unique selector index finds the token, the primary keys of
  // accounts and plans find its effective plan. No plan row means tokens are allowed.
  static constexpr const char* kSql =
      "SELECT t.id, t.selector, t.user, t.access, t.scopes, t.hash, t.key_id, t.expires_at, "
      "t.revoked_at, t.last_used_at, COALESCE(a.plan, :default_plan1), p.name, p.tokens_allowed "
      "FROM tokens t "
      "LEFT JOIN accounts a ON a.user = t.user "
      "LEFT JOIN plans p ON p.name = COALESCE(a.plan, :default_plan2) "
      "WHERE t.selector = :selector";

  std::string selector, default_plan;  // inputs
  long long id = 0, expires_at = 0, revoked_at = 0, last_used_at = 0;
  int tokens_allowed = 1;
  std::string found_selector, user, access, scopes, hash, key_id, plan, plan_row;
  soci::indicator expires_ind{}, revoked_ind{}, last_used_ind{}, plan_row_ind{}, tokens_allowed_ind{};
  soci::statement statement;

  explicit VerifyQuery(soci::session& session) : statement(session) {
    statement.exchange(soci::into(id));
    statement.exchange(soci::into(found_selector));
    statement.exchange(soci::into(user));
    statement.exchange(soci::into(access));
    statement.exchange(soci::into(scopes));
    statement.exchange(soci::into(hash));
    statement.exchange(soci::into(key_id));
    statement.exchange(soci::into(expires_at, expires_ind));
    statement.exchange(soci::into(revoked_at, revoked_ind));
    statement.exchange(soci::into(last_used_at, last_used_ind));
    statement.exchange(soci::into(plan));
    statement.exchange(soci::into(plan_row, plan_row_ind));
    statement.exchange(soci::into(tokens_allowed, tokens_allowed_ind));
    statement.exchange(soci::use(default_plan));
    statement.exchange(soci::use(default_plan));
    statement.exchange(soci::use(selector));
    statement.alloc();
    statement.prepare(kSql);
    statement.define_and_bind();
  }
};

// A write transaction that rolls back unless committed. A failing ROLLBACK is ignored here:
// it only happens when the connection is gone, and the caller drops the session then.
class WriteTransaction {
 public:
  WriteTransaction(soci::session& session, const SqlDialect& dialect) : session_(session) {
    session_ << dialect.begin_write;
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction() {
    if (open_) {
      try {
        session_ << "ROLLBACK";
      } catch (...) {  // NOLINT(bugprone-empty-catch): see the class comment
      }
    }
  }
  void commit() {
    session_ << "COMMIT";
    open_ = false;
  }

 private:
  soci::session& session_;
  bool open_ = true;
};

class SociTokenStore final : public TokenStore {
 public:
  SociTokenStore(const SqlDialect& dialect, std::string dsn)
      : dialect_(dialect), dsn_(std::move(dsn)), connect_string_(with_default_options(dialect, dsn_)) {}

  Result<SchemaStatus> schema_status() override {
    return run<SchemaStatus>("reading the schema version", [&](soci::session& s) -> Result<SchemaStatus> {
      SchemaStatus status;
      status.latest_version = latest_version();
      status.current_version = current_version(s);
      return status;
    });
  }

  Result<int> migrate() override {
    return run<int>("migrating the schema", [&](soci::session& s) -> Result<int> {
      s << dialect_.create_migrations_table;
      int applied = 0;
      for (const auto& migration : dialect_.migrations()) {
        WriteTransaction tx(s, dialect_);
        // Read inside the transaction: a concurrent migrate may have applied it meanwhile.
        if (migration.version <= current_version(s)) continue;
        for (const auto& statement : split_sql_statements(migration.sql)) s << statement;
        long long now = now_utc();
        std::string name = migration.name;
        int version = migration.version;
        s << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)",
            soci::use(version), soci::use(name), soci::use(now);
        tx.commit();
        ++applied;
      }
      return applied;
    });
  }

  Result<std::optional<VerifyRecord>> find_for_verify(const std::string& selector,
                                                      const std::string& default_plan) override {
    using Found = std::optional<VerifyRecord>;
    return run<Found>("looking up a token", [&](soci::session& s) -> Result<Found> {
      if (!verify_query_) verify_query_ = std::make_unique<VerifyQuery>(s);
      VerifyQuery& q = *verify_query_;
      q.selector = selector;
      q.default_plan = default_plan;
      if (!q.statement.execute(true)) return Found{};

      auto grant = parse_stored_grant(q.found_selector, q.access, q.scopes);
      if (!grant) return grant.error();
      VerifyRecord record;
      record.id = q.id;
      record.selector = q.found_selector;
      record.user = q.user;
      record.grant = *grant;
      record.hash = q.hash;
      record.key_id = q.key_id;
      record.expires_at = optional_time(q.expires_at, q.expires_ind);
      record.revoked_at = optional_time(q.revoked_at, q.revoked_ind);
      record.last_used_at = optional_time(q.last_used_at, q.last_used_ind);
      record.plan = q.plan;
      record.plan_allows_tokens = q.plan_row_ind == soci::i_null ||
                                  (q.tokens_allowed_ind != soci::i_null && q.tokens_allowed != 0);
      // Step the statement to its end: a SQLite statement left on a row keeps its read
      // transaction open, which would pin an old snapshot and stop WAL checkpoints while the
      // auth process idles. (The selector is unique, so there is no second row.)
      if (q.statement.fetch()) {
        return make_error(ErrorCode::kInternal, "selector " + selector + " is not unique in the database");
      }
      return Found{std::move(record)};
    });
  }

  Status record_use(std::int64_t id, UnixTime when, const std::string& ip,
                    const std::string& protocol) override {
    return run<Ok>("recording token use", [&](soci::session& s) -> Status {
      long long row_id = id, at = when;
      soci::indicator ip_ind = ip.empty() ? soci::i_null : soci::i_ok;
      soci::indicator protocol_ind = protocol.empty() ? soci::i_null : soci::i_ok;
      s << "UPDATE tokens SET last_used_at = :at, last_used_ip = :ip, last_used_protocol = :proto "
           "WHERE id = :id AND revoked_at IS NULL",
          soci::use(at), soci::use(ip, ip_ind), soci::use(protocol, protocol_ind), soci::use(row_id);
      return ok_status();
    });
  }

  Result<TokenInfo> create_token(const NewTokenRow& row, const std::string& default_plan) override {
    return run<TokenInfo>("creating a token", [&](soci::session& s) -> Result<TokenInfo> {
      std::optional<Error> denied;
      {
        WriteTransaction tx(s, dialect_);
        auto plan_name = account_plan_in(s, row.user, default_plan);
        auto plan = find_plan(s, plan_name);
        if (plan && !plan->tokens_allowed) {
          denied = make_error(ErrorCode::kFailedPrecondition, "the plan '" + plan_name + "' of user '" +
                                                                  row.user + "' does not allow API tokens");
        } else if (plan && plan->max_tokens) {
          long long active = 0, now = row.created_at;
          std::string user = row.user;
          s << std::string("SELECT COUNT(*) FROM tokens WHERE user = :user AND revoked_at IS NULL "
                           "AND (expires_at IS NULL OR expires_at > :now)") +
                   dialect_.lock_for_update,
              soci::into(active), soci::use(user), soci::use(now);
          if (active >= *plan->max_tokens) {
            denied = make_error(ErrorCode::kFailedPrecondition,
                                "user '" + row.user + "' already has " + std::to_string(active) +
                                    " active tokens, the most plan '" + plan_name + "' allows");
          }
        }
        if (!denied) {
          try {
            insert_token(s, row);
          } catch (const soci::soci_error& e) {
            if (!is_unique_violation(e)) throw;
            return make_error(ErrorCode::kAlreadyExists,
                              "a token with id " + row.selector + " already exists");
          }
          insert_event(s, row.selector, row.user, "created",
                       "by=" + row.created_by + " access=" + access_name(row.grant.access) +
                           " scopes=" + row.grant.scopes.to_string(),
                       row.created_at);
          auto info = token_by_selector(s, row.selector);
          if (!info) return info.error();
          if (!*info) return make_error(ErrorCode::kInternal, "token " + row.selector + " vanished after insert");
          tx.commit();
          return std::move(**info);
        }
      }
      // The refusal is audited after the rollback, in its own statement.
      insert_event(s, row.selector, row.user, "denied_by_plan", denied->message, row.created_at);
      return *denied;
    });
  }

  Result<std::vector<TokenInfo>> list_tokens(const std::optional<std::string>& user,
                                             bool include_revoked) override {
    using List = std::vector<TokenInfo>;
    return run<List>("listing tokens", [&](soci::session& s) -> Result<List> {
      std::string sql = std::string("SELECT ") + TokenRow::kColumns + " FROM tokens WHERE 1 = 1";
      if (user) sql += " AND user = :user";
      if (!include_revoked) sql += " AND revoked_at IS NULL";
      sql += " ORDER BY user, created_at, id";
      TokenRow row;
      List tokens;
      std::optional<Error> bad_row;
      query_rows(
          s, sql, [&](soci::statement& st) { row.bind(st); },
          [&](soci::statement& st) {
            if (user) st.exchange(soci::use(*user));
          },
          [&] {
            auto info = row.to_info();
            if (!info) {
              if (!bad_row) bad_row = info.error();
              return;
            }
            tokens.push_back(std::move(*info));
          });
      if (bad_row) return *bad_row;
      return tokens;
    });
  }

  Result<TokenInfo> get_token(const std::string& selector) override {
    return run<TokenInfo>("reading a token", [&](soci::session& s) -> Result<TokenInfo> {
      auto info = token_by_selector(s, selector);
      if (!info) return info.error();
      if (!*info) return make_error(ErrorCode::kNotFound, "no token with id " + selector);
      return std::move(**info);
    });
  }

  Result<TokenInfo> revoke_token(const std::string& selector, const std::string& by,
                                 UnixTime when) override {
    return run<TokenInfo>("revoking a token", [&](soci::session& s) -> Result<TokenInfo> {
      WriteTransaction tx(s, dialect_);
      long long at = when;
      soci::statement update =
          (s.prepare << "UPDATE tokens SET hash = '', revoked_at = :at, revoked_by = :by "
                        "WHERE selector = :selector AND revoked_at IS NULL",
           soci::use(at), soci::use(by), soci::use(selector));
      update.execute(true);
      auto changed = update.get_affected_rows();
      auto info = token_by_selector(s, selector);
      if (!info) return info.error();
      if (!*info) return make_error(ErrorCode::kNotFound, "no token with id " + selector);
      if (changed == 0) {
        return make_error(ErrorCode::kFailedPrecondition, "token " + selector + " is already revoked");
      }
      insert_event(s, selector, (*info)->user, "revoked", "by=" + by, when);
      tx.commit();
      return std::move(**info);
    });
  }

  Status set_plan(const Plan& plan) override {
    return run<Ok>("saving a plan", [&](soci::session& s) -> Status {
      int allowed = plan.tokens_allowed ? 1 : 0;
      long long max_tokens = plan.max_tokens.value_or(0);
      soci::indicator max_ind = plan.max_tokens ? soci::i_ok : soci::i_null;
      s << dialect_.upsert_plan, soci::use(plan.name), soci::use(allowed),
          soci::use(max_tokens, max_ind);
      return ok_status();
    });
  }

  Result<Plan> get_plan(const std::string& name) override {
    return run<Plan>("reading a plan", [&](soci::session& s) -> Result<Plan> {
      auto plan = find_plan(s, name);
      if (!plan) return make_error(ErrorCode::kNotFound, "no plan named '" + name + "'");
      return std::move(*plan);
    });
  }

  Result<std::vector<Plan>> list_plans() override {
    using List = std::vector<Plan>;
    return run<List>("listing plans", [&](soci::session& s) -> Result<List> {
      std::string name;
      int allowed = 0;
      long long max_tokens = 0;
      soci::indicator max_ind{};
      List plans;
      query_rows(
          s, "SELECT name, tokens_allowed, max_tokens FROM plans ORDER BY name",
          [&](soci::statement& st) {
            st.exchange(soci::into(name));
            st.exchange(soci::into(allowed));
            st.exchange(soci::into(max_tokens, max_ind));
          },
          [](soci::statement&) {},
          [&] {
            plans.push_back(Plan{name, allowed != 0,
                                 max_ind == soci::i_null ? std::nullopt : std::optional<std::int64_t>(max_tokens)});
          });
      return plans;
    });
  }

  Status set_account_plan(const std::string& user, const std::string& plan) override {
    return run<Ok>("setting an account's plan", [&](soci::session& s) -> Status {
      WriteTransaction tx(s, dialect_);
      if (!find_plan(s, plan)) return make_error(ErrorCode::kNotFound, "no plan named '" + plan + "'");
      s << dialect_.upsert_account, soci::use(user), soci::use(plan);
      tx.commit();
      return ok_status();
    });
  }

  Result<std::string> account_plan(const std::string& user, const std::string& default_plan) override {
    return run<std::string>("reading an account's plan", [&](soci::session& s) -> Result<std::string> {
      return account_plan_in(s, user, default_plan);
    });
  }

  Status add_event(const std::string& selector, const std::string& user, const std::string& event,
                   const std::string& detail, UnixTime when) override {
    return run<Ok>("recording an event", [&](soci::session& s) -> Status {
      insert_event(s, selector, user, event, detail, when);
      return ok_status();
    });
  }

 private:
  // Opens the session if there is none. SQLite gets WAL (readers never wait for the writer),
  // foreign keys (off by default in SQLite) and a busy timeout on every connection.
  Result<soci::session*> session() {
    if (session_) return session_.get();
    try {
      auto session = std::make_unique<soci::session>(connect_string_);
      if (std::string_view(dialect_.backend) == "sqlite3") {
        std::string journal_mode;
        *session << "PRAGMA journal_mode=WAL", soci::into(journal_mode);
        *session << "PRAGMA foreign_keys=ON";
        int busy_timeout = 0;
        *session << "PRAGMA busy_timeout=5000", soci::into(busy_timeout);
      }
      session_ = std::move(session);
      return session_.get();
    } catch (const std::exception& e) {
      return make_error(ErrorCode::kUnavailable, "cannot connect to the database " + redact_dsn(dsn_) +
                                                     ": " + error_text(e));
    }
  }

  static std::string error_text(const std::exception& e) {
    // get_error_message() leaves out SOCI's context, which can quote bound values.
    if (const auto* soci_error = dynamic_cast<const soci::soci_error*>(&e)) {
      return soci_error->get_error_message();
    }
    return e.what();
  }

  // Connects if needed and runs body; any exception drops the session (the next call
  // reconnects) and becomes kUnavailable, except a unique violation (kAlreadyExists, the
  // connection is fine).
  template <typename T, typename Body>
  Result<T> run(const char* what, Body&& body) {
    auto session = this->session();
    if (!session) return session.error();
    try {
      return body(**session);
    } catch (const soci::soci_error& e) {
      if (is_unique_violation(e)) {
        return make_error(ErrorCode::kAlreadyExists, std::string(what) + ": already exists");
      }
      drop_session();
      return make_error(ErrorCode::kUnavailable, std::string("database error while ") + what + ": " +
                                                     e.get_error_message());
    } catch (const std::exception& e) {
      drop_session();
      return make_error(ErrorCode::kUnavailable, std::string("database error while ") + what + ": " +
                                                     e.what());
    }
  }

  void drop_session() {
    verify_query_.reset();
    session_.reset();
  }

  int latest_version() const {
    int latest = 0;
    for (const auto& migration : dialect_.migrations()) latest = std::max(latest, migration.version);
    return latest;
  }

  int current_version(soci::session& s) {
    long long tables = 0;
    s << dialect_.migrations_table_exists, soci::into(tables);
    if (tables == 0) return 0;
    long long version = 0;
    s << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", soci::into(version);
    return static_cast<int>(version);
  }

  std::string account_plan_in(soci::session& s, const std::string& user, const std::string& default_plan) {
    std::string plan;
    s << "SELECT plan FROM accounts WHERE user = :user", soci::into(plan), soci::use(user);
    return s.got_data() ? plan : default_plan;
  }

  std::optional<Plan> find_plan(soci::session& s, const std::string& name) {
    int allowed = 0;
    long long max_tokens = 0;
    soci::indicator max_ind{};
    s << "SELECT tokens_allowed, max_tokens FROM plans WHERE name = :name", soci::into(allowed),
        soci::into(max_tokens, max_ind), soci::use(name);
    if (!s.got_data()) return std::nullopt;
    return Plan{name, allowed != 0,
                max_ind == soci::i_null ? std::nullopt : std::optional<std::int64_t>(max_tokens)};
  }

  // nullopt when the selector is unknown; an error only for a row this build cannot read.
  Result<std::optional<TokenInfo>> token_by_selector(soci::session& s, const std::string& selector) {
    TokenRow row;
    bool found = false;
    query_rows(
        s, std::string("SELECT ") + TokenRow::kColumns + " FROM tokens WHERE selector = :selector",
        [&](soci::statement& st) { row.bind(st); },
        [&](soci::statement& st) { st.exchange(soci::use(selector)); }, [&] { found = true; });
    if (!found) return std::optional<TokenInfo>{};
    auto info = row.to_info();
    if (!info) return info.error();
    return std::optional<TokenInfo>(std::move(*info));
  }

  void insert_token(soci::session& s, const NewTokenRow& row) {
    std::string access = access_name(row.grant.access);
    std::string scopes = row.grant.scopes.to_string();
    long long created_at = row.created_at;
    long long expires_at = row.expires_at.value_or(0);
    soci::indicator expires_ind = row.expires_at ? soci::i_ok : soci::i_null;
    s << "INSERT INTO tokens (selector, user, name, access, scopes, hash, key_id, created_at, "
         "created_by, expires_at) VALUES (:selector, :user, :name, :access, :scopes, :hash, "
         ":key_id, :created_at, :created_by, :expires_at)",
        soci::use(row.selector), soci::use(row.user), soci::use(row.name), soci::use(access),
        soci::use(scopes), soci::use(row.hash), soci::use(row.key_id), soci::use(created_at),
        soci::use(row.created_by), soci::use(expires_at, expires_ind);
  }

  void insert_event(soci::session& s, const std::string& selector, const std::string& user,
                    const std::string& event, const std::string& detail, UnixTime when) {
    long long at = when;
    s << "INSERT INTO token_events (at, selector, user, event, detail) "
         "VALUES (:at, :selector, :user, :event, :detail)",
        soci::use(at), soci::use(selector), soci::use(user), soci::use(event), soci::use(detail);
  }

  const SqlDialect& dialect_;
  std::string dsn_;             // as configured; only ever shown through redact_dsn
  std::string connect_string_;  // dsn_ plus default options
  std::unique_ptr<soci::session> session_;
  std::unique_ptr<VerifyQuery> verify_query_;  // prepared on session_; dropped before it
};

}  // namespace

Result<std::unique_ptr<TokenStore>> open_token_store(const std::string& dsn) {
  const SqlDialect* dialect = nullptr;
  if (dsn.starts_with("sqlite3://")) {
    dialect = &kSqliteDialect;
  } else if (dsn.starts_with("mysql://")) {
    dialect = &kMariadbDialect;
  } else {
    return make_error(ErrorCode::kInvalidArgument,
                      "unsupported database DSN '" + redact_dsn(dsn) +
                          "': expected sqlite3://db=PATH or mysql://db=NAME ...");
  }
  return std::unique_ptr<TokenStore>(std::make_unique<SociTokenStore>(*dialect, dsn));
}

}  // namespace mailtoken
