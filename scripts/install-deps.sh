#!/usr/bin/env bash
# Installs every build, test and run-time dependency of mailtoken from Debian 12 packages.
# Package post-install scripts must not start the system's own Dovecot, MariaDB or Apache:
# the project starts private instances on loopback, so daemon starts are denied while we
# install (policy-rc.d exit 101), and the previous policy is restored afterwards.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(
  build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev
  libboost-program-options-dev libsoci-dev libmariadb-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev rapidjson-dev
  dovecot-dev dovecot-core dovecot-imapd dovecot-pop3d dovecot-submissiond dovecot-managesieved
  mariadb-server mariadb-client sqlite3
  apache2 apache2-dev cyrus-common cyrus-caldav sasl2-bin
  python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

policy=/usr/sbin/policy-rc.d
backup=""
if [ -e "$policy" ]; then backup=$(mktemp); $SUDO cp -p "$policy" "$backup"; fi
restore_policy() {
  if [ -n "$backup" ]; then $SUDO cp -p "$backup" "$policy"; rm -f "$backup"; else $SUDO rm -f "$policy"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
$SUDO chmod 755 "$policy"

echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
