#!/usr/bin/env bash
# Stops the process whose PID is in PIDFILE (a server one of our *-start.sh scripts started),
# waits up to TIMEOUT seconds for it to exit, then kills it, and removes the pid file.
# The *-stop.sh scripts are thin wrappers that know where each server writes its pid.
#   scripts/stop-pidfile.sh NAME PIDFILE [TIMEOUT]
set -euo pipefail
name=${1:?usage: stop-pidfile.sh NAME PIDFILE [TIMEOUT]}
pidfile=${2:?usage: stop-pidfile.sh NAME PIDFILE [TIMEOUT]}
timeout=${3:-10}
[ -f "$pidfile" ] || { echo "$name: not running"; exit 0; }
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 $((timeout * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
fi
rm -f "$pidfile"
echo "$name: stopped"
