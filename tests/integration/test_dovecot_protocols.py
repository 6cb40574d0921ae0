"""POP3, Submission and ManageSieve logins with API tokens (real Dovecot, MariaDB store).

Each protocol needs its own scope; read-only tokens are refused with a visible reason where
Dovecot cannot enforce read-only (POP3 DELE, ManageSieve PUTSCRIPT), and submission is a
write by nature.
"""

import time
import unittest

from dovecot_harness import DovecotTestCase, pop3_login, sieve_login, submission_login


class OtherProtocolTests(DovecotTestCase):
    BASE_PORT = 31440
    STORE = "mariadb"

    # -- POP3 ---------------------------------------------------------------------------------

    def test_pop3_read_write_mail_token_logs_in(self):
        token = self.env.create_token("alice", "pop client")
        status, text, count = pop3_login(self.dovecot.pop3_port, "alice", token["token"])
        self.assertEqual(status, "OK", text)
        self.assertEqual(count, 0)

    def test_pop3_read_only_token_is_refused_with_reason(self):
        token = self.env.create_token("alice", "pop read-only", read_only=True)
        status, text, _ = pop3_login(self.dovecot.pop3_port, "alice", token["token"])
        self.assertEqual(status, "ERR")
        self.assertIn("read-only API tokens cannot be used for POP3", text)

    def test_pop3_needs_the_mail_scope(self):
        token = self.env.create_token("alice", "sender", scopes=["submission"])
        status, text, _ = pop3_login(self.dovecot.pop3_port, "alice", token["token"])
        self.assertEqual(status, "ERR")
        self.assertIn("no 'mail' scope", text)

    def test_pop3_wrong_user_is_refused(self):
        token = self.env.create_token("alice", "pop other user")
        self.assertEqual(pop3_login(self.dovecot.pop3_port, "bob", token["token"])[0], "ERR")

    # -- Submission ---------------------------------------------------------------------------

    def test_submission_token_sends_mail(self):
        token = self.env.create_token("alice", "send only", scopes=["submission"])
        before = len(self.dovecot.sink.messages)
        code, text = submission_login(self.dovecot.submission_port, "alice", token["token"],
                                      send_to="bob@mailtoken.test")
        self.assertEqual(code, 235, text)
        deadline = time.time() + 5
        while len(self.dovecot.sink.messages) == before and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn(b"sent with an API token", b"".join(self.dovecot.sink.messages[before:]))

    def test_submission_needs_the_submission_scope(self):
        token = self.env.create_token("alice", "mail only")
        code, text = submission_login(self.dovecot.submission_port, "alice", token["token"])
        self.assertNotEqual(code, 235)
        self.assertIn("no 'submission' scope", text)

    def test_submission_wrong_token_is_refused(self):
        token = self.env.create_token("alice", "sender 2", scopes=["submission"])
        code, _ = submission_login(self.dovecot.submission_port, "alice", token["token"][:-2] + "zz")
        self.assertEqual(code, 535)

    def test_submission_last_use_is_recorded_as_submission(self):
        token = self.env.create_token("alice", "sender 3", scopes=["submission"])
        self.assertEqual(submission_login(self.dovecot.submission_port, "alice", token["token"])[0], 235)
        deadline = time.time() + 5
        while not self.env.show(token["id"])["last_used_at"] and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.env.show(token["id"])["last_used_protocol"], "submission")

    # -- ManageSieve --------------------------------------------------------------------------

    def test_sieve_token_logs_in(self):
        token = self.env.create_token("alice", "filters", scopes=["sieve"])
        status, text = sieve_login(self.dovecot.sieve_port, "alice", token["token"])
        self.assertEqual(status, "OK", text)

    def test_sieve_read_only_token_is_refused_with_reason(self):
        token = self.env.create_token("alice", "filters read-only", read_only=True, scopes=["sieve"])
        status, text = sieve_login(self.dovecot.sieve_port, "alice", token["token"])
        self.assertEqual(status, "NO")
        self.assertIn("read-only API tokens cannot be used for ManageSieve", text)

    def test_sieve_needs_the_sieve_scope(self):
        token = self.env.create_token("alice", "mail only for sieve")
        status, text = sieve_login(self.dovecot.sieve_port, "alice", token["token"])
        self.assertEqual(status, "NO")
        self.assertIn("no 'sieve' scope", text)

    def test_one_token_with_several_scopes_works_for_each(self):
        token = self.env.create_token("alice", "everything", scopes=["mail,submission,sieve"])
        self.assertEqual(self.imap_login("alice", token["token"])[0], "OK")
        self.assertEqual(pop3_login(self.dovecot.pop3_port, "alice", token["token"])[0], "OK")
        self.assertEqual(submission_login(self.dovecot.submission_port, "alice", token["token"])[0], 235)
        self.assertEqual(sieve_login(self.dovecot.sieve_port, "alice", token["token"])[0], "OK")


if __name__ == "__main__":
    unittest.main()
