#!/usr/bin/env bash
# Stops the MariaDB server started by mariadb-start.sh DIR, by the PID it wrote, and waits
# for it to exit (it can take several seconds).
set -euo pipefail
dir=${1:?usage: mariadb-stop.sh DIR}
exec "$(dirname "$0")/stop-pidfile.sh" mariadb-stop "$dir/mysqld.pid" 30
