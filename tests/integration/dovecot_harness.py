"""Shared helpers for the Dovecot integration tests.

A test module gets a private world under a temporary directory: a mailtoken config with its
own pepper and database (SQLite, or a fresh database on the MariaDB test server), a private
Dovecot started by scripts/dovecot-start.sh on 127.0.0.1 with the freshly built modules, and
a small SMTP sink that Dovecot's submission service relays to. Tokens are issued with the
real `mailtoken` admin tool; clients are the Python standard library's (imaplib, poplib,
smtplib) plus a few-line ManageSieve client.

    class MyTests(DovecotTestCase):
        BASE_PORT = 31430          # imap, +1 pop3, +2 submission, +3 sieve, +4 SMTP sink
        STORE = "mariadb"          # or "sqlite"

        def test_login(self):
            token = self.env.create_token("alice", "laptop")
            self.assertEqual(self.imap_login("alice", token["token"])[0], "OK")

Every client connection comes from its own loopback address (127.0.x.y): Dovecot delays
failed logins per client IP (up to 15 s), so distinct addresses keep failure tests fast
without turning off a protection the product relies on.

Environment (set by CTest, see tests/integration/CMakeLists.txt):
  MAILTOKEN_BUILD_DIR, MAILTOKEN_SOURCE_DIR, MAILTOKEN_TEST_MYSQL_SOCKET
  MAILTOKEN_KEEP_RUN_DIR=1 keeps the run directory (logs, configs) for inspection.
"""

