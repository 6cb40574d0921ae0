"""IMAP logins with API tokens against a real Dovecot, tokens in MariaDB (the production store).

What an IMAP client sees: the four ways to present a token, read-write and read-only
sessions (every write of a read-only session answers NO), each refusal reason, revocation
on the next login, plan denial, expiry, last-used bookkeeping and hostile input.
"""

import base64
import os
import time
import zlib
import unittest

from dovecot_harness import DovecotTestCase, IMAPClient, RawIMAP, next_client_ip

MESSAGE = b"From: sender@mailtoken.test\r\nSubject: seed\r\n\r\nhello\r\n"


class ImapTokenTests(DovecotTestCase):
    BASE_PORT = 31430
    STORE = "mariadb"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rw = cls.env.create_token("alice", "laptop")
        cls.ro = cls.env.create_token("alice", "backup script", read_only=True)
        # alice's mailbox: two unseen messages in INBOX and an empty, subscribed Archive.
        client = IMAPClient(cls.dovecot.imap_port)
        try:
            client.login("alice", cls.rw["token"])
            for _ in range(2):
                client.append("INBOX", None, None, MESSAGE)
            client.create("Archive")
            client.subscribe("Archive")
        finally:
            client.logout()

    # -- presenting the token -------------------------------------------------------------

    def test_login_command_accepts_token(self):
        self.assertEqual(self.imap_login("alice", self.rw["token"])[0], "OK")

    def test_every_sasl_mechanism_accepts_token(self):
        for mechanism in ("PLAIN", "OAUTHBEARER", "XOAUTH2"):
            with self.subTest(mechanism=mechanism):
                self.assertEqual(self.imap_authenticate(mechanism, "alice", self.rw["token"])[0], "OK")

    def test_every_sasl_mechanism_refuses_wrong_token(self):
        wrong = self.rw["token"][:-6] + ("aaaaaa" if not self.rw["token"].endswith("aaaaaa") else "bbbbbb")
        for mechanism in ("PLAIN", "OAUTHBEARER", "XOAUTH2"):
            with self.subTest(mechanism=mechanism):
                self.assertNotEqual(self.imap_authenticate(mechanism, "alice", wrong)[0], "OK")

    def test_login_name_is_case_insensitive_like_dovecot(self):
        self.assertEqual(self.imap_login("Alice", self.rw["token"])[0], "OK")

    # -- read-only sessions ---------------------------------------------------------------

    def test_read_only_select_is_read_only_and_reading_keeps_messages_unseen(self):
        client = self.imap_session("alice", self.ro["token"])
        status, text, read_only = client.select_keep_read_only("INBOX")
        self.assertEqual(status, "OK")
        self.assertTrue(read_only, "SELECT did not answer [READ-ONLY]: " + text)
        self.assertIn("[READ-ONLY]", text)
        typ, data = client.fetch("1", "(BODY[])")
        self.assertEqual(typ, "OK")
        self.assertIn(b"hello", data[0][1])
        self.assertNotIn(b"\\Seen", self._flags_seen_by_read_write_session(1))

    def test_read_only_session_refuses_every_write(self):
        client = self.imap_session("alice", self.ro["token"])
        status, _, read_only = client.select_keep_read_only("INBOX")
        self.assertTrue(status == "OK" and read_only)
        writes = {
            "STORE": lambda: client.run("STORE", "1", "+FLAGS", "(\\Flagged)"),
            "STORE \\Deleted": lambda: client.run("STORE", "1", "+FLAGS.SILENT", "(\\Deleted)"),
            "APPEND": lambda: self._append(client, "INBOX"),
            "APPEND to another mailbox": lambda: self._append(client, "Archive"),
            "COPY": lambda: client.run("COPY", "1", "Archive"),
            "MOVE": lambda: client.run("MOVE", "1", "Archive"),
            "EXPUNGE": lambda: client.run("EXPUNGE"),
            "UID EXPUNGE": lambda: client.run("UID", "EXPUNGE", "1:*"),
            "CREATE": lambda: client.run("CREATE", "Created"),
            "DELETE": lambda: client.run("DELETE", "Archive"),
            "RENAME": lambda: client.run("RENAME", "Archive", "Renamed"),
            # (Unsubscribing what is not subscribed changes nothing and answers OK.)
            "SUBSCRIBE": lambda: client.run("SUBSCRIBE", "INBOX"),
            "UNSUBSCRIBE": lambda: client.run("UNSUBSCRIBE", "Archive"),
            "SETMETADATA": lambda: client.run("SETMETADATA", "INBOX", '(/private/comment "x")'),
            "SETMETADATA server": lambda: client.run("SETMETADATA", '""', '(/private/comment "x")'),
        }
        for name, write in writes.items():
            with self.subTest(command=name):
                status, text = write()
                self.assertEqual(status, "NO", "%s answered %s %s" % (name, status, text))
                self.assertIn("This API token is read-only", text)
        # The session is still usable for reading after all those refusals.
        self.assertEqual(client.run("NOOP")[0], "OK")
        self._assert_alice_mailbox_unchanged()

    def _append(self, client, mailbox):
        try:
            typ, data = client.append(mailbox, None, None, MESSAGE)
        except client.error as e:
            return "NO", str(e)
        return typ, " ".join(d.decode() if isinstance(d, bytes) else str(d) for d in data)

    def _flags_seen_by_read_write_session(self, seq):
        client = self.imap_session("alice", self.rw["token"])
        client.select("INBOX", readonly=True)  # EXAMINE: looking must not change anything
        typ, data = client.fetch(str(seq), "(FLAGS)")
        self.assertEqual(typ, "OK")
        return data[0]

    def _assert_alice_mailbox_unchanged(self):
        client = self.imap_session("alice", self.rw["token"])
        typ, data = client.select("INBOX", readonly=True)
        self.assertEqual(data[0], b"2", "INBOX message count changed")
        typ, data = client.fetch("1:*", "(FLAGS)")
        for line in data:
            self.assertNotIn(b"\\Flagged", line)
            self.assertNotIn(b"\\Deleted", line)
        typ, data = client.status("Archive", "(MESSAGES)")
        self.assertIn(b"MESSAGES 0", data[0])
        typ, data = client.list()
        names = b" ".join(data)
        self.assertNotIn(b"Created", names)
        self.assertNotIn(b"Renamed", names)
        typ, data = client.lsub()
        subscribed = b" ".join(d for d in data if d)
        self.assertIn(b"Archive", subscribed)
        self.assertNotIn(b"INBOX", subscribed)

    # -- read-write sessions --------------------------------------------------------------

    def test_read_write_session_writes(self):
        token = self.env.create_token("carol", "mail app")
        client = self.imap_session("carol", token["token"])
        for _ in range(4):
            self.assertEqual(self._append(client, "INBOX")[0], "OK")
        status, text, read_only = client.select_keep_read_only("INBOX")
        self.assertEqual(status, "OK")
        self.assertFalse(read_only, text)
        self.assertIn("[READ-WRITE]", text)
        steps = [
            ("CREATE", ("CREATE", "Work")),
            ("STORE", ("STORE", "1", "+FLAGS", "(\\Flagged)")),
            ("COPY", ("COPY", "1", "Work")),
            ("MOVE", ("MOVE", "2", "Work")),
            ("STORE \\Deleted", ("STORE", "1", "+FLAGS.SILENT", "(\\Deleted)")),
            ("EXPUNGE", ("EXPUNGE",)),
            ("STORE \\Deleted again", ("STORE", "1", "+FLAGS.SILENT", "(\\Deleted)")),
            ("UID EXPUNGE", ("UID", "EXPUNGE", "1:*")),
            ("RENAME", ("RENAME", "Work", "Projects")),
            ("SUBSCRIBE", ("SUBSCRIBE", "Projects")),
            ("SETMETADATA", ("SETMETADATA", "INBOX", '(/private/comment "hello")')),
            ("DELETE", ("DELETE", "Projects")),
        ]
        for name, command in steps:
            with self.subTest(command=name):
                status, text = client.run(*command)
                self.assertEqual(status, "OK", "%s answered %s %s" % (name, status, text))
        typ, data = client.select("INBOX")
        self.assertEqual(data[0], b"1", "EXPUNGE / UID EXPUNGE / MOVE did not remove messages")
        client.fetch("1", "(BODY[])")
        typ, data = client.fetch("1", "(FLAGS)")
        self.assertIn(b"\\Seen", data[0], "reading in a read-write session sets \\Seen")

    # -- refusals ---------------------------------------------------------------------------

    def test_wrong_user_is_refused(self):
        self.assertRefusedWith(self.imap_login("bob", self.rw["token"]), "AUTHENTICATIONFAILED")

    def test_damaged_or_unknown_token_is_refused(self):
        token = self.rw["token"]
        for name, text in (("last character changed", token[:-1] + ("a" if token[-1] != "a" else "b")),
                           ("truncated", token[:-4]),
                           ("empty", ""),
                           ("ordinary password", "correct horse battery staple")):
            with self.subTest(case=name):
                self.assertRefusedWith(self.imap_login("alice", text), "AUTHENTICATIONFAILED")

    def test_missing_scope_is_refused_with_reason(self):
        token = self.env.create_token("alice", "sieve only", scopes=["sieve"])
        self.assertRefusedWith(self.imap_login("alice", token["token"]), "no 'mail' scope")

    def test_revoked_token_is_refused_on_the_next_login(self):
        token = self.env.create_token("alice", "to revoke")
        self.assertEqual(self.imap_login("alice", token["token"])[0], "OK")
        self.env.revoke(token["id"])
        self.assertRefusedWith(self.imap_login("alice", token["token"]))
        self.assertRefusedWith(self.imap_authenticate("XOAUTH2", "alice", token["token"]))

    def test_plan_without_tokens_stops_existing_tokens(self):
        token = self.env.create_token("dave", "phone")
        self.assertEqual(self.imap_login("dave", token["token"])[0], "OK")
        self.env.admin("plan", "set", "basic", "--tokens", "denied")
        self.env.admin("account", "set-plan", "dave", "basic")
        self.assertRefusedWith(self.imap_login("dave", token["token"]), "plan")
        refused = self.env.admin("create", "dave", "--name", "another", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("plan", refused.stderr)

    def test_expired_token_is_refused_with_reason(self):
        token = self.env.create_token("alice", "short lived", expires="2s")
        self.assertEqual(self.imap_login("alice", token["token"])[0], "OK")
        time.sleep(2.2)
        self.assertRefusedWith(self.imap_login("alice", token["token"]), "expired")

    def test_other_services_never_accept_a_token(self):
        # doveadm asks the auth server directly, as any service name: the way Postfix or Exim
        # use Dovecot SASL (service=smtp). Regression: a refusal used to be OK+nologin, which
        # such clients take as a successful login, even for a forged token.
        forged = forge_token_shape()
        for service in ("smtp", "lmtp", "doveadm", "jmap"):
            for token in (self.rw["token"], forged):
                result = self.dovecot.doveadm("auth", "test", "-x", "service=" + service,
                                              "alice", token)
                output = result.stdout + result.stderr
                self.assertNotEqual(result.returncode, 0, (service, output))
                self.assertNotIn("auth succeeded", output)
                self.assertNotIn("mailtoken_access", output)

    def test_unknown_access_value_refuses_the_session(self):
        # The mail plugin trusts only the two values the passdb writes; anything else (a
        # typo in a userdb, a future value) must refuse the session, never grant more.
        refused = self.dovecot.doveadm("-o", "plugin/mailtoken_access=read-wirte",
                                       "mailbox", "list", "-u", "alice")
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("invalid mailtoken_access", refused.stderr)
        read_only = self.dovecot.doveadm("-o", "plugin/mailtoken_access=read-only",
                                         "mailbox", "create", "-u", "alice", "ViaDoveadm")
        self.assertNotEqual(read_only.returncode, 0)
        self.assertIn("This API token is read-only", read_only.stderr)
        self.assertEqual(self.dovecot.doveadm("mailbox", "list", "-u", "alice").returncode, 0)

    # -- bookkeeping --------------------------------------------------------------------------

    def test_last_use_is_recorded(self):
        token = self.env.create_token("alice", "tracked")
        self.assertIsNone(self.env.show(token["id"])["last_used_at"])
        source_ip = next_client_ip()
        before = time.time()
        self.assertEqual(self.imap_login("alice", token["token"], source_ip=source_ip)[0], "OK")
        shown = self._wait_for_last_use(token["id"])
        self.assertEqual(shown["last_used_ip"], source_ip)
        self.assertEqual(shown["last_used_protocol"], "imap")
        used_at = time.mktime(time.strptime(shown["last_used_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
        self.assertLessEqual(abs(used_at - before), 5)

    def _wait_for_last_use(self, token_id):
        deadline = time.time() + 5
        while True:
            shown = self.env.show(token_id)
            if shown["last_used_at"] or time.time() > deadline:
                self.assertTrue(shown["last_used_at"], "last use not recorded")
                return shown
            time.sleep(0.05)

    # -- hostile input ----------------------------------------------------------------------

    def test_hostile_passwords_are_refused_and_server_keeps_working(self):
        token = self.rw["token"].encode()
        cases = {
            "900-byte password": b"A" * 900,
            "900-byte token-shaped password": token + b"x" * (900 - len(token)),
            "non-ASCII bytes": token[:20] + "\u00e9\u4e2d".encode() + b"\xff\xfe" + token[20:],
            "token then garbage": token + b"\xff",
            "control characters": token[:10] + b"\x01\x02\x7f" + token[10:],
        }
        for name, password in cases.items():
            with self.subTest(case=name):
                client = RawIMAP(self.dovecot.imap_port)
                try:
                    status, text, _ = client.command(b"LOGIN", b"alice", {"literal": password})
                finally:
                    client.close()
                self.assertIn(status, ("NO", "BAD"), "%s: %s %s" % (name, status, text))
        # SASL carries what LOGIN cannot: NUL inside the password, and 6 KiB of it.
        for name, password in (("NUL in password", token[:15] + b"\0" + token[15:]),
                               ("6 KiB password", token + b"Z" * 6000)):
            with self.subTest(case=name):
                self.assertNotEqual(self.imap_authenticate("PLAIN", "alice", password)[0], "OK")
        self.assertEqual(self.imap_login("alice", self.rw["token"])[0], "OK")
        self.assertNoServerCrash()

    def test_hostile_user_names_are_refused(self):
        token = self.rw["token"]
        for user in ("alice' OR '1'='1", "alice\"; DROP TABLE tokens; --", "alice%", "alice_",
                     "al\u00efce", "*", "alice@localhost' --"):
            with self.subTest(user=user):
                client = RawIMAP(self.dovecot.imap_port)
                try:
                    status, text, _ = client.command(b"LOGIN", {"literal": user.encode()},
                                                     {"literal": token.encode()})
                finally:
                    client.close()
                self.assertIn(status, ("NO", "BAD"), "%r: %s %s" % (user, status, text))
        self.assertEqual(self.imap_login("alice", token)[0], "OK")
        self.assertNoServerCrash()

    def test_sql_looking_token_names_are_stored_verbatim(self):
        name = "'); DROP TABLE tokens; -- \"x\" %s \\"
        token = self.env.create_token("alice", name)
        self.assertEqual(self.imap_login("alice", token["token"])[0], "OK")
        self.assertEqual(self.env.show(token["id"])["name"], name)


if __name__ == "__main__":
    unittest.main()


def forge_token_shape(prefix="mt1"):
    """A token with the right shape and checksum but no database row: what an attacker can
    make without knowing anything but the public prefix."""
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"

    def b32(data):
        return base64.b32encode(data).decode().rstrip("=").lower()

    body = "%s_%s_%s" % (prefix, b32(os.urandom(10)), b32(os.urandom(32)))
    crc = zlib.crc32(body.encode())
    return body + "".join(alphabet[(crc >> shift) & 31] for shift in range(30, -5, -5))
