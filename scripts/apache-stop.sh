#!/usr/bin/env bash
# Stops the Apache started by apache-start.sh DIR, by the PID it wrote, and waits for it.
set -euo pipefail
dir=${1:?usage: apache-stop.sh DIR}
pidfile=$dir/run/httpd.pid
[ -f "$pidfile" ] || { echo "apache-stop: not running"; exit 0; }
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
echo "apache-stop: stopped"
