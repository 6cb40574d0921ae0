"""The `mailtoken` admin tool, run as a user runs it, against SQLite and MariaDB.

Each backend gets a fresh database: a SQLite file in a temporary directory, or a new
MariaDB database on the test server ($MAILTOKEN_TEST_MYSQL_SOCKET, root by unix socket).
Besides the lifecycle (pepper, migrate, create, list, show, revoke) and every refusal, the
tests check that the token's secret never shows up anywhere but the one line that hands it
out: not on stderr, not in list/show output, not in the database file or dump.
"""

import json
import os
import pty
import re
import shutil
import subprocess
import tempfile
import unittest
import uuid

BUILD_DIR = os.environ.get("MAILTOKEN_BUILD_DIR", "")
TOOL = os.path.join(BUILD_DIR, "admin", "mailtoken")
MYSQL_SOCKET = os.environ.get("MAILTOKEN_TEST_MYSQL_SOCKET", "")
TOKEN_RE = re.compile(r"^mt1_([a-z2-7]{16})_([a-z2-7]{59})$")
ERROR_LINE_RE = re.compile(r"^mailtoken: error: \S.*$")
BAD_ID = "aaaaaaaaaaaaaaaa"  # well-formed, never issued (selectors are random)

CONFIG_TEMPLATE = "# written by test_admin.py\ndatabase = {dsn}\npepper_file = {pepper}\n"


def run_tool(args, config=None, stdin=subprocess.DEVNULL, env_extra=None, input_text=None):
    env = dict(os.environ)
    env.pop("MAILTOKEN_CONFIG", None)
    env.pop("SUDO_USER", None)
    if env_extra:
        env.update(env_extra)
    cmd = [TOOL] + (["--config", config] if config else []) + list(args)
    if input_text is not None:
        stdin = None  # subprocess.run feeds `input` through a pipe
    return subprocess.run(cmd, stdin=stdin, input=input_text, capture_output=True, text=True,
                          env=env, timeout=30)


def secret_of(token):
    match = TOKEN_RE.match(token)
    assert match, "not a token: %d characters" % len(token)
    return match.group(2)


