#!/usr/bin/env bash
# Starts a private Cyrus IMAP 3.6 JMAP server (cyrus-common + cyrus-caldav) for tests, demos
# and benchmarks: config, spool, sockets, pid and log under DIR, HTTP (JMAP, CalDAV, CardDAV)
# on 127.0.0.1:PORT only. Users authenticate with HS256 JWTs signed with the key in
# DIR/jwt/mailtoken.key (created here, PEM-style "HMAC KEY" block, as Cyrus's
# http_jwt_key_dir expects); the Apache gateway reads the same file. Create users with
# cyrus-adduser.sh, stop with cyrus-stop.sh DIR. Idempotent: a server already running from
# DIR is left as it is.
#   scripts/cyrus-start.sh /tmp/mt-cyrus 18008
set -euo pipefail
dir=${1:?usage: cyrus-start.sh DIR PORT}
port=${2:?usage: cyrus-start.sh DIR PORT}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pidfile=$dir/master.pid
bin=/usr/lib/cyrus/bin

if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "cyrus-start: already running (pid $(cat "$pidfile"))"
  exit 0
fi

mkdir -p "$dir"/{config,spool,run/proc,run/lock,run/socket,jwt,sieve,log}
if [ ! -s "$dir/jwt/mailtoken.key" ]; then
  # 256-bit HMAC key shared by Cyrus and the gateway; readable by cyrus (Cyrus) and root.
  { echo "-----BEGIN HMAC KEY-----"; head -c 32 /dev/urandom | base64; echo "-----END HMAC KEY-----"; } \
    >"$dir/jwt/mailtoken.key.tmp"
  chmod 640 "$dir/jwt/mailtoken.key.tmp"
  mv "$dir/jwt/mailtoken.key.tmp" "$dir/jwt/mailtoken.key"
fi

cat >"$dir/imapd.conf" <<CONF
configdirectory: $dir/config
defaultpartition: default
partition-default: $dir/spool
proc_path: $dir/run/proc
mboxname_lockpath: $dir/run/lock
lmtpsocket: $dir/run/socket/lmtp
idlesocket: $dir/run/socket/idle
notifysocket: $dir/run/socket/notify
sievedir: $dir/sieve
servername: localhost
admins: cyrus
altnamespace: no
unixhierarchysep: yes
virtdomains: off
lmtp_downcase_rcpt: yes
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $dir/config/sasldb2
httpmodules: jmap caldav carddav
httpallowcompress: no
jmap_nonstandard_extensions: yes
conversations: 1
conversations_db: twoskip
http_jwt_key_dir: $dir/jwt
http_jwt_max_age: 60
autocreate_post: yes
autocreate_quota: 0
autocreate_inbox_folders: Drafts|Sent|Trash
autocreate_subscribe_folder: Drafts|Sent|Trash
syslog_prefix: mt-cyrus
CONF

cat >"$dir/cyrus.conf" <<CONF
START {
  recover cmd="$bin/ctl_cyrusdb -C $dir/imapd.conf -r"
}
SERVICES {
  http     cmd="$bin/httpd -C $dir/imapd.conf" listen="127.0.0.1:$port" prefork=2 maxchild=50
  lmtpunix cmd="$bin/lmtpd -C $dir/imapd.conf" listen="$dir/run/socket/lmtp" prefork=0 maxchild=5
}
EVENTS {
  checkpoint cmd="$bin/ctl_cyrusdb -C $dir/imapd.conf -c" period=30
}
CONF

chown -R cyrus:mail "$dir"
chmod 750 "$dir"
# master drops to the cyrus user; setsid so it survives the shell or CTest step that started it.
setsid "$bin/master" -C "$dir/imapd.conf" -M "$dir/cyrus.conf" -p "$pidfile" -d </dev/null \
  >"$dir/log/master.out" 2>&1 || { cat "$dir/log/master.out" >&2; exit 1; }

for _ in $(seq 1 200); do
  if [ -S "$dir/run/socket/lmtp" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "cyrus-start: ready on 127.0.0.1:$port (pid $(cat "$pidfile"))"
    exit 0
  fi
  sleep 0.05
done
echo "cyrus-start: server did not come up" >&2
cat "$dir/log/master.out" >&2 || true
exit 1
