"""Smoke test of the Dovecot plugins with the SQLite store (the single-host setup).

The full behaviour is covered against MariaDB (test_dovecot_imap, test_dovecot_protocols);
this checks that the same modules work end to end when mailtoken.conf names a SQLite file.
"""

import shutil
import tempfile
import time
import unittest
from pathlib import Path

from dovecot_harness import Dovecot, DovecotTestCase, MailtokenEnv, imap_login, next_client_ip


class SqliteStoreSmokeTests(DovecotTestCase):
    BASE_PORT = 31450
    STORE = "sqlite"

    def test_read_write_and_read_only_sessions(self):
        rw = self.env.create_token("erin", "laptop")
        ro = self.env.create_token("erin", "archiver", read_only=True)
        writer = self.imap_session("erin", rw["token"])
        self.assertEqual(writer.append("INBOX", None, None, b"Subject: s\r\n\r\nsqlite\r\n")[0], "OK")

        reader = self.imap_session("erin", ro["token"])
        status, text, read_only = reader.select_keep_read_only("INBOX")
        self.assertEqual(status, "OK")
        self.assertTrue(read_only, text)
        for command in (("STORE", "1", "+FLAGS", "(\\Seen)"), ("EXPUNGE",), ("CREATE", "X")):
            with self.subTest(command=command[0]):
                status, text = reader.run(*command)
                self.assertEqual(status, "NO")
                self.assertIn("This API token is read-only", text)

    def test_sasl_login_revocation_and_last_use(self):
        token = self.env.create_token("erin", "tablet")
        source_ip = next_client_ip()
        self.assertEqual(self.imap_authenticate("OAUTHBEARER", "erin", token["token"], source_ip)[0], "OK")
        deadline = time.time() + 5
        while not self.env.show(token["id"])["last_used_at"] and time.time() < deadline:
            time.sleep(0.05)
        shown = self.env.show(token["id"])
        self.assertEqual((shown["last_used_ip"], shown["last_used_protocol"]), (source_ip, "imap"))
        self.env.revoke(token["id"])
        self.assertRefusedWith(self.imap_login("erin", token["token"]))


class BadConfigTests(unittest.TestCase):
    """A broken mailtoken.conf stops Dovecot's auth service loudly, naming the problem."""

    BASE_PORT = 31455

    def setUp(self):
        self.run_dir = Path(tempfile.mkdtemp(prefix="mailtoken-badconfig-"))
        self.addCleanup(shutil.rmtree, self.run_dir, True)
        env = MailtokenEnv(self.run_dir, "sqlite3://db=%s" % (self.run_dir / "tokens.db"))
        self.token = env.create_token("alice", "laptop")["token"]
        with open(env.config_path, "a") as config:
            config.write("databse = sqlite3://db=/tmp/typo.db\n")
        self.dovecot = Dovecot(self.run_dir, env.config_path, self.BASE_PORT)
        self.addCleanup(self.dovecot.stop)

    def test_auth_refuses_to_start_and_names_the_key(self):
        with self.assertRaises(RuntimeError) as failure:
            self.dovecot.start()
        self.assertIn("Fatal: passdb mailtoken", str(failure.exception))
        self.assertIn("unknown key 'databse'", str(failure.exception))
        # The script stopped the half-started Dovecot again: nothing answers.
        with self.assertRaises(OSError):
            imap_login(self.dovecot.imap_port, "alice", self.token)

if __name__ == "__main__":
    unittest.main()