class ToolTestCase(unittest.TestCase):
    """Helpers shared by the backend suites and the config suite."""

    config = None

    @classmethod
    def setUpClass(cls):
        if not os.access(TOOL, os.X_OK):
            raise unittest.SkipTest("mailtoken not built at %s (set MAILTOKEN_BUILD_DIR)" % TOOL)
        cls.tmp = tempfile.mkdtemp(prefix="mt-admin-")
        cls.pepper = os.path.join(cls.tmp, "pepper")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def write_config(cls, name, text):
        path = os.path.join(cls.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def tool(self, *args, **kwargs):
        kwargs.setdefault("config", self.config)
        return run_tool(args, **kwargs)

    def ok(self, *args, **kwargs):
        result = self.tool(*args, **kwargs)
        self.assertEqual(result.returncode, 0, "mailtoken %s: %s" % (" ".join(args), result.stderr))
        return result

    def assert_fails(self, result, code, message_part, usage=False):
        """Exit `code`, nothing on stdout, one 'mailtoken: error:' line containing message_part
        (plus a "Try ..." line for command-line errors), and no crash output."""
        self.assertEqual(result.returncode, code, result.stderr)
        self.assertEqual(result.stdout, "")
        lines = result.stderr.splitlines()
        self.assertGreaterEqual(len(lines), 1, "empty stderr")
        self.assertRegex(lines[0], ERROR_LINE_RE)
        self.assertIn(message_part, lines[0])
        if usage and len(lines) == 2:
            self.assertTrue(lines[1].startswith("Try 'mailtoken"), lines[1])
        else:
            self.assertEqual(len(lines), 1, "more than one stderr line: %r" % result.stderr)
        for crash in ("Traceback", "terminate called", "what():", "Aborted", "AddressSanitizer"):
            self.assertNotIn(crash, result.stderr)


class BackendSuite:
    """The whole tool against one backend, mixed into a ToolTestCase per backend that
    provides the database (a mixin, so unittest does not run it without one)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.write_config(
            "mailtoken.conf", CONFIG_TEMPLATE.format(dsn=cls.make_database(), pepper=cls.pepper))
        result = run_tool(["pepper", "generate"], config=cls.config)
        assert result.returncode == 0, result.stderr
        result = run_tool(["db", "migrate"], config=cls.config)
        assert result.returncode == 0, result.stderr
        cls.first_migrate_output = result.stdout

    @classmethod
    def make_database(cls):
        raise NotImplementedError

    def database_bytes(self):
        raise NotImplementedError

    def unique_user(self, stem):
        return "%s-%s@example.org" % (stem, uuid.uuid4().hex[:8])

    def create(self, user, name="test token", *extra):
        result = self.ok("create", user, "--name", name, *extra)
        token = result.stdout.rstrip("\n")
        self.assertRegex(token, TOKEN_RE)
        return token, TOKEN_RE.match(token).group(1)

    def list_json(self, *args):
        return json.loads(self.ok("list", "--json", *args).stdout)

    # --- lifecycle -------------------------------------------------------------------

    def test_pepper_is_private_and_never_overwritten(self):
        self.assertEqual(os.stat(self.pepper).st_mode & 0o777, 0o640)
        with open(self.pepper, "rb") as f:
            before = f.read()
        self.assertGreaterEqual(len(before), 32)
        self.assert_fails(self.tool("pepper", "generate"), 1, "refusing to overwrite")
        with open(self.pepper, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_migrate_twice_is_a_noop_and_status_says_up_to_date(self):
        self.assertIn("Applied", self.first_migrate_output)
        again = self.ok("db", "migrate")
        self.assertIn("no migration applied", again.stdout)
        status = self.ok("db", "status")
        self.assertIn("Status: up to date", status.stdout)
        current = re.search(r"Schema version: (\d+)", status.stdout).group(1)
        latest = re.search(r"Latest version: (\d+)", status.stdout).group(1)
        self.assertEqual(current, latest)
        self.assertGreaterEqual(int(current), 1)

    def test_full_lifecycle(self):
        user = self.unique_user("Life")  # upper case: stored lowercased
        seen_output = []

        plain = self.ok("create", user, "--name", "Backup script", "--read-only")
        lines = plain.stdout.splitlines()
        self.assertEqual(len(lines), 1, "stdout must be the token alone")
        token = lines[0]
        self.assertRegex(token, TOKEN_RE)
        token_id = TOKEN_RE.match(token).group(1)
        self.assertIn("Save this token now: it cannot be shown again.", plain.stderr)
        self.assertIn(token_id, plain.stderr)
        self.assertIn("read-only", plain.stderr)
        seen_output.append(plain.stderr)

        created = self.ok("create", user, "--name", "Phone", "--scope", "mail,submission",
                          "--scope", "sieve", "--expires", "30d", "--json")
        obj = json.loads(created.stdout)
        self.assertEqual(created.stdout.count("\n"), 1, "one compact JSON line")
        for key in ("id", "token", "user", "name", "access", "scopes", "created_at",
                    "expires_at"):
            self.assertIn(key, obj)
        self.assertRegex(obj["token"], TOKEN_RE)
        self.assertEqual(TOKEN_RE.match(obj["token"]).group(1), obj["id"])
        self.assertEqual(obj["user"], user.lower())
        self.assertEqual(obj["access"], "read-write")
        self.assertEqual(obj["scopes"], ["mail", "submission", "sieve"])
        self.assertRegex(obj["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertRegex(obj["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(created.stderr, "")
        tokens = [token, obj["token"]]

        table = self.ok("list", user.lower())
        self.assertIn(token_id, table.stdout)
        self.assertIn(obj["id"], table.stdout)
        self.assertIn("STATUS", table.stdout.splitlines()[0])
        seen_output.append(table.stdout)

        listed = self.list_json(user)
        seen_output.append(json.dumps(listed))
        self.assertEqual({t["id"] for t in listed}, {token_id, obj["id"]})
        for t in listed:
            self.assertEqual(t["status"], "active")
            for key in ("id", "user", "name", "access", "scopes", "created_at", "expires_at",
                        "last_used_at", "last_used_ip", "last_used_protocol", "status"):
                self.assertIn(key, t)
            self.assertIsNone(t["last_used_at"])
        by_id = {t["id"]: t for t in listed}
        self.assertEqual(by_id[token_id]["access"], "read-only")
        self.assertEqual(by_id[token_id]["scopes"], ["mail"])
        self.assertIsNone(by_id[token_id]["expires_at"])

        shown = self.ok("show", token_id)
        self.assertIn("name:               Backup script", shown.stdout)
        self.assertIn("status:             active", shown.stdout)
        seen_output.append(shown.stdout)
        shown_json = json.loads(self.ok("show", token_id, "--json").stdout)
        self.assertEqual(shown_json["name"], "Backup script")
        self.assertEqual(shown_json["user"], user.lower())

        revoked = self.ok("revoke", token_id, "--yes")
        self.assertIn("Revoked token " + token_id, revoked.stdout)
        self.assert_fails(self.tool("revoke", token_id, "--yes"), 1,
                          "token %s is already revoked" % token_id)
        after = json.loads(self.ok("show", token_id, "--json").stdout)
        self.assertEqual(after["status"], "revoked")
        self.assertIsNotNone(after["revoked_at"])
        self.assertEqual([t["id"] for t in self.list_json(user)], [obj["id"]])
        self.assertEqual({t["id"]: t["status"] for t in self.list_json(user, "--all")},
                         {token_id: "revoked", obj["id"]: "active"})
        seen_output.append(self.ok("list", "--all").stdout)
        seen_output.append(self.ok("show", obj["id"]).stdout)

        dump = self.database_bytes()
        self.assertIn(token_id.encode(), dump, "the dump should hold the public id")
        for t in tokens:
            secret = secret_of(t)
            for text in seen_output:
                self.assertNotIn(secret, text)
                self.assertNotIn(secret[:20], text)
            self.assertNotIn(secret.encode(), dump)
            self.assertNotIn(secret[:20].encode(), dump)
            self.assertNotIn(secret.upper().encode(), dump)

    def test_user_names_are_lowercased(self):
        user = self.unique_user("MiXeD")
        _, token_id = self.create(user)
        self.assertEqual(json.loads(self.ok("show", token_id, "--json").stdout)["user"],
                         user.lower())
        self.assertEqual(len(self.list_json(user.upper())), 1)

    # --- refusals --------------------------------------------------------------------

    def test_bad_input_is_refused_and_nothing_is_written(self):
        user = self.unique_user("bad")
        before = self.list_json("--all")
        cases = [
            (["create", "", "--name", "x"], 2, "user name is empty"),
            (["create", "al ice", "--name", "x"], 2, "user name"),
            (["create", "al\x01ice", "--name", "x"], 2, "control character"),
            (["create", "al\tice", "--name", "x"], 2, "user name"),
            (["create", user, "--name", "x", "--scope", "mail,calendar"], 2, "calendar"),
            (["create", user, "--name", "x", "--scope", "teleport"], 2, "teleport"),
            (["create", user, "--name", "x", "--read-only", "--scope", "submission"], 2,
             "submission"),
            (["create", user, "--name", "x", "--expires", "10q"], 2, "duration"),
            (["create", user, "--name", "x", "--expires", "-5d"], 2, ""),
            (["create", user, "--name", "x", "--expires", "2001-02-03T04:05:06Z"], 2, "past"),
            (["create", user, "--name", ""], 2, "token name is empty"),
            (["create", user, "--name", "line\nbreak"], 2, "control character"),
            (["create", user, "--name", "x" * 201], 2, "200"),
            (["show", BAD_ID], 1, "no token with id " + BAD_ID),
            (["revoke", BAD_ID, "--yes"], 1, "no token with id " + BAD_ID),
            (["show", "not-an-id"], 2, "invalid token id"),
            (["plan", "set", "p", "--tokens", "sometimes"], 2, "allowed"),
            (["account", "set-plan", user, "no-such-plan"], 1, "does not exist"),
        ]
        for args, code, part in cases:
            with self.subTest(args=args):
                self.assert_fails(self.tool(*args), code, part)
        usage_cases = [
            (["create", user], "--name"),
            (["create", user, "--name", "x", "--colour", "red"], "--colour"),
            (["create"], "USER"),
            (["frobnicate"], "unknown command"),
            (["db", "drop"], "unknown db subcommand"),
        ]
        for args, part in usage_cases:
            with self.subTest(args=args):
                self.assert_fails(self.tool(*args), 2, part, usage=True)
        self.assertEqual(self.list_json("--all"), before)

    def test_revoke_without_yes_refuses_when_stdin_is_not_a_terminal(self):
        _, token_id = self.create(self.unique_user("noyes"))
        self.assert_fails(self.tool("revoke", token_id), 2,
                          "refusing to revoke without --yes (stdin is not a terminal)")
        self.assert_fails(self.tool("revoke", token_id, input_text="y\n"), 2,
                          "refusing to revoke without --yes")
        self.assertEqual(json.loads(self.ok("show", token_id, "--json").stdout)["status"],
                         "active")

    def revoke_on_terminal(self, token_id, answer):
        controller, terminal = pty.openpty()
        try:
            os.write(controller, answer.encode())
            return self.tool("revoke", token_id, stdin=terminal)
        finally:
            os.close(terminal)
            os.close(controller)

    def test_revoke_asks_on_a_terminal(self):
        user = self.unique_user("tty")
        _, token_id = self.create(user, "Laptop")
        declined = self.revoke_on_terminal(token_id, "n\n")
        self.assertEqual(declined.returncode, 1)
        self.assertIn("Revoke token %s (Laptop) of %s? This cannot be undone. [y/N] "
                      % (token_id, user), declined.stderr)
        self.assertIn("mailtoken: error: aborted", declined.stderr)
        self.assertEqual(json.loads(self.ok("show", token_id, "--json").stdout)["status"],
                         "active")
        accepted = self.revoke_on_terminal(token_id, "yes\n")
        self.assertEqual(accepted.returncode, 0, accepted.stderr)
        self.assertEqual(json.loads(self.ok("show", token_id, "--json").stdout)["status"],
                         "revoked")

    def test_schema_missing_is_reported(self):
        empty = self.write_config(
            "empty-%s.conf" % uuid.uuid4().hex[:6],
            CONFIG_TEMPLATE.format(dsn=self.make_database(), pepper=self.pepper))
        self.assert_fails(run_tool(["list"], config=empty), 1,
                          "database schema is not installed; run 'mailtoken db migrate'")
        status = run_tool(["db", "status"], config=empty)
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn("Schema version: 0", status.stdout)
        self.assertIn("pending", status.stdout)

    # --- plans -----------------------------------------------------------------------

    def test_plan_that_denies_tokens_blocks_create(self):
        user = self.unique_user("denied")
        self.ok("plan", "set", "no-tokens", "--tokens", "denied")
        self.ok("account", "set-plan", user, "no-tokens")
        plans = json.loads(self.ok("plan", "list", "--json").stdout)
        self.assertIn({"name": "no-tokens", "tokens": "denied", "max_tokens": None}, plans)
        before = self.list_json("--all")
        self.assert_fails(self.tool("create", user, "--name", "x"), 1, "does not allow")
        self.assertEqual(self.list_json("--all"), before)
        self.assertEqual(self.list_json(user, "--all"), [])

    def test_max_tokens_caps_active_tokens(self):
        user = self.unique_user("capped")
        self.ok("plan", "set", "two-tokens", "--tokens", "allowed", "--max-tokens", "2")
        self.ok("account", "set-plan", user, "two-tokens")
        _, first = self.create(user, "one")
        self.create(user, "two")
        self.assert_fails(self.tool("create", user, "--name", "three"), 1, "2")
        self.assertEqual(len(self.list_json(user)), 2)
        self.ok("revoke", first, "--yes")
        self.create(user, "three")  # revoked tokens do not count
        self.assertEqual(len(self.list_json(user)), 2)

    def test_token_that_cannot_be_printed_is_not_left_active(self):
        # Regression: `create >/dev/full` exited 0 with an active token nobody had.
        user = self.unique_user("lost")
        with open("/dev/full", "w") as full:
            result = subprocess.run([TOOL, "--config", self.config, "create", user, "--name", "x"],
                                    stdin=subprocess.DEVNULL, stdout=full, stderr=subprocess.PIPE,
                                    text=True, timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertRegex(result.stderr.splitlines()[0], ERROR_LINE_RE)
        self.assertIn("standard output", result.stderr)
        self.assertEqual(self.list_json(user), [])
        self.assertEqual([t["status"] for t in self.list_json(user, "--all")], ["revoked"])

    # --- hostile text ----------------------------------------------------------------

    def test_sql_looking_names_are_stored_verbatim(self):
        user = "robert');drop-table-tokens;--%s@example.org" % uuid.uuid4().hex[:6]
        name = "x'); DROP TABLE tokens; -- \"quoted\" \\ backslash % _ \u00fcml\u00e4ut \U0001F511"
        result = self.ok("create", user, "--name", name, "--json")
        obj = json.loads(result.stdout)
        self.assertEqual(obj["user"], user)
        self.assertEqual(obj["name"], name)
        shown = json.loads(self.ok("show", obj["id"], "--json").stdout)
        self.assertEqual(shown["name"], name)
        self.assertEqual(shown["user"], user)
        self.assertEqual([t["name"] for t in self.list_json(user)], [name])
        self.assertIn("DROP TABLE tokens", self.ok("list", user).stdout)
        self.assertIn(name, self.ok("show", obj["id"]).stdout)
        # The tables are still there.
        self.assertIn("Status: up to date", self.ok("db", "status").stdout)


class SqliteAdminTest(BackendSuite, ToolTestCase):

    @classmethod
    def make_database(cls):
        cls.db_path = os.path.join(cls.tmp, "tokens-%s.db" % uuid.uuid4().hex[:6])
        return "sqlite3://db=" + cls.db_path

    def database_bytes(self):
        data = b""
        for name in os.listdir(self.tmp):
            if name.startswith(os.path.basename(self.db_path)):
                with open(os.path.join(self.tmp, name), "rb") as f:
                    data += f.read()
        return data


def mariadb(*args, database=None):
    cmd = ["mariadb", "--no-defaults", "--socket=" + MYSQL_SOCKET, "-uroot", "-N", "-B"]
    if database:
        cmd.append(database)
    return subprocess.run(cmd + list(args), capture_output=True, text=True, check=True, timeout=30)


@unittest.skipUnless(MYSQL_SOCKET, "MAILTOKEN_TEST_MYSQL_SOCKET not set")
class MariadbAdminTest(BackendSuite, ToolTestCase):
    databases = []  # created by this suite, dropped at the end

    @classmethod
    def make_database(cls):
        name = "mt_admin_%s" % uuid.uuid4().hex[:12]
        mariadb("-e", "CREATE DATABASE `%s`" % name)
        cls.databases.append(name)  # the first is the suite's main database
        return "mysql://db=%s user=root unix_socket=%s" % (name, MYSQL_SOCKET)

    @classmethod
    def tearDownClass(cls):
        for name in cls.databases:
            mariadb("-e", "DROP DATABASE IF EXISTS `%s`" % name)
        super().tearDownClass()

    def database_bytes(self):
        dump = subprocess.run(["mariadb-dump", "--no-defaults", "--socket=" + MYSQL_SOCKET, "-uroot",
                               "--hex-blob", self.databases[0]],
                              capture_output=True, check=True, timeout=30)
        return dump.stdout


class ConfigErrorsTest(ToolTestCase):
    """Config and connection problems, before any database work."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = "sqlite3://db=" + os.path.join(cls.tmp, "tokens.db")
        cls.config = cls.write_config("ok.conf", CONFIG_TEMPLATE.format(dsn=cls.db, pepper=cls.pepper))
        assert run_tool(["pepper", "generate", cls.pepper]).returncode == 0

    def test_unknown_key_is_named(self):
        bad = self.write_config("unknown.conf", CONFIG_TEMPLATE.format(dsn=self.db, pepper=self.pepper)
                                + "colour = blue\n")
        self.assert_fails(run_tool(["list"], config=bad), 78, "colour")

    def test_missing_required_key_is_named(self):
        bad = self.write_config("nopepper.conf", "database = %s\n" % self.db)
        self.assert_fails(run_tool(["list"], config=bad), 78, "pepper_file")

    def test_missing_config_file(self):
        missing = os.path.join(self.tmp, "does-not-exist.conf")
        self.assert_fails(run_tool(["list"], config=missing), 78, missing)
        self.assert_fails(run_tool(["list"], env_extra={"MAILTOKEN_CONFIG": missing}), 78, missing)

    def test_config_from_environment(self):
        result = run_tool(["db", "status"], env_extra={"MAILTOKEN_CONFIG": self.config})
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_missing_pepper_points_at_pepper_generate(self):
        conf = self.write_config("nopepperfile.conf", CONFIG_TEMPLATE.format(
            dsn=self.db, pepper=os.path.join(self.tmp, "absent-pepper")))
        self.assert_fails(run_tool(["list"], config=conf), 78, "mailtoken pepper generate")

    def test_world_readable_pepper_is_refused(self):
        loose = os.path.join(self.tmp, "loose-pepper")
        with open(loose, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(loose, 0o644)
        conf = self.write_config("loose.conf", CONFIG_TEMPLATE.format(dsn=self.db, pepper=loose))
        self.assert_fails(run_tool(["db", "status"], config=conf), 78, loose)

    def test_unreachable_database_is_a_temporary_failure(self):
        dsn = ("mysql://db=nowhere user=root password=hunter2-secret unix_socket=%s"
               % os.path.join(self.tmp, "no-server.sock"))
        conf = self.write_config("down.conf", CONFIG_TEMPLATE.format(dsn=dsn, pepper=self.pepper))
        for args in (["list"], ["db", "migrate"], ["create", "alice", "--name", "x"],
                     ["show", BAD_ID], ["revoke", BAD_ID, "--yes"]):
            with self.subTest(args=args):
                result = run_tool(args, config=conf)
                self.assert_fails(result, 75, "")
                self.assertNotIn("hunter2", result.stderr)

    def test_bad_database_string_is_a_config_error(self):
        conf = self.write_config("baddsn.conf", CONFIG_TEMPLATE.format(
            dsn="postgresql://db=x", pepper=self.pepper))
        result = run_tool(["list"], config=conf)
        self.assertIn(result.returncode, (75, 78), result.stderr)
        self.assertRegex(result.stderr.splitlines()[0], ERROR_LINE_RE)

    def test_pepper_generate_to_explicit_file_needs_no_config(self):
        path = os.path.join(self.tmp, "explicit-pepper")
        result = run_tool(["pepper", "generate", path],
                          env_extra={"MAILTOKEN_CONFIG": os.path.join(self.tmp, "none.conf")})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o640)
        self.assertIn("key id", result.stdout)

    def test_help_everywhere_and_no_token_argument(self):
        for args in (["--help"], ["create", "--help"], ["list", "--help"], ["show", "--help"],
                     ["revoke", "--help"], ["db", "--help"], ["db", "migrate", "--help"],
                     ["db", "status", "--help"], ["plan", "set", "--help"],
                     ["plan", "list", "--help"], ["account", "set-plan", "--help"],
                     ["pepper", "generate", "--help"]):
            with self.subTest(args=args):
                result = run_tool(args)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertTrue(result.stdout.startswith("Usage: mailtoken"), result.stdout)
        self.assertNotIn("--token", run_tool(["--help"]).stdout)

    def test_whole_token_given_as_id_is_not_echoed(self):
        fake = "mt1_abcdefghijklmn23_" + "q" * 59
        result = run_tool(["show", fake], config=self.config)
        self.assert_fails(result, 2, "whole token")
        self.assertNotIn("qqqqqqqqqq", result.stderr)


if __name__ == "__main__":
    unittest.main()
