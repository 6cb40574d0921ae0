#!/usr/bin/env bash
# Stops the Cyrus server started by cyrus-start.sh DIR, by the PID its master wrote, and waits
# for master and its children to exit.
set -euo pipefail
dir=${1:?usage: cyrus-stop.sh DIR}
exec "$(dirname "$0")/stop-pidfile.sh" cyrus-stop "$dir/master.pid" 5
