"""Private Cyrus JMAP + Apache (mod_mailtoken) + mailtoken store for the JMAP tests.

Everything runs on loopback under one temporary directory and is stopped by PID in
stop(), which is safe to call after a partial start. Python standard library only.
"""
import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

SOURCE_DIR = os.environ.get("MAILTOKEN_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD_DIR = os.environ.get("MAILTOKEN_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
SCRIPTS = os.path.join(SOURCE_DIR, "scripts")
ADMIN = os.path.join(BUILD_DIR, "admin", "mailtoken")
MODULE = os.path.join(BUILD_DIR, "plugin", "apache", "mod_mailtoken.so")

CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"
SUBMISSION = "urn:ietf:params:jmap:submission"
CYRUS_CONTACTS = "https://cyrusimap.org/ns/jmap/contacts"
CYRUS_CALENDARS = "https://cyrusimap.org/ns/jmap/calendars"
CYRUS_SIEVE = "https://cyrusimap.org/ns/jmap/sieve"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, capture_output=True, text=True, timeout=120, **kw)


def prerequisites_missing():
    for path in (ADMIN, MODULE, "/usr/lib/cyrus/bin/master", "/usr/sbin/apache2"):
        if not os.path.exists(path):
            return path
    return None


class Http:
    """Tiny JMAP client over http.client."""

    def __init__(self, port):
        self.port = port

    def request(self, method, path, token=None, body=None, headers=None, timeout=15):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            h = dict(headers or {})
            if token is not None:
                h["Authorization"] = "Bearer " + token
            if body is not None and not isinstance(body, (bytes, str)):
                body = json.dumps(body)
                h.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def session(self, token, headers=None):
        status, headers_out, data = self.request("GET", "/jmap", token, headers=headers)
        return status, headers_out, (json.loads(data) if status == 200 else data)

    def api(self, token, using, calls, headers=None):
        status, h, data = self.request("POST", "/jmap/", token, {"using": using, "methodCalls": calls}, headers)
        try:
            return status, h, json.loads(data)
        except ValueError:
            return status, h, data


class Stack:
    """Cyrus + Apache + a mailtoken store. Call start(), always call stop()."""

    def __init__(self, database=None, max_body=65536, users=("alice", "bob"), last_used_interval=0):
        self.root = tempfile.mkdtemp(prefix="mt-jmap-")
        os.chmod(self.root, 0o755)  # cyrus and www-data walk into it
        self.cyrus_dir = os.path.join(self.root, "cyrus")
        self.apache_dir = os.path.join(self.root, "apache")
        self.mt_dir = os.path.join(self.root, "mailtoken")
        self.cyrus_port = free_port()
        self.apache_port = free_port()
        self.database = database
        self.max_body = max_body
        self.users = users
        self.last_used_interval = last_used_interval
        self.config = os.path.join(self.mt_dir, "mailtoken.conf")
        self.key = os.path.join(self.cyrus_dir, "jwt", "mailtoken.key")
        self.http = Http(self.apache_port)
        self.cyrus_http = Http(self.cyrus_port)

    # -- lifecycle --
    def start(self):
        run(os.path.join(SCRIPTS, "cyrus-start.sh"), self.cyrus_dir, str(self.cyrus_port))
        for user in self.users:
            run(os.path.join(SCRIPTS, "cyrus-adduser.sh"), self.cyrus_dir, user)
        os.makedirs(self.mt_dir)
        database = self.database or "sqlite3://db=" + os.path.join(self.mt_dir, "tokens.db")
        with open(self.config, "w") as f:
            f.write("database = %s\npepper_file = %s\nlast_used_interval = %d\n"
                    % (database, os.path.join(self.mt_dir, "pepper"), self.last_used_interval))
        self.admin("pepper", "generate")
        self.admin("db", "migrate")
        # Apache's children run as www-data: they read the pepper and write last-used.
        run("chgrp", "-R", "www-data", self.mt_dir)
        run("chmod", "-R", "g+rwX", self.mt_dir)
        self.start_apache()

    def start_apache(self):
        run(os.path.join(SCRIPTS, "apache-start.sh"), self.apache_dir, str(self.apache_port),
            str(self.cyrus_port), MODULE, self.config, self.key, str(self.max_body))

    def stop(self):
        run(os.path.join(SCRIPTS, "apache-stop.sh"), self.apache_dir, check=False)
        run(os.path.join(SCRIPTS, "cyrus-stop.sh"), self.cyrus_dir, check=False)
        if os.environ.get("MAILTOKEN_KEEP_TEST_DIRS"):
            return
        shutil.rmtree(self.root, ignore_errors=True)

    # -- tokens --
    def admin(self, *args):
        return run(ADMIN, "--config", self.config, *args).stdout

    def create_token(self, user, *options):
        created = json.loads(self.admin("create", user, "--name", "jmap test", "--json", *options))
        # SQLite: the admin tool (root) may create the -journal/-wal files; keep them shared.
        run("chgrp", "-R", "www-data", self.mt_dir)
        run("chmod", "-R", "g+rwX", self.mt_dir)
        return created["token"], created["id"]

    # -- direct Cyrus access (JWT), for checks behind the gateway's back --
    def jwt(self, user):
        import hashlib
        import hmac
        with open(self.key) as f:
            key = base64.b64decode("".join(l for l in f.read().splitlines() if not l.startswith("-----")))
        b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
        head = b64(b'{"alg":"HS256","typ":"JWT"}')
        body = b64(json.dumps({"sub": user, "iat": int(time.time()) - 1}).encode())
        sig = b64(hmac.new(key, (head + "." + body).encode(), hashlib.sha256).digest())
        return head + "." + body + "." + sig

    def logs(self):
        text = ""
        for name in ("error.log", "access.log"):
            path = os.path.join(self.apache_dir, "log", name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text += f.read()
        return text
