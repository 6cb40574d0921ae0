#!/usr/bin/env bash
# Starts a private Apache httpd (Debian's apache2 binary) with mod_mailtoken in front of a
# Cyrus JMAP server, for tests, demos and benchmarks: config, pid, logs under DIR, listening
# on 127.0.0.1:PORT only. Idempotent; stop it with apache-stop.sh DIR.
#   scripts/apache-start.sh DIR PORT BACKEND_PORT MODULE_SO MAILTOKEN_CONF JWT_KEY_FILE [MAX_BODY]
# The children run as www-data: the mailtoken config, pepper and (SQLite) database must be
# readable (and the database directory writable) by that user.
set -euo pipefail
usage="usage: apache-start.sh DIR PORT BACKEND_PORT MODULE_SO MAILTOKEN_CONF JWT_KEY_FILE [MAX_BODY]"
dir=${1:?$usage}; port=${2:?$usage}; backend_port=${3:?$usage}
module=${4:?$usage}; mt_conf=${5:?$usage}; key=${6:?$usage}; max_body=${7:-10485760}
mkdir -p "$dir/run" "$dir/log"
dir=$(cd "$dir" && pwd)
pidfile=$dir/run/httpd.pid
mods=/usr/lib/apache2/modules
# event (default) or prefork; the module keeps one verifier per child process either way.
mpm=${MAILTOKEN_APACHE_MPM:-event}
case "$mpm" in
  event) mpm_conf="StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32" ;;
  prefork) mpm_conf="StartServers 4
MinSpareServers 2
MaxRequestWorkers 32" ;;
  *) echo "apache-start: MAILTOKEN_APACHE_MPM must be event or prefork" >&2; exit 2 ;;
esac

if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "apache-start: already running (pid $(cat "$pidfile"))"
  exit 0
fi

cat >"$dir/httpd.conf" <<CONF
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$pidfile"
DefaultRuntimeDir "$dir/run"
Mutex file:$dir/run default
ErrorLog "$dir/log/error.log"
LogLevel warn mailtoken:info
LogFormat "%h %u %{MAILTOKEN_TOKEN_ID}e \"%r\" %>s %b %D" mailtoken
CustomLog "$dir/log/access.log" mailtoken
User www-data
Group www-data

LoadModule mpm_${mpm}_module $mods/mod_mpm_${mpm}.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule headers_module $mods/mod_headers.so
LoadModule proxy_module $mods/mod_proxy.so
LoadModule proxy_http_module $mods/mod_proxy_http.so
LoadModule mailtoken_module $module

$mpm_conf
KeepAlive On

MailtokenConfig "$mt_conf"
MailtokenBackendKeyFile "$key"

ProxyPass        /.well-known/jmap http://127.0.0.1:$backend_port/.well-known/jmap
ProxyPassReverse /.well-known/jmap http://127.0.0.1:$backend_port/.well-known/jmap
ProxyPass        /jmap http://127.0.0.1:$backend_port/jmap
ProxyPassReverse /jmap http://127.0.0.1:$backend_port/jmap

<Location />
  Require all denied
</Location>
CONF

# Benchmarks only: /plain/jmap proxies to Cyrus without the module (the client brings its own
# JWT), to tell Apache's proxy cost from the module's.
if [ -n "${MAILTOKEN_APACHE_PLAIN_PROXY:-}" ]; then
  cat >>"$dir/httpd.conf" <<CONF
ProxyPass /plain/jmap http://127.0.0.1:$backend_port/jmap
<Location /plain/jmap>
  Require all granted
</Location>
CONF
fi

cat >>"$dir/httpd.conf" <<CONF
<LocationMatch "^/(jmap|\\.well-known/jmap)">
  AuthType Bearer
  MailtokenRealm "jmap"
  MailtokenMaxRequestBody $max_body
  Require valid-user
  Header always unset Alt-Svc
  Header unset Alt-Svc
</LocationMatch>
CONF

chown www-data:www-data "$dir/log" "$dir/run" 2>/dev/null || true
/usr/sbin/apache2 -f "$dir/httpd.conf" -k start || { tail -n 20 "$dir/log/error.log" >&2; exit 1; }
for _ in $(seq 1 200); do
  if [ -f "$pidfile" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "apache-start: ready on 127.0.0.1:$port (pid $(cat "$pidfile"))"
    exit 0
  fi
  sleep 0.05
done
echo "apache-start: server did not come up; log follows" >&2
tail -n 20 "$dir/log/error.log" >&2 || true
exit 1
