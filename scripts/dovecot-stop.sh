#!/usr/bin/env bash
# Stops the Dovecot started by dovecot-start.sh RUN_DIR, by the master PID it wrote, and
# waits until it has exited (its children go with it).
set -euo pipefail
run_dir=${1:?usage: dovecot-stop.sh RUN_DIR}
exec "$(dirname "$0")/stop-pidfile.sh" dovecot-stop "$run_dir/run/master.pid" 10