import base64
import imaplib
import itertools
import json
import os
import poplib
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("MAILTOKEN_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD_DIR = Path(os.environ.get("MAILTOKEN_BUILD_DIR", SOURCE_DIR / "build" / "dev"))
ADMIN_TOOL = BUILD_DIR / "admin" / "mailtoken"
MODULE_BUILD_DIR = BUILD_DIR / "plugin" / "dovecot"
SCRIPTS_DIR = SOURCE_DIR / "scripts"
CLIENT_TIMEOUT = 20

# imaplib refuses commands it does not know.
imaplib.Commands.setdefault("MOVE", ("SELECTED",))
imaplib.Commands.setdefault("SETMETADATA", ("AUTH", "SELECTED"))


# ---------------------------------------------------------------------------------------
# Client source addresses

_address_counter = itertools.count()
_address_lock = threading.Lock()


def next_client_ip():
    """A loopback address no earlier connection of this process used."""
    with _address_lock:
        n = next(_address_counter)
    return "127.0.%d.%d" % (1 + (n // 250) % 250, 1 + n % 250)


# ---------------------------------------------------------------------------------------
# Clients

class IMAPClient(imaplib.IMAP4):
    """imaplib.IMAP4 from a chosen loopback source address."""

    def __init__(self, port, source_ip=None):
        self.source_ip = source_ip or next_client_ip()
        super().__init__("127.0.0.1", port, timeout=CLIENT_TIMEOUT)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self.source_ip, 0))

    def select_keep_read_only(self, mailbox="INBOX"):
        """SELECT (not EXAMINE) and return (status, text, read_only).

        imaplib raises when a SELECT comes back [READ-ONLY]; here that is the expected
        answer for read-only tokens, so it is reported instead."""
        typ, data = self._simple_command("SELECT", mailbox)
        read_only = "READ-ONLY" in self.untagged_responses
        if typ == "OK":
            self.state = "SELECTED"
            self.is_readonly = read_only
        return typ, _text(data), read_only

    def run(self, name, *args):
        """Runs a command and returns (status, text) instead of raising."""
        try:
            typ, data = self._simple_command(name, *args)
        except self.error as e:
            return "NO", str(e)
        return typ, _text(data)


def _text(data):
    parts = []
    for item in data or []:
        if isinstance(item, tuple):
            item = item[0]
        if isinstance(item, bytes):
            item = item.decode("utf-8", "replace")
        if item is not None:
            parts.append(str(item))
    return " ".join(parts)


def _imap_error_text(error):
    text = str(error)
    # imaplib wraps the server's text as "b'...'" in some paths.
    m = re.match(r"^b'(.*)'$", text)
    return m.group(1) if m else text


class SaslPayload:
    """An imaplib/smtplib authobject: the payload first, then the dummy "\\x01" a client
    sends after an OAUTHBEARER/XOAUTH2 error challenge (RFC 7628)."""

    def __init__(self, payload, as_text=False):
        self.payload = payload
        self.as_text = as_text  # smtplib wants str, imaplib bytes
        self.calls = 0

    def __call__(self, challenge=None):
        self.calls += 1
        answer = self.payload if self.calls == 1 else b"\x01"
        return answer.decode("ascii") if self.as_text else answer


def sasl_payload(mechanism, user, token):
    user_b = user.encode() if isinstance(user, str) else user
    token_b = token.encode() if isinstance(token, str) else token
    if mechanism == "PLAIN":
        return b"\0" + user_b + b"\0" + token_b
    if mechanism == "OAUTHBEARER":
        return b"n,a=" + user_b + b",\x01auth=Bearer " + token_b + b"\x01\x01"
    if mechanism == "XOAUTH2":
        return b"user=" + user_b + b"\x01auth=Bearer " + token_b + b"\x01\x01"
    raise ValueError(mechanism)


def imap_login(port, user, password, source_ip=None):
    """IMAP LOGIN; returns (status, text) with status "OK", "NO" or "BAD"."""
    client = IMAPClient(port, source_ip)
    try:
        typ, data = client._simple_command("LOGIN", user, client._quote(password))
        if typ == "OK":
            client.state = "AUTH"
        return typ, _text(data)
    except client.error as e:
        return "NO", _imap_error_text(e)
    finally:
        _close_imap(client)


def imap_authenticate(port, mechanism, user, token, source_ip=None):
    """IMAP AUTHENTICATE with the token as password/bearer; returns (status, text)."""
    client = IMAPClient(port, source_ip)
    try:
        typ, data = client.authenticate(mechanism, SaslPayload(sasl_payload(mechanism, user, token)))
        return typ, _text(data)
    except client.error as e:
        return "NO", _imap_error_text(e)
    finally:
        _close_imap(client)


def _close_imap(client):
    try:
        if client.state in ("AUTH", "SELECTED"):
            client.logout()
        else:
            client.shutdown()
    except (OSError, imaplib.IMAP4.error):
        pass


class RawIMAP:
    """Bytes-level IMAP for input imaplib will not send (NUL, non-ASCII, huge literals)."""

    def __init__(self, port, source_ip=None):
        self.sock = socket.create_connection(("127.0.0.1", port), CLIENT_TIMEOUT,
                                             source_address=(source_ip or next_client_ip(), 0))
        self.file = self.sock.makefile("rb")
        self.greeting = self.file.readline()
        self.tags = itertools.count(1)

    def command(self, *parts):
        """Sends a command made of atoms (bytes) and literals ({"literal": bytes}) using
        LITERAL+, and returns (status, text of the tagged line, untagged lines)."""
        tag = b"t%d" % next(self.tags)
        line = tag
        for part in parts:
            if isinstance(part, dict):
                data = part["literal"]
                line += b" {%d+}\r\n" % len(data) + data
            else:
                line += b" " + part
        self.sock.sendall(line + b"\r\n")
        untagged = []
        while True:
            try:
                reply = self.file.readline()
            except ConnectionResetError:  # Dovecot drops over-long input outright
                reply = b""
            if not reply:
                return "CLOSED", "", untagged
            if reply.startswith(tag + b" "):
                status, _, text = reply[len(tag) + 1:].decode("utf-8", "replace").partition(" ")
                return status, text.strip(), untagged
            untagged.append(reply)

    def close(self):
        try:
            self.sock.sendall(b"z LOGOUT\r\n")
        except OSError:
            pass
        self.file.close()
        self.sock.close()


class POP3Client(poplib.POP3):
    def __init__(self, port, source_ip=None):
        self.source_ip = source_ip or next_client_ip()
        super().__init__("127.0.0.1", port, timeout=CLIENT_TIMEOUT)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self.source_ip, 0))


def pop3_login(port, user, password, source_ip=None):
    """USER/PASS; returns ("OK"|"ERR", text, message count or None)."""
    client = POP3Client(port, source_ip)
    try:
        client.user(user)
        client.pass_(password)
        count, _ = client.stat()
        client.quit()
        return "OK", "", count
    except poplib.error_proto as e:
        text = e.args[0].decode("utf-8", "replace") if e.args else ""
        return "ERR", text, None
    finally:
        try:
            client.close()
        except OSError:
            pass


