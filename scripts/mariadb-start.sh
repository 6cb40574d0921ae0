#!/usr/bin/env bash
# Starts a private MariaDB server for tests and demos: data, socket, pid and log under DIR,
# listening on 127.0.0.1:PORT, root by unix socket only. Idempotent: a server already running
# from DIR is left as it is. Stop it with mariadb-stop.sh DIR.
#   scripts/mariadb-start.sh /tmp/mt-mariadb 33306
set -euo pipefail
dir=${1:?usage: mariadb-start.sh DIR PORT}
port=${2:?usage: mariadb-start.sh DIR PORT}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock=$dir/mysqld.sock
pidfile=$dir/mysqld.pid

if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "mariadb-start: already running (pid $(cat "$pidfile"))"
  exit 0
fi

if [ ! -d "$dir/data/mysql" ]; then
  rm -rf "$dir/data"
  mariadb-install-db --no-defaults --datadir="$dir/data" --user=root \
    --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log" >&2; exit 1; }
fi
mkdir -p "$dir/tmp"
# setsid: the server must not die with the shell or CTest step that started it.
setsid mariadbd --no-defaults --datadir="$dir/data" --socket="$sock" --port="$port" \
  --bind-address=127.0.0.1 --user=root --pid-file="$pidfile" --log-error="$dir/error.log" \
  --tmpdir="$dir/tmp" --skip-name-resolve --innodb-buffer-pool-size=64M \
  --innodb-flush-log-at-trx-commit=2 </dev/null >/dev/null 2>&1 &

for _ in $(seq 1 300); do
  if [ -S "$sock" ] && mariadb --no-defaults --socket="$sock" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
    echo "mariadb-start: ready on $sock (port $port, pid $(cat "$pidfile"))"
    exit 0
  fi
  sleep 0.1
done
echo "mariadb-start: server did not come up; log follows" >&2
tail -n 30 "$dir/error.log" >&2 || true
exit 1
