"""A read-only token runs only read-only IMAP commands, even with Dovecot's acl and quota
plugins loaded.

imap_acl's SETACL/DELETEACL and imap_quota's SETQUOTA write their backends directly, past the
mailbox functions the mail plugin makes read-only: `SETACL INBOX attacker lrswipkxtea` from a
read-only token would share the victim's mail. The IMAP plugin therefore lets a read-only
session run only commands known to be read-only and answers every other one with
NO [NOPERM]. These tests load acl + imap_acl + quota + imap_quota in the private Dovecot and
check what a client sees, and that nothing changed on disk.
"""

import unittest

from dovecot_harness import DovecotTestCase, RawIMAP

MESSAGE = b"From: sender@mailtoken.test\r\nSubject: seed\r\n\r\nhello\r\n"
READ_ONLY_REFUSAL = "[NOPERM] This API token is read-only"


def literal(data):
    return {"literal": data}


class ReadOnlyAllowListTests(DovecotTestCase):
    BASE_PORT = 31480
    STORE = "sqlite"
    DOVECOT_ENV = {
        "DOVECOT_EXTRA_MAIL_PLUGINS": "acl quota",
        "DOVECOT_EXTRA_IMAP_PLUGINS": "imap_acl imap_quota",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rw = cls.env.create_token("alice", "laptop")
        cls.ro = cls.env.create_token("alice", "backup script", read_only=True)
        # alice: two messages in INBOX, a subscribed Archive, and Pending whose only message
        # is marked \Deleted but not expunged.
        client = cls.raw_session(cls.rw["token"])
        try:
            for _ in range(2):
                cls.expect_ok(client.command(b"APPEND", b"INBOX", literal(MESSAGE)))
            for command in ((b"CREATE", b"Archive"), (b"SUBSCRIBE", b"Archive"),
                            (b"CREATE", b"Pending"), (b"CREATE", b"Shared"),
                            (b"APPEND", b"Pending", b"(\\Deleted)", literal(MESSAGE))):
                cls.expect_ok(client.command(*command))
        finally:
            client.close()

    # -- helpers ----------------------------------------------------------------------------

    @classmethod
    def raw_session(cls, token):
        client = RawIMAP(cls.dovecot.imap_port)
        status, text, _ = client.command(b"LOGIN", b"alice", literal(token.encode()))
        if status != "OK":
            client.close()
            raise AssertionError("LOGIN failed: %s %s" % (status, text))
        return client

    @staticmethod
    def expect_ok(answer):
        status, text, _ = answer
        if status != "OK":
            raise AssertionError("expected OK, got %s %s" % (status, text))

    def session(self, token):
        client = self.raw_session(token)
        self.addCleanup(client.close)
        return client

    @staticmethod
    def send_line(client, tag, line):
        """Sends one raw command line; returns (status, text, untagged lines)."""
        client.sock.sendall(tag + b" " + line + b"\r\n")
        untagged = []
        while True:
            reply = client.file.readline()
            if not reply:
                return "CLOSED", "", untagged
            if reply.startswith(tag + b" "):
                status, _, text = reply[len(tag) + 1:].decode("utf-8", "replace").partition(" ")
                return status, text.strip(), untagged
            untagged.append(reply)

    def assertRefusedAsReadOnly(self, answer, what):
        status, text, _ = answer
        self.assertEqual(status, "NO", "%s answered %s %s" % (what, status, text))
        self.assertIn(READ_ONLY_REFUSAL, text, what)

    def acl_of(self, mailbox):
        """The mailbox's ACL as a read-write session sees it (the untagged ACL line)."""
        client = self.session(self.rw["token"])
        status, text, untagged = client.command(b"GETACL", mailbox)
        self.assertEqual(status, "OK", text)
        return b"".join(line for line in untagged if line.startswith(b"* ACL "))

    def acl_files(self):
        """Every ACL file in alice's mail directory (acl = vfile), with its content."""
        mail_dir = self.dovecot.run_dir / "mail" / "alice"
        return {str(p.relative_to(mail_dir)): p.read_bytes()
                for p in mail_dir.rglob("dovecot-acl*") if p.is_file()}

    # -- imap_acl ---------------------------------------------------------------------------

    def test_read_only_token_cannot_change_acls_but_can_read_them(self):
        acl_before = self.acl_of(b"INBOX")
        files_before = self.acl_files()
        client = self.session(self.ro["token"])
        for command in ((b"GETACL", b"INBOX"), (b"MYRIGHTS", b"INBOX"),
                        (b"LISTRIGHTS", b"INBOX", b"attacker")):
            with self.subTest(command=command[0]):
                status, text, untagged = client.command(*command)
                self.assertEqual(status, "OK", "%s answered %s %s" % (command[0], status, text))
                self.assertTrue(untagged, "%s sent no data" % command[0])
        for command in ((b"SETACL", b"INBOX", b"attacker", b"lrswipkxtea"),
                        (b"SETACL", b"INBOX", b"anyone", b"+lr"),
                        (b"setacl", b"Archive", b"attacker", b"lrswipkxtea"),
                        (b"DELETEACL", b"INBOX", b"owner"),
                        (b"DELETEACL", b"INBOX", b"attacker")):
            with self.subTest(command=command):
                self.assertRefusedAsReadOnly(client.command(*command), command[0])
        # The session stays usable, and no ACL changed, as seen through IMAP and on disk.
        self.assertEqual(client.command(b"NOOP")[0], "OK")
        self.assertEqual(self.acl_of(b"INBOX"), acl_before)
        self.assertEqual(self.acl_of(b"Archive").count(b"attacker"), 0)
        self.assertEqual(self.acl_files(), files_before)

    def test_read_write_token_can_change_acls(self):
        client = self.session(self.rw["token"])
        self.expect_ok(client.command(b"SETACL", b"Shared", b"bob", b"lr"))
        self.assertIn(b"bob lr", self.acl_of(b"Shared"))
        self.expect_ok(client.command(b"DELETEACL", b"Shared", b"bob"))
        self.assertNotIn(b"bob", self.acl_of(b"Shared"))

    # -- imap_quota -------------------------------------------------------------------------

    def test_read_only_token_cannot_set_quota_but_can_read_it(self):
        client = self.session(self.ro["token"])
        status, text, untagged = client.command(b"GETQUOTAROOT", b"INBOX")
        self.assertEqual(status, "OK", text)
        self.assertTrue(any(line.startswith(b"* QUOTA ") for line in untagged), untagged)
        status, text, _ = client.command(b"GETQUOTA", b'"User quota"')
        self.assertEqual(status, "OK", text)
        self.assertRefusedAsReadOnly(
            client.command(b"SETQUOTA", b'"User quota"', b"(STORAGE 1)"), "SETQUOTA")

    # -- the allow-list ---------------------------------------------------------------------

    def test_every_other_command_is_refused_before_it_runs(self):
        client = self.session(self.ro["token"])
        status, text, _ = client.command(b"SELECT", b"INBOX")
        self.assertEqual(status, "OK", text)
        self.assertIn("[READ-ONLY]", text)
        commands = [
            (b"STORE", b"1", b"+FLAGS", b"(\\Flagged)"),
            (b"UID", b"STORE", b"1:*", b"+FLAGS.SILENT", b"(\\Deleted)"),
            (b"COPY", b"1", b"Archive"),
            (b"UID", b"COPY", b"1:*", b"Archive"),
            (b"MOVE", b"1", b"Archive"),
            (b"UID", b"MOVE", b"1:*", b"Archive"),
            (b"EXPUNGE",),
            (b"UID", b"EXPUNGE", b"1:*"),
            (b"CREATE", b"Created"),
            (b"DELETE", b"Archive"),
            (b"RENAME", b"Archive", b"Renamed"),
            (b"SUBSCRIBE", b"INBOX"),
            (b"UNSUBSCRIBE", b"Archive"),
            (b"SETMETADATA", b"INBOX", b'(/private/comment "x")'),
            (b"SETACL", b"INBOX", b"attacker", b"lrswipkxtea"),
            (b"DELETEACL", b"INBOX", b"owner"),
            (b"SETQUOTA", b'"User quota"', b"(STORAGE 1)"),
            # URLAUTH and Dovecot's state export: not known to be read-only, so refused.
            (b"RESETKEY",),
            (b"GENURLAUTH", b'"imap://alice@mailtoken.test/INBOX/;uid=1;urlauth=user+alice"',
             b"INTERNAL"),
            (b"URLFETCH", b'"imap://alice@mailtoken.test/INBOX/;uid=1;urlauth=user+alice:internal:0"'),
            (b"X-STATE",),
            # Names are case-insensitive, for the allow-list as for Dovecot.
            (b"store", b"1", b"+FLAGS", b"(\\Flagged)"),
            (b"uid", b"expunge", b"1:*"),
        ]
        for command in commands:
            what = b" ".join(command).decode()
            with self.subTest(command=what):
                self.assertRefusedAsReadOnly(client.command(*command), what)
        # A refused command's literals (LITERAL+) are read as its arguments, never run as
        # the commands that follow: the smuggled line gets no answer of its own.
        value = b"line one\r\nz1 NOOP\r\n"
        answer = self.send_line(client, b"s1", b"SETMETADATA INBOX (/private/comment {%d+}\r\n"
                                % len(value) + value + b")")
        self.assertRefusedAsReadOnly(answer, "SETMETADATA with a literal")
        _, _, after = client.command(b"NOOP")
        self.assertFalse([line for line in answer[2] + after if line.startswith(b"z1 ")],
                         "literal content was run as a command")
        # APPEND keeps its own handler (it must drain the message literal); the mail plugin
        # refuses it with the same answer.
        self.assertRefusedAsReadOnly(client.command(b"APPEND", b"INBOX", literal(MESSAGE)),
                                     "APPEND")
        # Dovecot answers commands it does not know BAD without running anything.
        status, text, _ = client.command(b"XFOO", b"INBOX")
        self.assertEqual(status, "BAD", text)
        self.assertEqual(client.command(b"NOOP")[0], "OK")
        self.assert_alice_mailbox_unchanged()

    def test_read_commands_work_in_a_read_only_session(self):
        client = self.session(self.ro["token"])
        reads = [
            (b"CAPABILITY",), (b"NOOP",), (b"ID", b"NIL"), (b"ENABLE", b"CONDSTORE"),
            (b"NAMESPACE",), (b"LIST", b'""', b"*"), (b"LSUB", b'""', b"*"),
            (b"XLIST", b'""', b"*"), (b"STATUS", b"INBOX", b"(MESSAGES UNSEEN)"),
            (b"GETMETADATA", b"INBOX", b"/private/comment"),
            (b"EXAMINE", b"Archive"), (b"SELECT", b"INBOX"),
            (b"FETCH", b"1:*", b"(FLAGS BODY.PEEK[HEADER])"), (b"UID", b"FETCH", b"1:*", b"(UID)"),
            (b"FETCH", b"1", b"(BODY[])"),
            (b"SEARCH", b"ALL"), (b"UID", b"SEARCH", b"RETURN", b"(MIN MAX)", b"ALL"),
            (b"SORT", b"(DATE)", b"UTF-8", b"ALL"), (b"UID", b"SORT", b"(SUBJECT)", b"UTF-8", b"ALL"),
            (b"THREAD", b"REFERENCES", b"UTF-8", b"ALL"),
            (b"UID", b"THREAD", b"ORDEREDSUBJECT", b"UTF-8", b"ALL"),
            (b"CHECK",), (b"UNSELECT",), (b"SELECT", b"INBOX"), (b"CLOSE",),
            (b"NOTIFY", b"NONE"),
        ]
        for command in reads:
            what = b" ".join(command).decode()
            with self.subTest(command=what):
                status, text, _ = client.command(*command)
                self.assertEqual(status, "OK", "%s answered %s %s" % (what, status, text))
        # Reading the body set no \Seen (the mailbox is read-only).
        rw = self.session(self.rw["token"])
        self.expect_ok(rw.command(b"EXAMINE", b"INBOX"))
        _, _, untagged = rw.command(b"FETCH", b"1", b"(FLAGS)")
        self.assertNotIn(b"\\Seen", b"".join(untagged))

    def test_idle_works_in_a_read_only_session(self):
        client = self.session(self.ro["token"])
        self.expect_ok(client.command(b"SELECT", b"INBOX"))
        client.sock.sendall(b"i1 IDLE\r\n")
        self.assertTrue(client.file.readline().startswith(b"+ "))
        client.sock.sendall(b"DONE\r\n")
        line = client.file.readline()
        self.assertTrue(line.startswith(b"i1 OK"), line)

    def test_close_in_a_read_only_session_expunges_nothing(self):
        client = self.session(self.ro["token"])
        status, text, _ = client.command(b"SELECT", b"Pending")
        self.assertEqual(status, "OK", text)
        self.assertIn("[READ-ONLY]", text)
        status, text, _ = client.command(b"CLOSE")
        self.assertEqual(status, "OK", text)
        rw = self.session(self.rw["token"])
        status, text, untagged = rw.command(b"STATUS", b"Pending", b"(MESSAGES)")
        self.assertEqual(status, "OK", text)
        self.assertIn(b"MESSAGES 1", b"".join(untagged),
                      "CLOSE expunged a \\Deleted message in a read-only session")

    def test_read_write_token_is_not_restricted(self):
        # The allow-list applies to read-only sessions only: a read-write session reaches
        # every handler (RESETKEY then answers as Dovecot does without URLAUTH set up).
        client = self.session(self.rw["token"])
        status, text, _ = client.command(b"RESETKEY")
        self.assertNotIn("read-only", text)
        self.expect_ok(client.command(b"CREATE", b"Scratch"))
        self.expect_ok(client.command(b"SELECT", b"Scratch"))
        self.expect_ok(client.command(b"EXPUNGE"))
        self.expect_ok(client.command(b"CLOSE"))
        self.expect_ok(client.command(b"DELETE", b"Scratch"))

    def assert_alice_mailbox_unchanged(self):
        client = self.session(self.rw["token"])
        status, text, untagged = client.command(b"EXAMINE", b"INBOX")
        self.assertEqual(status, "OK", text)
        self.assertIn(b"* 2 EXISTS\r\n", untagged, "INBOX message count changed")
        _, _, flags = client.command(b"FETCH", b"1:*", b"(FLAGS)")
        for line in flags:
            self.assertNotIn(b"\\Flagged", line)
            self.assertNotIn(b"\\Deleted", line)
        _, _, listed = client.command(b"LIST", b'""', b"*")
        names = b"".join(listed)
        for name in (b"Created", b"Renamed", b"Smuggled"):
            self.assertNotIn(name, names)
        self.assertIn(b"Archive", names)
        _, _, status_lines = client.command(b"STATUS", b"Archive", b"(MESSAGES)")
        self.assertIn(b"MESSAGES 0", b"".join(status_lines))
        _, _, metadata = client.command(b"GETMETADATA", b"INBOX", b"/private/comment")
        self.assertNotIn(b"line one", b"".join(metadata))
        self.assertNotIn(b'"x"', b"".join(metadata))


if __name__ == "__main__":
    unittest.main()