def submission_login(port, user, token, send_to=None, initial_response=True, source_ip=None):
    """EHLO + AUTH PLAIN (+ one message when send_to is given); returns (code, text)."""
    client = smtplib.SMTP("127.0.0.1", port, timeout=CLIENT_TIMEOUT,
                          source_address=(source_ip or next_client_ip(), 0))
    try:
        client.ehlo("client.mailtoken.test")
        try:
            code, text = client.auth("PLAIN", SaslPayload(sasl_payload("PLAIN", user, token), as_text=True),
                                     initial_response_ok=initial_response)
        except smtplib.SMTPAuthenticationError as e:
            return e.smtp_code, e.smtp_error.decode("utf-8", "replace")
        if send_to is not None:
            sender = user + "@mailtoken.test"
            client.sendmail(sender, [send_to],
                            b"From: " + sender.encode() + b"\r\nTo: " + send_to.encode() +
                            b"\r\nSubject: mailtoken test\r\n\r\nsent with an API token\r\n")
        return code, text.decode("utf-8", "replace")
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def sieve_login(port, user, token, source_ip=None):
    """ManageSieve AUTHENTICATE "PLAIN"; returns (status, text) with status OK/NO/BYE."""
    sock = socket.create_connection(("127.0.0.1", port), CLIENT_TIMEOUT,
                                    source_address=(source_ip or next_client_ip(), 0))
    reader = sock.makefile("rb")
    try:
        while True:  # capability lines, then OK
            line = reader.readline()
            if not line or line.startswith(b"OK") or line.startswith(b"BYE"):
                break
        payload = base64.b64encode(sasl_payload("PLAIN", user, token))
        sock.sendall(b'AUTHENTICATE "PLAIN" "' + payload + b'"\r\n')
        line = reader.readline().decode("utf-8", "replace").rstrip("\r\n")
        literal = re.search(r"\{(\d+)\}$", line)
        if literal:  # a long reason comes as a literal
            line = line[:literal.start()] + reader.read(int(literal.group(1))).decode("utf-8", "replace")
            reader.readline()
        status, _, text = line.partition(" ")
        if status == "OK":
            sock.sendall(b"LOGOUT\r\n")
        return status, text
    finally:
        reader.close()
        sock.close()


# ---------------------------------------------------------------------------------------
# SMTP sink for submission_relay_host

class SMTPSink:
    """Accepts everything Dovecot's submission service relays and keeps the messages."""

    def __init__(self, port):
        self.messages = []
        self._server = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        conn.settimeout(CLIENT_TIMEOUT)
        reader = conn.makefile("rb")
        send = lambda text: conn.sendall(text.encode() + b"\r\n")
        try:
            send("220 sink.mailtoken.test ESMTP")
            while True:
                line = reader.readline()
                if not line:
                    return
                verb = line.split(b" ", 1)[0].strip().upper()
                if verb in (b"EHLO", b"LHLO"):
                    send("250-sink.mailtoken.test\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SIZE 10240000")
                elif verb == b"DATA":
                    send("354 go ahead")
                    body = []
                    while True:
                        data = reader.readline()
                        if not data or data == b".\r\n":
                            break
                        body.append(data)
                    self.messages.append(b"".join(body))
                    send("250 2.0.0 queued")
                elif verb == b"QUIT":
                    send("221 2.0.0 bye")
                    return
                else:
                    send("250 2.0.0 ok")
        except OSError:
            pass
        finally:
            reader.close()
            conn.close()

    def close(self):
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=2)


# ---------------------------------------------------------------------------------------
# Databases

class MariaDB:
    """A MariaDB server reachable by unix socket as root (the CTest fixture, or one this
    module starts with scripts/mariadb-start.sh)."""

    def __init__(self, socket_path, data_dir=None):
        self.socket = str(socket_path)
        self.data_dir = data_dir  # set when we started it and may stop it

    @classmethod
    def start_private(cls, data_dir, port):
        subprocess.run([str(SCRIPTS_DIR / "mariadb-start.sh"), str(data_dir), str(port)],
                       check=True, capture_output=True, text=True)
        return cls(Path(data_dir) / "mysqld.sock", data_dir)

    @classmethod
    def test_server(cls, fallback_dir, fallback_port):
        """The fixture server from MAILTOKEN_TEST_MYSQL_SOCKET, else a private one."""
        path = os.environ.get("MAILTOKEN_TEST_MYSQL_SOCKET")
        if path and os.path.exists(path):
            server = cls(path)
            if server.alive():
                return server
        return cls.start_private(fallback_dir, fallback_port)

    def alive(self):
        return subprocess.run(["mariadb", "--no-defaults", "--socket=" + self.socket, "-uroot",
                               "-e", "SELECT 1"], capture_output=True).returncode == 0

    def sql(self, statement, database=None):
        cmd = ["mariadb", "--no-defaults", "--socket=" + self.socket, "-uroot", "--batch",
               "--skip-column-names", "-e", statement]
        if database:
            cmd.append(database)
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    def create_database(self, name):
        self.sql("DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s`" % (name, name))
        return "mysql://db=%s user=root unix_socket=%s" % (name, self.socket)

    def drop_database(self, name):
        self.sql("DROP DATABASE IF EXISTS `%s`" % name)

    def stop(self):
        if self.data_dir is not None:
            subprocess.run([str(SCRIPTS_DIR / "mariadb-stop.sh"), str(self.data_dir)],
                           check=True, capture_output=True)

    def start_again(self, port):
        subprocess.run([str(SCRIPTS_DIR / "mariadb-start.sh"), str(self.data_dir), str(port)],
                       check=True, capture_output=True)


