#!/usr/bin/env bash
# Stops the Dovecot started by dovecot-start.sh RUN_DIR, by the master PID it wrote, and
# waits until it has exited (its children go with it).
set -euo pipefail
run_dir=${1:?usage: dovecot-stop.sh RUN_DIR}
pidfile=$run_dir/run/master.pid
[ -f "$pidfile" ] || { echo "dovecot-stop: not running"; exit 0; }
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
fi
rm -f "$pidfile"
echo "dovecot-stop: stopped"
