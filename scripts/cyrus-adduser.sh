#!/usr/bin/env bash
# Provisions USER on the Cyrus server started by cyrus-start.sh DIR: delivers one welcome
# message through lmtpd, which creates the INBOX (autocreate_post; an HTTP login does not).
# The user authenticates with JWTs only, so no SASL password is set.
#   scripts/cyrus-adduser.sh /tmp/mt-cyrus alice
set -euo pipefail
dir=${1:?usage: cyrus-adduser.sh DIR USER}
user=${2:?usage: cyrus-adduser.sh DIR USER}
dir=$(cd "$dir" && pwd)
printf 'From: postmaster@localhost\r\nTo: %s@localhost\r\nSubject: Welcome\r\nDate: %s\r\nMessage-ID: <welcome-%s-%s@localhost>\r\n\r\nHello %s.\r\n' \
  "$user" "$(date -R)" "$user" "$$" "$user" |
  runuser -u cyrus -- /usr/lib/cyrus/bin/deliver -C "$dir/imapd.conf" -a postmaster "$user"
