"""No token, pepper or password text in Dovecot's log, even with auth_debug and auth_verbose.

Logins of every kind (good, wrong secret, wrong user, revoked, refused for scope or
read-only, over IMAP LOGIN and the three SASL mechanisms, POP3 and ManageSieve) are made
with the most talkative auth logging; then the log is searched for each token's secret
part, the SASL payloads that carried it, the pepper and the extra password used.

Submission is left out on purpose: with auth_debug on, stock Dovecot's submission-login
logs the client's SASL response itself ("AUTH PLAIN <initial response>", and "Received AUTH
response: <base64>" when sent separately; HOSTS.md). That happens before any passdb runs,
so no plugin can prevent it; the README tells admins to keep auth_debug off in production.
"""

import base64
import unittest

from dovecot_harness import DovecotTestCase, pop3_login, sasl_payload, sieve_login


class LogLeakTests(DovecotTestCase):
    BASE_PORT = 31470
    STORE = "mariadb"
    AUTH_DEBUG = True

    def test_no_secret_reaches_the_log(self):
        good = self.env.create_token("grace", "good")
        revoked = self.env.create_token("grace", "revoked")
        read_only = self.env.create_token("grace", "read-only", read_only=True, scopes=["mail,sieve"])
        sender = self.env.create_token("grace", "sender", scopes=["submission"])  # not for IMAP
        self.env.revoke(revoked["id"])
        tokens = [good, revoked, read_only, sender]
        wrong_secret = good["token"][:-3] + ("xyz" if not good["token"].endswith("xyz") else "abc")
        plain_password = "Plain-Password-Not-A-Token-42"

        self.assertEqual(self.imap_login("grace", good["token"])[0], "OK")
        for mechanism in ("PLAIN", "OAUTHBEARER", "XOAUTH2"):
            self.assertEqual(self.imap_authenticate(mechanism, "grace", good["token"])[0], "OK")
            self.assertNotEqual(self.imap_authenticate(mechanism, "grace", wrong_secret)[0], "OK")
        self.assertNotEqual(self.imap_login("grace", wrong_secret)[0], "OK")
        self.assertNotEqual(self.imap_login("mallory", good["token"])[0], "OK")
        self.assertNotEqual(self.imap_login("grace", revoked["token"])[0], "OK")
        self.assertNotEqual(self.imap_login("grace", plain_password)[0], "OK")
        self.assertNotEqual(self.imap_login("grace", sender["token"])[0], "OK")
        self.assertEqual(self.imap_login("grace", read_only["token"])[0], "OK")
        self.assertEqual(pop3_login(self.dovecot.pop3_port, "grace", good["token"])[0], "OK")
        self.assertEqual(pop3_login(self.dovecot.pop3_port, "grace", read_only["token"])[0], "ERR")
        self.assertEqual(sieve_login(self.dovecot.sieve_port, "grace", read_only["token"])[0], "NO")

        log = self.dovecot.log_text()
        self.assertIn("auth-worker", log, "auth debug logging is not on; the test would prove nothing")
        self.assertIn(good["id"], log, "tokens are named by their public id in the log")

        forbidden = {"pepper hex": self.env.pepper_bytes().hex(),
                     "pepper HEX": self.env.pepper_bytes().hex().upper(),
                     "pepper base64": base64.b64encode(self.env.pepper_bytes()).decode(),
                     "plain password": plain_password,
                     "wrong secret": wrong_secret.rsplit("_", 1)[-1]}
        for token in tokens:
            secret = token["token"].rsplit("_", 1)[-1]
            forbidden["secret of " + token["name"]] = secret
            forbidden["half secret of " + token["name"]] = secret[len(secret) // 2:]
            for mechanism in ("PLAIN", "OAUTHBEARER", "XOAUTH2"):
                payload = sasl_payload(mechanism, "grace", token["token"])
                forbidden["%s payload of %s" % (mechanism, token["name"])] = base64.b64encode(payload).decode()[8:]
        for name, text in forbidden.items():
            with self.subTest(secret=name):
                # (No assertNotIn: its message would print the whole log.)
                self.assertFalse(text in log, "%s found in %s" % (name, self.dovecot.log_path))
        self.assertFalse(self.env.pepper_bytes() in self.dovecot.log_bytes(), "raw pepper in the log")


if __name__ == "__main__":
    unittest.main()
