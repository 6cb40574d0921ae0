-- mailtoken schema, version 1 (SQLite 3.35 or later).
--
-- Applied by `mailtoken db migrate` (the file is compiled into the library). Statements end
-- with ';' at the end of a line; one migration runs in one transaction.
--
-- Conventions:
-- - Times are seconds since the Unix epoch, UTC, in INTEGER columns, so no time zone or
--   date type of either database can shift them.
-- - Text compares byte for byte (SQLite's default BINARY collation): 'Alice' and 'alice' are
--   different users. The core lowercases user names the way Dovecot's %Lu does before they
--   reach the database.
-- - Plans: an account without an `accounts` row is on the configured default plan; a plan
--   name (the account's or the default) without a `plans` row allows tokens without a cap.
--   So an empty `plans` table means "tokens for everybody", and no 'default' row is shipped.

CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
);

CREATE TABLE plans (
  name           VARCHAR(200) NOT NULL PRIMARY KEY,
  tokens_allowed INTEGER      NOT NULL DEFAULT 1 CHECK (tokens_allowed IN (0, 1)),
  max_tokens     INTEGER      NULL CHECK (max_tokens IS NULL OR max_tokens >= 0)
);

CREATE TABLE accounts (
  user VARCHAR(255) NOT NULL PRIMARY KEY,
  plan VARCHAR(200) NOT NULL REFERENCES plans (name) ON UPDATE CASCADE ON DELETE RESTRICT
);

-- hash is the lowercase hex HMAC-SHA-256 of the secret under the pepper named by key_id; it
-- is wiped to '' when the token is revoked, and revocation is never undone.
CREATE TABLE tokens (
  id                 INTEGER      PRIMARY KEY AUTOINCREMENT,
  selector           VARCHAR(32)  NOT NULL,
  user               VARCHAR(255) NOT NULL,
  name               VARCHAR(200) NOT NULL,
  access             VARCHAR(16)  NOT NULL CHECK (access IN ('read-only', 'read-write')),
  scopes             VARCHAR(200) NOT NULL,
  hash               VARCHAR(64)  NOT NULL,
  key_id             VARCHAR(16)  NOT NULL,
  created_at         INTEGER      NOT NULL,
  created_by         VARCHAR(255) NOT NULL,
  expires_at         INTEGER      NULL,
  revoked_at         INTEGER      NULL,
  revoked_by         VARCHAR(255) NULL,
  last_used_at       INTEGER      NULL,
  last_used_ip       VARCHAR(64)  NULL,
  last_used_protocol VARCHAR(32)  NULL,
  CHECK (revoked_at IS NOT NULL OR hash <> '')
);

-- The verify path looks tokens up by selector only.
CREATE UNIQUE INDEX tokens_selector ON tokens (selector);
CREATE INDEX tokens_user ON tokens (user, created_at);

-- Audit trail: created, revoked, denied_by_plan, ... Never holds a secret or a hash.
CREATE TABLE token_events (
  id       INTEGER      PRIMARY KEY AUTOINCREMENT,
  at       INTEGER      NOT NULL,
  selector VARCHAR(32)  NOT NULL,
  user     VARCHAR(255) NOT NULL,
  event    VARCHAR(32)  NOT NULL,
  detail   VARCHAR(1000) NOT NULL DEFAULT ''
);

CREATE INDEX token_events_selector ON token_events (selector, at);
CREATE INDEX token_events_user ON token_events (user, at);
