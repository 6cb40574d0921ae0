-- mailtoken schema, version 1 (MariaDB 10.5 or later, InnoDB).
--
-- Applied by `mailtoken db migrate` (the file is compiled into the library). Statements end
-- with ';' at the end of a line. MariaDB commits DDL implicitly, so the version row is
-- written last: a migration interrupted half-way is re-run only after manual repair.
--
-- Conventions:
-- - Times are seconds since the Unix epoch, UTC, in BIGINT columns, so no session time zone
--   or TIMESTAMP conversion can shift them.
-- - Every table is utf8mb4 with the binary NO PAD collation utf8mb4_nopad_bin: text
--   compares byte for byte exactly as in SQLite and in the core, so 'Alice' and 'alice' are
--   different users (the core lowercases user names the way Dovecot's %Lu does before they
--   get here), and unlike utf8mb4_bin (PAD SPACE) 'alice ' is not 'alice' either.
-- - Plans: an account without an `accounts` row is on the configured default plan; a plan
--   name (the account's or the default) without a `plans` row allows tokens without a cap.
--   So an empty `plans` table means "tokens for everybody", and no 'default' row is shipped.

CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INT          NOT NULL PRIMARY KEY,
  name       VARCHAR(200) NOT NULL,
  applied_at BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE plans (
  name           VARCHAR(200) NOT NULL PRIMARY KEY,
  tokens_allowed TINYINT      NOT NULL DEFAULT 1 CHECK (tokens_allowed IN (0, 1)),
  max_tokens     BIGINT       NULL CHECK (max_tokens IS NULL OR max_tokens >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

CREATE TABLE accounts (
  user VARCHAR(255) NOT NULL PRIMARY KEY,
  plan VARCHAR(200) NOT NULL,
  CONSTRAINT accounts_plan FOREIGN KEY (plan) REFERENCES plans (name)
    ON UPDATE CASCADE ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- hash is the lowercase hex HMAC-SHA-256 of the secret under the pepper named by key_id; it
-- is wiped to '' when the token is revoked, and revocation is never undone.
CREATE TABLE tokens (
  id                 BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  selector           VARCHAR(32)  NOT NULL,
  user               VARCHAR(255) NOT NULL,
  name               VARCHAR(200) NOT NULL,
  access             VARCHAR(16)  NOT NULL CHECK (access IN ('read-only', 'read-write')),
  scopes             VARCHAR(200) NOT NULL,
  hash               VARCHAR(64)  NOT NULL,
  key_id             VARCHAR(16)  NOT NULL,
  created_at         BIGINT       NOT NULL,
  created_by         VARCHAR(255) NOT NULL,
  expires_at         BIGINT       NULL,
  revoked_at         BIGINT       NULL,
  revoked_by         VARCHAR(255) NULL,
  last_used_at       BIGINT       NULL,
  last_used_ip       VARCHAR(64)  NULL,
  last_used_protocol VARCHAR(32)  NULL,
  -- The verify path looks tokens up by selector only.
  UNIQUE KEY tokens_selector (selector),
  KEY tokens_user (user, created_at),
  CONSTRAINT tokens_hash_until_revoked CHECK (revoked_at IS NOT NULL OR hash <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- Audit trail: created, revoked, denied_by_plan, ... Never holds a secret or a hash.
CREATE TABLE token_events (
  id       BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at       BIGINT        NOT NULL,
  selector VARCHAR(32)   NOT NULL,
  user     VARCHAR(255)  NOT NULL,
  event    VARCHAR(32)   NOT NULL,
  detail   VARCHAR(1000) NOT NULL DEFAULT '',
  KEY token_events_selector (selector, at),
  KEY token_events_user (user, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
