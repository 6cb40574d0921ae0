#!/usr/bin/env bash
# Stops the MariaDB server started by mariadb-start.sh DIR, by the PID it wrote, and waits
# for it to exit (it can take several seconds).
set -euo pipefail
dir=${1:?usage: mariadb-stop.sh DIR}
pidfile=$dir/mysqld.pid
[ -f "$pidfile" ] || { echo "mariadb-stop: not running"; exit 0; }
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
fi
rm -f "$pidfile"
echo "mariadb-stop: stopped"
