"""The token database goes away while Dovecot runs, and comes back.

A private MariaDB (its own directory and port) is stopped mid-run: logins then get a
temporary failure ([UNAVAILABLE]), never an accept and never a plain "wrong password";
when the server is started again, logins work without restarting Dovecot.
"""

import unittest

from dovecot_harness import DovecotTestCase

MARIADB_PORT = 33461


class DatabaseOutageTests(DovecotTestCase):
    BASE_PORT = 31460
    STORE = "mariadb"
    # A server of our own, whatever the fixture is: this test stops it.
    PRIVATE_MARIADB_PORT = MARIADB_PORT

    def test_outage_is_a_temporary_failure_and_recovers(self):
        rw = self.env.create_token("frank", "laptop")
        ro = self.env.create_token("frank", "reader", read_only=True)
        self.assertEqual(self.imap_login("frank", rw["token"])[0], "OK")

        self.mariadb.stop()
        try:
            for name, token in (("read-write", rw), ("read-only", ro)):
                with self.subTest(token=name):
                    status, text = self.imap_login("frank", token["token"])
                    self.assertEqual(status, "NO")
                    self.assertIn("UNAVAILABLE", text)
            status, text = self.imap_authenticate("PLAIN", "frank", rw["token"])
            self.assertEqual(status, "NO")
            self.assertIn("UNAVAILABLE", text)
        finally:
            self.mariadb.start_again(MARIADB_PORT)

        self.assertEqual(self.imap_login("frank", rw["token"])[0], "OK")
        self.assertEqual(self.imap_login("frank", ro["token"])[0], "OK")
        self.assertNoServerCrash()


if __name__ == "__main__":
    unittest.main()