# ---------------------------------------------------------------------------------------
# mailtoken: config, pepper, database, admin tool

class AdminError(AssertionError):
    pass


class MailtokenEnv:
    """A mailtoken config with its own pepper and database, driven by the admin tool."""

    def __init__(self, run_dir, database_dsn):
        if not ADMIN_TOOL.exists():
            raise unittest.SkipTest("admin tool %s not built" % ADMIN_TOOL)
        self.run_dir = Path(run_dir)
        self.config_path = self.run_dir / "mailtoken.conf"
        self.pepper_path = self.run_dir / "pepper"
        self.config_path.write_text(
            "# mailtoken config for a Dovecot integration test\n"
            "database = %s\n"
            "pepper_file = %s\n" % (database_dsn, self.pepper_path))
        self.admin("pepper", "generate", str(self.pepper_path))
        self.admin("db", "migrate")

    def admin(self, *args, check=True):
        result = subprocess.run([str(ADMIN_TOOL), "--config", str(self.config_path), *args],
                                capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise AdminError("mailtoken %s failed (%d): %s" % (" ".join(args[:2]), result.returncode,
                                                              result.stderr.strip()))
        return result

    def create_token(self, user, name, read_only=False, scopes=(), expires=None):
        args = ["create", user, "--name", name, "--json"]
        if read_only:
            args.append("--read-only")
        for scope in scopes:
            args += ["--scope", scope]
        if expires:
            args += ["--expires", expires]
        return json.loads(self.admin(*args).stdout)

    def show(self, token_id):
        return json.loads(self.admin("show", token_id, "--json").stdout)

    def revoke(self, token_id):
        self.admin("revoke", token_id, "--yes")

    def pepper_bytes(self):
        return self.pepper_path.read_bytes()


# ---------------------------------------------------------------------------------------
# Dovecot

class Dovecot:
    """A private Dovecot from scripts/dovecot-start.sh; ports base+0..3, relay on base+4."""

    def __init__(self, run_dir, mailtoken_config, base_port, auth_debug=False, extra_env=None):
        self.run_dir = Path(run_dir)
        self.mailtoken_config = Path(mailtoken_config)
        self.base_port = base_port
        self.imap_port = base_port
        self.pop3_port = base_port + 1
        self.submission_port = base_port + 2
        self.sieve_port = base_port + 3
        self.relay_port = base_port + 4
        self.auth_debug = auth_debug
        # More settings for dovecot-start.sh, e.g. DOVECOT_EXTRA_MAIL_PLUGINS.
        self.extra_env = dict(extra_env or {})
        self.log_path = self.run_dir / "dovecot.log"
        self.config_path = self.run_dir / "dovecot.conf"
        self.sink = None

    def start(self):
        for name in ("libauthdb_mailtoken.so", "lib20_mailtoken_plugin.so",
                     "lib95_imap_mailtoken_plugin.so"):
            if not (MODULE_BUILD_DIR / name).exists():
                raise unittest.SkipTest("Dovecot module %s not built" % name)
        self.sink = SMTPSink(self.relay_port)
        env = dict(os.environ, MAILTOKEN_BUILD_DIR=str(BUILD_DIR),
                   DOVECOT_AUTH_DEBUG="yes" if self.auth_debug else "no", **self.extra_env)
        result = subprocess.run([str(SCRIPTS_DIR / "dovecot-start.sh"), str(self.run_dir),
                                 str(self.mailtoken_config), str(self.base_port)],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            self.sink.close()
            raise RuntimeError("dovecot-start.sh failed:\n" + result.stdout + result.stderr)

    def stop(self):
        subprocess.run([str(SCRIPTS_DIR / "dovecot-stop.sh"), str(self.run_dir)],
                       capture_output=True)
        if self.sink is not None:
            self.sink.close()
            self.sink = None

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_bytes(self):
        try:
            return self.log_path.read_bytes()
        except FileNotFoundError:
            return b""

    def doveadm(self, *args):
        return subprocess.run(["doveadm", "-c", str(self.config_path), *args],
                              capture_output=True, text=True)


# ---------------------------------------------------------------------------------------
# Test case base

class DovecotTestCase(unittest.TestCase):
    """One Dovecot + mailtoken world per test class.

    Subclasses set BASE_PORT, STORE ("mariadb" or "sqlite") and optionally AUTH_DEBUG."""

    BASE_PORT = None
    STORE = "mariadb"
    AUTH_DEBUG = False
    # Extra environment for dovecot-start.sh (e.g. DOVECOT_EXTRA_IMAP_PLUGINS).
    DOVECOT_ENV = {}
    # Port of the private MariaDB started when there is no fixture server.
    FALLBACK_MARIADB_PORT = 33390
    # Set for a test that needs a MariaDB of its own (one it may stop and start).
    PRIVATE_MARIADB_PORT = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root: installs the auth module into Dovecot's module dir")
        cls.run_dir = Path(tempfile.mkdtemp(prefix="mailtoken-%s-" % cls.__name__.lower()))
        cls._cleanups_done = False
        cls.mariadb = None
        cls.database_name = None
        try:
            if cls.STORE == "sqlite":
                dsn = "sqlite3://db=%s" % (cls.run_dir / "tokens.db")
            else:
                if cls.PRIVATE_MARIADB_PORT:
                    cls.mariadb = MariaDB.start_private(cls.run_dir / "mariadb", cls.PRIVATE_MARIADB_PORT)
                else:
                    cls.mariadb = MariaDB.test_server(cls.run_dir / "mariadb", cls.FALLBACK_MARIADB_PORT)
                cls.database_name = "mt_%s_%d" % (cls.__name__.lower(), os.getpid())
                dsn = cls.mariadb.create_database(cls.database_name)
            cls.env = MailtokenEnv(cls.run_dir, dsn)
            cls.dovecot = Dovecot(cls.run_dir, cls.env.config_path, cls.BASE_PORT, cls.AUTH_DEBUG,
                                  cls.DOVECOT_ENV)
            cls.dovecot.start()
        except BaseException:
            cls._tear_down_world()
            raise

    @classmethod
    def tearDownClass(cls):
        cls._tear_down_world()
        super().tearDownClass()

    @classmethod
    def _tear_down_world(cls):
        if getattr(cls, "dovecot", None) is not None:
            cls.dovecot.stop()
        if cls.mariadb is not None:
            if cls.database_name:
                try:
                    cls.mariadb.drop_database(cls.database_name)
                except subprocess.CalledProcessError:
                    pass
            if cls.mariadb.data_dir is not None:
                cls.mariadb.stop()
        if os.environ.get("MAILTOKEN_KEEP_RUN_DIR") == "1":
            print("run dir kept: %s" % cls.run_dir)
        else:
            shutil.rmtree(cls.run_dir, ignore_errors=True)

    # Shorthands against this class's Dovecot.
    def imap_login(self, user, password, source_ip=None):
        return imap_login(self.dovecot.imap_port, user, password, source_ip)

    def imap_authenticate(self, mechanism, user, token, source_ip=None):
        return imap_authenticate(self.dovecot.imap_port, mechanism, user, token, source_ip)

    def imap_session(self, user, token, source_ip=None):
        client = IMAPClient(self.dovecot.imap_port, source_ip)
        client.login(user, token)
        self.addCleanup(_close_imap, client)
        return client

    def assertRefusedWith(self, answer, *fragments):
        status, text = answer[0], answer[1]
        self.assertNotIn(status, ("OK", 235, 250), "login unexpectedly accepted: %r" % (answer,))
        for fragment in fragments:
            self.assertIn(fragment.lower(), str(text).lower(), "reason not shown: %r" % (answer,))

    def assertNoServerCrash(self):
        log = self.dovecot.log_text()
        for marker in ("Panic:", "Fatal:", "killed with signal", "segfault"):
            self.assertNotIn(marker, log, "Dovecot log shows a crash")
