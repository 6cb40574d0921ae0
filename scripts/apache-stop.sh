#!/usr/bin/env bash
# Stops the Apache started by apache-start.sh DIR, by the PID it wrote, and waits for it.
set -euo pipefail
dir=${1:?usage: apache-stop.sh DIR}
exec "$(dirname "$0")/stop-pidfile.sh" apache-stop "$dir/run/httpd.pid" 5
