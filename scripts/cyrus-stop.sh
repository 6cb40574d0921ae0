#!/usr/bin/env bash
# Stops the Cyrus server started by cyrus-start.sh DIR, by the PID its master wrote, and waits
# for master and its children to exit.
set -euo pipefail
dir=${1:?usage: cyrus-stop.sh DIR}
pidfile=$dir/master.pid
[ -f "$pidfile" ] || { echo "cyrus-stop: not running"; exit 0; }
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
fi
rm -f "$pidfile"
echo "cyrus-stop: stopped"
