#!/usr/bin/env bash
# The main job, end to end, on this machine:
#   installs the Debian packages, builds mailtoken (release preset), starts a private Dovecot
#   on 127.0.0.1:31143 with the mailtoken passdb and plugins over an SQLite store, issues a
#   read-write and a read-only token for "alice" with the `mailtoken` tool, logs in over IMAP
#   with each, shows the read-only session refusing writes, then revokes a token and shows the
#   next login failing. Everything lives under /var/tmp/mailtoken-demo (or
#   $MAILTOKEN_DEMO_DIR): outside the checkout, because Dovecot reads mail as uid 20000,
#   which cannot enter a clone under /root. Dovecot is stopped at the end (pass --keep to
#   leave it running for your own mail client).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
keep=no
[ "${1:-}" = "--keep" ] && keep=yes

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target mailtoken mailtoken_dovecot_passdb \
  mailtoken_dovecot_mail_plugin mailtoken_dovecot_imap_plugin

build=$repo/build/release
run=${MAILTOKEN_DEMO_DIR:-/var/tmp/mailtoken-demo}
port=31143
tool() { "$build/admin/mailtoken" --config "$run/mailtoken.conf" "$@"; }

scripts/dovecot-stop.sh "$run" >/dev/null 2>&1 || true
rm -rf "$run"
mkdir -p "$run"
chmod 0755 "$run"
cat >"$run/mailtoken.conf" <<CONF
# mailtoken demo configuration (see README.md for every key)
database = sqlite3://db=$run/tokens.db
pepper_file = $run/pepper
CONF

echo "== Preparing the store"
tool pepper generate
tool db migrate

echo "== Issuing tokens for alice (each is shown once; the demo keeps them in memory only)"
rw_token=$(tool create alice --name "Demo laptop (read-write)" --scope mail 2>/dev/null)
ro_token=$(tool create alice --name "Demo backup script (read-only)" --read-only --scope mail 2>/dev/null)
tool list alice

if [ "$keep" = no ]; then trap 'scripts/dovecot-stop.sh "$run" >/dev/null' EXIT; fi
echo "== Starting a private Dovecot on 127.0.0.1:$port"
MAILTOKEN_BUILD_DIR=$build scripts/dovecot-start.sh "$run" "$run/mailtoken.conf" "$port"

echo "== IMAP sessions"
# Tokens go to the client on stdin, never on a command line.
printf '%s\n%s\n' "$rw_token" "$ro_token" | python3 scripts/demo_imap.py "$port"

echo "== Last use is recorded"
tool list alice

ro_id=${ro_token#*_}; ro_id=${ro_id%%_*}
echo "== Revoking the read-only token $ro_id; the next login fails"
tool revoke "$ro_id" --yes
printf '%s\n' "$ro_token" | python3 scripts/demo_imap.py "$port" --expect-failure
unset rw_token ro_token

if [ "$keep" = yes ]; then
  echo "Dovecot keeps running (log: $run/dovecot.log). Stop it with: scripts/dovecot-stop.sh $run"
fi
echo "== Demo finished: read-write and read-only tokens worked as issued over IMAP."
